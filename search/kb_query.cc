/* kb_query.cc -- from the user's text to a Xapian::Query.
 *
 * Two paths:
 *  - Text with query syntax ("phrases", +must, -not, AND/OR/NOT,
 *    title:..., topic:...) and as-you-type prefixes go through
 *    Xapian::QueryParser, which understands all of it.
 *  - Plain text, which is nearly every customer question, is split into
 *    words by the same TermGenerator that indexed the articles (so both
 *    sides agree on "sign-in", "C++", "1,000" and CJK), and built here:
 *    an OR of the stemmed content words (stop and question words
 *    dropped, unless nothing else is left), Chinese/Japanese/Korean as
 *    character bigrams, synonym groups as one OP_SYNONYM term, unknown
 *    words replaced by their spelling correction, and a proximity bonus
 *    for neighbouring query words found near each other.
 *
 * Weights and windows come from kb_schema.h. */
#include "kb_private.hh"
#include "stopwords.h"
#include "synonyms.h"

#include <algorithm>
#include <cstring>
#include <map>

namespace {

/* One word of the query, at its TermGenerator position. */
struct qtok {
    Xapian::termpos pos;
    std::string raw;  /* unstemmed, lower case, as indexed */
    std::string term; /* what is searched: "Z" + stem, or raw */
    bool cjk = false; /* one CJK character (its bigrams are separate) */
    bool stop = false;
    bool used = false; /* taken by a synonym group */
};

struct words {
    std::vector<qtok> toks;           /* by position */
    std::vector<std::string> bigrams; /* CJK character pairs, in order */
};

bool starts_cjk(const std::string &s)
{
    Xapian::Utf8Iterator u(s);
    return u != Xapian::Utf8Iterator() && kb_is_cjk(*u);
}

/* Splits text exactly as kb_put() indexes it. */
words split_words(const std::string &text, const std::string &locale)
{
    Xapian::TermGenerator tg;
    kb_setup_termgen(tg, locale);
    Xapian::Document doc;
    tg.set_document(doc);
    tg.index_text(text);
    std::map<Xapian::termpos, std::string> raw, stem;
    words w;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        const std::string &term = *t;
        bool any = false;
        for (Xapian::PositionIterator p = t.positionlist_begin(); p != t.positionlist_end();
             ++p) {
            any = true;
            (term[0] == 'Z' ? stem : raw)[*p] = term;
        }
        if (!any && starts_cjk(term))
            w.bigrams.push_back(term);
    }
    for (const auto &r : raw) {
        qtok k;
        k.pos = r.first;
        k.raw = r.second;
        auto s = stem.find(r.first);
        k.term = s != stem.end() ? s->second : r.second;
        k.cjk = starts_cjk(r.second);
        w.toks.push_back(k);
    }
    return w;
}

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

/* True when the text uses query syntax the plain path would lose. */
bool has_syntax(const std::string &text)
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

Xapian::Query parser_query(const Xapian::Database &db, const kb_query *qy,
                           const std::string &text, const std::string &locale)
{
    Xapian::QueryParser qp;
    Xapian::SimpleStopper stopper;
    qp.set_database(db);
    qp.set_stemmer(kb_stem_for(locale));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME_FULL_POS);
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
    unsigned partial = qy->prefix_last ? Xapian::QueryParser::FLAG_PARTIAL : 0;
    unsigned full = Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_BOOLEAN |
                    Xapian::QueryParser::FLAG_LOVEHATE | Xapian::QueryParser::FLAG_CJK_NGRAM |
                    partial;
    std::string lowered = lower_words(text);
    try {
        return qp.parse_query(lowered, full);
    } catch (const Xapian::QueryParserError &) {
    }
    try {
        return qp.parse_query(lowered, Xapian::QueryParser::FLAG_CJK_NGRAM | partial);
    } catch (const Xapian::QueryParserError &) {
    }
    /* Xapian 1.4 cannot parse some mixes of Latin words and single CJK
     * characters ("a 和 b"): the words one by one, then. */
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
}

bool in_list(const char *const *list, const std::string &w)
{
    for (; list && *list; list++)
        if (w == *list)
            return true;
    return false;
}

/* The query of one synonym term: a word, a phrase of words, or a run of
 * CJK characters (its bigram, or a phrase of its characters). */
Xapian::Query member_query(const words &m)
{
    if (m.toks.size() == 1)
        return Xapian::Query(m.toks[0].term);
    if (m.toks.size() == 2 && m.bigrams.size() == 1)
        return Xapian::Query(m.bigrams[0]);
    std::vector<Xapian::Query> parts;
    for (const qtok &k : m.toks)
        parts.emplace_back(k.term);
    return Xapian::Query(Xapian::Query::OP_PHRASE, parts.begin(), parts.end(), parts.size());
}

/* Finds the terms of every synonym group in the query; the words found
 * are marked used and the group becomes one OP_SYNONYM query. */
void apply_synonyms(words *w, const kb_synonyms *syn, const std::string &locale,
                    std::vector<Xapian::Query> *out)
{
    size_t ngroups = kb_synonyms_groups(syn, locale.c_str());
    for (size_t g = 0; g < ngroups; g++) {
        size_t nterms = 0;
        const char *const *terms = kb_synonyms_group(syn, locale.c_str(), g, &nterms);
        std::vector<words> members;
        bool found = false;
        for (size_t t = 0; t < nterms; t++) {
            members.push_back(split_words(terms[t], locale));
            const std::vector<qtok> &m = members.back().toks;
            if (m.empty() || m.size() > w->toks.size())
                continue;
            for (size_t i = 0; i + m.size() <= w->toks.size(); i++) {
                size_t k = 0;
                while (k < m.size() && !w->toks[i + k].used &&
                       w->toks[i + k].term == m[k].term &&
                       (k == 0 || w->toks[i + k].pos == w->toks[i + k - 1].pos + 1))
                    k++;
                if (k == m.size()) {
                    for (k = 0; k < m.size(); k++)
                        w->toks[i + k].used = true;
                    found = true;
                }
            }
        }
        if (!found)
            continue;
        std::vector<Xapian::Query> alts;
        for (const words &m : members)
            if (!m.toks.empty())
                alts.push_back(member_query(m));
        out->emplace_back(Xapian::Query::OP_SYNONYM, alts.begin(), alts.end());
    }
}

/* True when a public unit of locale (or other) contains term. */
bool in_locale(const Xapian::Database &db, const std::string &term, const std::string &locale,
               const std::string &other)
{
    Xapian::Query loc(KB_PREFIX_LOCALE + locale);
    if (!other.empty() && other != locale)
        loc = Xapian::Query(Xapian::Query::OP_OR, loc, Xapian::Query(KB_PREFIX_LOCALE + other));
    Xapian::Query q(Xapian::Query::OP_FILTER, Xapian::Query(term), loc);
    q = Xapian::Query(Xapian::Query::OP_AND_NOT, q, Xapian::Query(KB_TERM_INTERNAL));
    Xapian::Enquire enq(db);
    enq.set_query(q);
    enq.set_weighting_scheme(Xapian::BoolWeight());
    return !enq.get_mset(0, 1).empty();
}

size_t utf8_length(const std::string &s)
{
    size_t n = 0;
    for (Xapian::Utf8Iterator u(s); u != Xapian::Utf8Iterator(); ++u)
        n++;
    return n;
}

/* Replaces each unknown word by the most frequent public word of the
 * locale one or two edits away (Xapian's spelling table holds only
 * words of public articles, see kb_put).  Returns the corrections. */
std::map<std::string, std::string> correct_spelling(const Xapian::Database &db, words *w,
                                                    const std::string &locale,
                                                    const std::string &other)
{
    std::map<std::string, std::string> fixes;
    Xapian::Stem stem = kb_stem_for(locale);
    for (qtok &k : w->toks) {
        if (k.stop || k.used || k.cjk || !kb_spelling_word(k.raw))
            continue;
        size_t len = utf8_length(k.raw);
        if (len < KB_SPELL_MIN_QUERY || db.get_termfreq(k.term) != 0)
            continue;
        std::string fix = db.get_spelling_suggestion(k.raw, len >= KB_SPELL_TWO_EDITS ? 2 : 1);
        if (fix.empty())
            continue;
        std::string term = k.term[0] == 'Z' ? "Z" + stem(fix) : fix;
        if (!in_locale(db, term, locale, other))
            continue;
        fixes[k.raw] = fix;
        k.term = term;
    }
    return fixes;
}

/* The query text with each corrected word replaced (lower case). */
std::string corrected_text(const std::string &text,
                           const std::map<std::string, std::string> &fixes)
{
    std::string out;
    Xapian::Utf8Iterator u(text), end;
    while (u != end) {
        if (!Xapian::Unicode::is_wordchar(*u)) {
            Xapian::Unicode::append_utf8(out, *u);
            ++u;
            continue;
        }
        std::string word;
        while (u != end && Xapian::Unicode::is_wordchar(*u)) {
            Xapian::Unicode::append_utf8(word, *u);
            ++u;
        }
        auto f = fixes.find(Xapian::Unicode::tolower(word));
        out += f != fixes.end() ? f->second : word;
    }
    return out;
}

Xapian::Query plain_query(const Xapian::Database &db, const kb_query *qy,
                          const std::string &text, const std::string &locale,
                          const std::string &other, std::string *suggestion)
{
    words w = split_words(text, locale);
    const char *const *stop = stopwords_for(kb_locale_lang(locale).c_str());
    bool content = !w.bigrams.empty();
    for (qtok &k : w.toks) {
        k.stop = in_list(stop, k.raw);
        content = content || (!k.cjk && !k.stop);
    }
    if (!content) /* "how do I": better the stop words than nothing */
        for (qtok &k : w.toks)
            k.stop = false;

    std::vector<Xapian::Query> parts;
    if (qy->synonyms)
        apply_synonyms(&w, qy->synonyms, locale, &parts);
    if (suggestion && kb_tune("X_SPELL", 1)) { /* only for the requested locale */
        std::map<std::string, std::string> fixes = correct_spelling(db, &w, locale, other);
        if (!fixes.empty())
            *suggestion = corrected_text(text, fixes);
    }

    std::map<std::string, Xapian::termcount> wqf;
    std::vector<const qtok *> near;
    for (const qtok &k : w.toks) {
        if (k.stop || k.used)
            continue;
        if (!k.cjk) {
            wqf[k.term]++;
            near.push_back(&k);
        }
    }
    /* German: a word also matches the compounds it ends ("Gebühr" in
     * "Säumnisgebühr"), weighted as one term with its own forms. */
    bool compounds = kb_splits_compounds(locale) && kb_tune("X_COMP", 1);
    for (const auto &t : wqf) {
        std::string c = compounds && t.first[0] == 'Z' ? KB_PREFIX_COMPOUND + t.first.substr(1)
                                                       : std::string();
        if (!c.empty() && db.get_termfreq(c) > 0) {
            Xapian::Query both[] = {Xapian::Query(t.first, t.second), Xapian::Query(c, t.second)};
            parts.emplace_back(Xapian::Query::OP_SYNONYM, both, both + 2);
        } else {
            parts.emplace_back(t.first, t.second);
        }
    }
    /* Bigrams across a grammar character ("的支" in "的支持") span two
     * words: dropped, as are those characters alone. */
    std::vector<std::string> bigrams;
    for (const std::string &b : w.bigrams) {
        bool junk = false;
        if (kb_tune("X_ZHSTOP", 1))
            for (Xapian::Utf8Iterator u(b); u != Xapian::Utf8Iterator() && !junk; ++u) {
                std::string ch;
                Xapian::Unicode::append_utf8(ch, *u);
                junk = in_list(stop, ch);
            }
        if (!junk)
            bigrams.push_back(b);
    }
    if (bigrams.empty())
        bigrams = w.bigrams;
    static const char *const fields[] = {KB_PREFIX_TITLE, KB_PREFIX_HEADING};
    static const char *const knobs[] = {"X_TITLE", "X_HEAD"};
    for (int f = 0; f < 2; f++) {
        double fw = kb_tune(knobs[f], 0);
        if (fw <= 0)
            continue;
        double cap = kb_tune("X_TITLE_MAX", 1000);
        if (wqf.size() + bigrams.size() > cap)
            fw *= cap / (double)(wqf.size() + bigrams.size());
        std::vector<Xapian::Query> ft;
        for (const auto &t : wqf)
            ft.emplace_back(t.first[0] == 'Z' ? "Z" + std::string(fields[f]) + t.first.substr(1)
                                              : fields[f] + t.first, t.second);
        for (const std::string &b : bigrams)
            ft.emplace_back(fields[f] + b);
        parts.emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                           Xapian::Query(Xapian::Query::OP_OR, ft.begin(), ft.end()), fw);
    }
    if (kb_tune("X_RAW", 0) > 0) {
        std::vector<Xapian::Query> raws;
        for (const qtok *k : near)
            if (k->raw != k->term)
                raws.emplace_back(k->raw);
        parts.emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                           Xapian::Query(Xapian::Query::OP_OR, raws.begin(), raws.end()),
                           kb_tune("X_RAW", 0));
    }
    for (const std::string &b : bigrams)
        parts.emplace_back(b);
    /* A CJK character counts alone when it is in no bigram of the
     * query ("和" between two Latin words). */
    std::vector<Xapian::Query> unigrams;
    for (size_t i = 0; i < w.toks.size(); i++) {
        const qtok &k = w.toks[i];
        if (!k.cjk || k.used || k.stop)
            continue;
        bool paired = false;
        if (i > 0 && w.toks[i - 1].cjk && w.toks[i - 1].pos + 1 == k.pos)
            paired = std::find(w.bigrams.begin(), w.bigrams.end(), w.toks[i - 1].raw + k.raw) !=
                     w.bigrams.end();
        if (!paired && i + 1 < w.toks.size() && w.toks[i + 1].cjk &&
            w.toks[i + 1].pos == k.pos + 1)
            paired = std::find(w.bigrams.begin(), w.bigrams.end(), k.raw + w.toks[i + 1].raw) !=
                     w.bigrams.end();
        if (!paired)
            parts.emplace_back(k.raw);
        else if (KB_P(KB_CJK_UNIGRAM_WEIGHT) > 0)
            unigrams.emplace_back(k.raw);
    }
    if (!unigrams.empty())
        parts.emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                           Xapian::Query(Xapian::Query::OP_OR, unigrams.begin(), unigrams.end()),
                           KB_P(KB_CJK_UNIGRAM_WEIGHT));
    if (parts.empty())
        return Xapian::Query();
    Xapian::Query q(Xapian::Query::OP_OR, parts.begin(), parts.end());

    /* Proximity: each pair of neighbouring content words, allowing for
     * the stop words between them in the query plus some slack. */
    std::vector<Xapian::Query> pairs;
    for (size_t i = 0; i + 1 < near.size(); i++) {
        if (near[i]->term == near[i + 1]->term)
            continue;
        std::string a = near[i]->term, b = near[i + 1]->term;
        if (kb_tune("X_NEAR_TITLE", 0)) {
            a = a[0] == 'Z' ? "ZS" + a.substr(1) : "S" + a;
            b = b[0] == 'Z' ? "ZS" + b.substr(1) : "S" + b;
        }
        Xapian::Query two[] = {Xapian::Query(a), Xapian::Query(b)};
        Xapian::termcount window = near[i + 1]->pos - near[i]->pos + 1 + KB_P(KB_NEAR_SLACK);
        pairs.emplace_back(Xapian::Query::OP_NEAR, two, two + 2, window);
    }
    if (!pairs.empty() && KB_P(KB_NEAR_WEIGHT) > 0) {
        Xapian::Query bonus(Xapian::Query::OP_OR, pairs.begin(), pairs.end());
        q = Xapian::Query(Xapian::Query::OP_AND_MAYBE, q,
                          Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, bonus, KB_P(KB_NEAR_WEIGHT)));
    }
    return q;
}

} /* namespace */

Xapian::Query kb_build_query(const Xapian::Database &db, const kb_query *qy,
                             const std::string &locale, const std::string &other_locale,
                             std::string *suggestion)
{
    std::string text(qy->text ? qy->text : "");
    if (qy->prefix_last || has_syntax(text))
        return parser_query(db, qy, text, locale);
    return plain_query(db, qy, text, locale, other_locale, suggestion);
}
