/* kb_query_parser.cc -- the query-syntax path: text with quotes, +/-,
 * boolean operators or field prefixes, and as-you-type queries (the
 * last word a prefix), go through Xapian's QueryParser.  The plain path
 * (kb_query.cc) handles everything else. */
#include "kb_private.hh"
#include "stopwords.h"

#include <algorithm>
#include <cstring>

namespace {

bool is_operator(const std::string &w)
{
    static const char *const ops[] = {"AND", "OR", "NOT", "XOR", "NEAR", "ADJ"};
    for (const char *op : ops) {
        size_t n = strlen(op);
        if (w.compare(0, n, op) == 0 && (w.size() == n || w[n] == '/'))
            return true;
    }
    return false;
}

/* Lower-cases every word except the boolean operators, so that
 * QueryParser (which leaves capitalised words unstemmed) stems "Invoices"
 * at the start of a sentence like any other word. */
std::string lower_words(const std::string &text)
{
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        size_t e = text.find_first_of(" \t", i);
        if (e == std::string::npos)
            e = text.size();
        std::string w = text.substr(i, e - i);
        out += is_operator(w) ? w : Xapian::Unicode::tolower(w);
        if (e < text.size())
            out += text[e];
        i = e + 1;
    }
    return out;
}

/* The pattern of a QueryParser partial word, or "" when its description
 * is not the one a wildcard of that pattern has (a Xapian that writes it
 * otherwise): Xapian 1.4 has no accessor for it. */
std::string wildcard_pattern(const Xapian::Query &w)
{
    std::string d = w.get_description();
    const std::string head = "Query(WILDCARD ";
    if (d.compare(0, head.size(), head) != 0 || d.back() != ')')
        return "";
    size_t sp = d.find(' ', head.size()); /* after the combiner's name */
    if (sp == std::string::npos)
        return "";
    std::string pattern = d.substr(sp + 1, d.size() - sp - 2);
    Xapian::Query again(Xapian::Query::OP_WILDCARD, pattern, KB_PARTIAL_MAX_TERMS,
                        Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT, Xapian::Query::OP_SYNONYM);
    return !pattern.empty() && again.get_description() == d ? pattern : "";
}

/* What QueryParser's partial word expands to when the search runs (the
 * KB_PARTIAL_MAX_TERMS most frequent terms that begin with pattern,
 * OP_SYNONYM), but over the terms of documents vis shows. */
Xapian::Query visible_expansion(const Visible &vis, const std::string &pattern)
{
    const Xapian::Database &db = vis.db();
    std::vector<std::pair<Xapian::doccount, std::string>> cand;
    for (Xapian::TermIterator t = db.allterms_begin(pattern); t != db.allterms_end(pattern); ++t)
        cand.emplace_back(t.get_termfreq(), *t);
    if (cand.size() > KB_PARTIAL_MAX_TERMS)
        std::sort(cand.begin(), cand.end(), [](const auto &a, const auto &b) {
            return a.first != b.first ? a.first > b.first : a.second < b.second;
        });
    std::vector<Xapian::Query> terms;
    for (const auto &c : cand) {
        if (terms.size() >= KB_PARTIAL_MAX_TERMS)
            break;
        if (vis.has(c.second, c.first))
            terms.emplace_back(c.second);
    }
    if (terms.empty())
        return Xapian::Query(Xapian::Query::MatchNothing);
    return Xapian::Query(Xapian::Query::OP_SYNONYM, terms.begin(), terms.end());
}

/* An anonymous reader's partial word: Xapian would expand it over every
 * term of the index, so a word only internal articles use would count
 * (in the synonym's statistics, so in the weights of public hits, and
 * among the terms kept), and a public word could lose its place to it.
 * Returns true when q holds a wildcard, with *out the same query with
 * each replaced by visible_expansion().  QueryParser puts a partial word
 * only under operators without parameters (OR, AND, AND_NOT, AND_MAYBE,
 * FILTER, SYNONYM); under any other the part matches nothing rather
 * than reach internal words. */
bool visible_partial(const Visible &vis, const Xapian::Query &q, Xapian::Query *out)
{
    Xapian::Query::op op = q.get_type();
    if (op == Xapian::Query::OP_WILDCARD) {
        std::string pattern = wildcard_pattern(q);
        *out = pattern.empty() ? Xapian::Query(Xapian::Query::MatchNothing)
                               : visible_expansion(vis, pattern);
        return true;
    }
    std::vector<Xapian::Query> subs;
    bool found = false;
    for (size_t i = 0; i < q.get_num_subqueries(); i++) {
        subs.emplace_back();
        if (visible_partial(vis, q.get_subquery(i), &subs.back()))
            found = true;
        else
            subs.back() = q.get_subquery(i);
    }
    if (!found)
        return false;
    switch (op) {
    case Xapian::Query::OP_AND:
    case Xapian::Query::OP_OR:
    case Xapian::Query::OP_AND_NOT:
    case Xapian::Query::OP_XOR:
    case Xapian::Query::OP_AND_MAYBE:
    case Xapian::Query::OP_FILTER:
    case Xapian::Query::OP_SYNONYM:
    case Xapian::Query::OP_MAX:
        *out = Xapian::Query(op, subs.begin(), subs.end());
        break;
    default: /* parameters (a window, a factor) Xapian 1.4 does not give back */
        *out = Xapian::Query(Xapian::Query::MatchNothing);
    }
    return true;
}

} /* namespace */

bool kb_query_has_syntax(const std::string &text)
{
    static const char *const prefixes[] = {"title:", "heading:", "description:",
                                           "topic:", "product:", "tag:"};
    if (text.find('"') != std::string::npos)
        return true;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '('))
            i++;
        size_t e = text.find_first_of(" \t()", i);
        if (e == std::string::npos)
            e = text.size();
        std::string w = text.substr(i, e - i);
        if (w.size() > 1 && (w[0] == '+' || w[0] == '-'))
            return true;
        if (is_operator(w))
            return true;
        for (const char *p : prefixes)
            if (w.compare(0, strlen(p), p) == 0)
                return true;
        i = e + 1;
    }
    return false;
}

Xapian::Query kb_parser_query(const Visible &vis, const kb_query *qy, const std::string &text,
                              const std::string &locale)
{
    Xapian::QueryParser qp;
    Xapian::SimpleStopper stopper;
    qp.set_database(vis.db());
    qp.set_stemmer(kb_stem_for(locale));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME); /* phrases: words as written */
    const char *const *sw = stopwords_for(kb_locale_lang(locale).c_str());
    if (sw) {
        for (; *sw; sw++)
            stopper.add(*sw);
        qp.set_stopper(&stopper);
    }
    qp.set_default_op(Xapian::Query::OP_OR);
    qp.add_prefix("title", KB_PREFIX_TITLE);
    qp.add_prefix("heading", KB_PREFIX_HEADING);
    qp.add_prefix("description", KB_PREFIX_DESCRIPTION);
    qp.add_boolean_prefix("topic", KB_PREFIX_TOPIC);
    qp.add_boolean_prefix("product", KB_PREFIX_PRODUCT);
    qp.add_boolean_prefix("tag", KB_PREFIX_TAG);
    qp.set_max_expansion(KB_PARTIAL_MAX_TERMS, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT,
                         Xapian::QueryParser::FLAG_PARTIAL);
    unsigned partial = qy->prefix_last ? Xapian::QueryParser::FLAG_PARTIAL : 0;
    unsigned full = Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_BOOLEAN |
                    Xapian::QueryParser::FLAG_LOVEHATE | Xapian::QueryParser::FLAG_CJK_NGRAM |
                    partial;
    std::string lowered = lower_words(text);
    auto parse = [&]() {
        try {
            return qp.parse_query(lowered, full);
        } catch (const Xapian::QueryParserError &) {
        }
        try {
            return qp.parse_query(lowered, Xapian::QueryParser::FLAG_CJK_NGRAM | partial);
        } catch (const Xapian::QueryParserError &) {
        }
        /* Xapian 1.4 cannot parse some mixes of Latin words and single
         * CJK characters ("a 和 b"): the words one by one, then. */
        std::vector<Xapian::Query> parts;
        size_t i = 0;
        while (i < lowered.size()) {
            size_t e = lowered.find_first_of(" \t", i);
            if (e == std::string::npos)
                e = lowered.size();
            try {
                parts.push_back(qp.parse_query(lowered.substr(i, e - i),
                                               Xapian::QueryParser::FLAG_CJK_NGRAM));
            } catch (const Xapian::QueryParserError &) {
            }
            i = e + 1;
        }
        return Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
    };
    Xapian::Query q = parse(), visible;
    if (partial && !vis.all() && visible_partial(vis, q, &visible))
        return visible;
    return q;
}
