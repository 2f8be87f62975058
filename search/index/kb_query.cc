/* kb_query.cc -- the plain-text query: the words split as kb_put()
 * indexes them, stop words, synonym groups, spelling correction, German
 * compounds, CJK bigrams and characters, title and description boosts,
 * proximity.  Query syntax goes to kb_query_parser.cc instead. */
#include "kb_private.hh"
#include "stopwords.h"
#include "synonyms.h"

#include <algorithm>
#include <cmath>
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
    kb_setup_termgen(tg, locale, true);
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
    for (const qtok &k : m.toks) /* positions are kept for the words as written */
        parts.emplace_back(k.raw);
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
 * locale one or two edits away (Xapian's spelling table, in the
 * auxiliary database, holds only words of public articles, see
 * kb_put).  Unknown means in no document
 * the reader may see: for an anonymous reader a word of internal
 * articles only is unknown, and corrected like any other, so that
 * whether it gets a suggestion tells nothing.  Returns the
 * corrections. */
std::map<std::string, std::string> correct_spelling(const Visible &vis, words *w,
                                                    const std::string &locale,
                                                    const std::string &other)
{
    const Xapian::Database &db = vis.db();
    std::map<std::string, std::string> fixes;
    Xapian::Stem stem = kb_stem_for(locale);
    for (qtok &k : w->toks) {
        if (k.stop || k.used || k.cjk || !kb_spelling_word(k.raw))
            continue;
        size_t len = utf8_length(k.raw);
        if (len < KB_SPELL_MIN_QUERY || vis.has(k.term))
            continue;
        std::string fix =
            vis.aux().get_spelling_suggestion(k.raw, len >= KB_SPELL_TWO_EDITS ? 2 : 1);
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

/* Marks stop and question words; when nothing else is left ("how do
 * I"), keeps them all: better the stop words than no result.  CJK
 * grammar characters (stopwords.c) are not searched alone either. */
void mark_stop_words(words *w, const std::string &locale)
{
    const char *const *stop = stopwords_for(kb_locale_lang(locale).c_str());
    bool content = !w->bigrams.empty();
    for (qtok &k : w->toks) {
        k.stop = in_list(stop, k.raw);
        content = content || (!k.cjk && !k.stop);
    }
    if (!content)
        for (qtok &k : w->toks)
            k.stop = false;
}

/* A word, weighted as one term with, for German, the compounds it ends
 * ("Gebühr" in "Säumnisgebühren") and its form without a genitive -s:
 * Snowball stems "Kundenproblems" to "kundenproblem" but "Kundenproblem"
 * to "kundenprobl".  Only forms the reader may see join: one of
 * internal articles only would weigh in the synonym's statistics. */
Xapian::Query word_query(const Visible &vis, const qtok &k, Xapian::termcount wqf,
                         bool compounds, const Xapian::Stem &stem)
{
    std::vector<Xapian::Query> alts{Xapian::Query(k.term, wqf)};
    if (compounds && k.term[0] == 'Z') {
        std::string c = KB_PREFIX_COMPOUND + k.term.substr(1);
        if (vis.has(c))
            alts.emplace_back(c, wqf);
        if (k.raw.size() > 4 && k.raw.back() == 's') {
            std::string bare = "Z" + stem(k.raw.substr(0, k.raw.size() - 1));
            if (bare != k.term && vis.has(bare))
                alts.emplace_back(bare, wqf);
        }
    }
    if (alts.size() == 1)
        return alts[0];
    return Xapian::Query(Xapian::Query::OP_SYNONYM, alts.begin(), alts.end());
}

/* German, the other way round: a compound in the query also finds its
 * head noun, alone or ending other compounds ("Kundenproblems" finds
 * "Problem" and "Supportproblem"), at KB_COMPOUND_HEAD_WEIGHT.  The
 * head is the longest ending that is a word of the index the reader may
 * see (for an anonymous one, a word of internal articles only would
 * find nothing in place of a shorter public head). */
void add_compound_heads(const Visible &vis, const std::vector<const qtok *> &toks,
                        const Xapian::Stem &stem, std::vector<Xapian::Query> *parts)
{
    std::vector<Xapian::Query> heads;
    std::vector<std::string> endings;
    for (const qtok *k : toks) {
        endings.clear();
        kb_compound_parts(k->raw, stem, &endings); /* longest first */
        for (const std::string &e : endings) {
            std::string word = "Z" + e.substr(strlen(KB_PREFIX_COMPOUND));
            if (word != k->term && vis.has(word)) {
                Xapian::Query both[] = {Xapian::Query(word), Xapian::Query(e)};
                heads.emplace_back(Xapian::Query::OP_SYNONYM, both, both + 2);
                break;
            }
        }
    }
    if (!heads.empty() && KB_COMPOUND_HEAD_WEIGHT > 0)
        parts->emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                            Xapian::Query(Xapian::Query::OP_OR, heads.begin(), heads.end()),
                            KB_COMPOUND_HEAD_WEIGHT);
}

/* The same words again in the title and the description field, so an
 * article whose title says what the query says ranks first.  The boost
 * is spread over the words: a long query describes a topic, it does not
 * name an article. */
void add_field_boosts(const std::map<std::string, Xapian::termcount> &wqf,
                      const std::vector<std::string> &bigrams,
                      std::vector<Xapian::Query> *parts)
{
    static const struct {
        const char *prefix;
        double weight;
    } fields[] = {{KB_PREFIX_TITLE, KB_TITLE_BOOST}, {KB_PREFIX_DESCRIPTION, KB_DESCRIPTION_BOOST}};
    size_t n = wqf.size() + bigrams.size();
    if (n == 0)
        return;
    double spread = n > KB_FIELD_BOOST_WORDS ? (double)KB_FIELD_BOOST_WORDS / (double)n : 1.0;
    for (const auto &f : fields) {
        if (f.weight <= 0)
            continue;
        std::vector<Xapian::Query> terms;
        for (const auto &t : wqf) /* "Zinvoic" -> "ZSinvoic", "2fa" -> "S2fa" */
            terms.emplace_back(t.first[0] == 'Z' ? "Z" + std::string(f.prefix) + t.first.substr(1)
                                                 : f.prefix + t.first,
                               t.second);
        for (const std::string &b : bigrams)
            terms.emplace_back(f.prefix + b);
        parts->emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                            Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()),
                            f.weight * spread);
    }
}

/* The learned field (kb_schema.h): each content word and CJK bigram
 * again under KB_PREFIX_LEARNED, scaled by KB_LEARN_WEIGHT times the
 * ratio of the word's idf in the text to its idf in the field. */
void add_learned(const Visible &vis, const std::map<std::string, Xapian::termcount> &wqf,
                 const std::vector<std::string> &bigrams, std::vector<Xapian::Query> *parts)
{
    const Xapian::Database &db = vis.db();
    if (KB_LEARN_WEIGHT <= 0 || !vis.freq(KB_TERM_LEARNED))
        return;
    double n = db.get_doccount();
    auto idf = [n](double df) { return std::log((n + 0.5) / (df + 0.5)); };
    std::vector<Xapian::Query> terms;
    auto add = [&](const std::string &own, const std::string &learned, Xapian::termcount q) {
        Xapian::doccount lf = vis.freq(learned);
        double li = idf(lf);
        if (!lf || li <= 0)
            return;
        double scale = KB_LEARN_WEIGHT * std::min(1.0, idf(vis.freq(own)) / li);
        if (scale > 0)
            terms.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(learned, q), scale);
    };
    for (const auto &t : wqf)
        add(t.first,
            t.first[0] == 'Z' ? "Z" KB_PREFIX_LEARNED + t.first.substr(1)
                              : KB_PREFIX_LEARNED + t.first,
            t.second);
    for (const std::string &b : bigrams)
        add(b, KB_PREFIX_LEARNED + b, 1);
    if (terms.size() < 2) {
        if (!terms.empty())
            parts->push_back(terms[0]);
        return;
    }
    /* Pairs of words found together in the field: a question shares
     * most of its words with the learned one, not one generic word.
     * Each word is in n - 1 pairs, so the sum stays within the bound. */
    if (terms.size() > KB_LEARN_MAX_WORDS)
        terms.resize(KB_LEARN_MAX_WORDS);
    std::vector<Xapian::Query> pairs;
    for (size_t i = 0; i < terms.size(); i++)
        for (size_t j = i + 1; j < terms.size(); j++)
            pairs.emplace_back(Xapian::Query::OP_AND, terms[i], terms[j]);
    parts->emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                        Xapian::Query(Xapian::Query::OP_OR, pairs.begin(), pairs.end()),
                        1.0 / (double)(terms.size() - 1));
}

/* CJK characters: alone when in no bigram of the query ("和" between two
 * Latin words), else with KB_CJK_UNIGRAM_WEIGHT. */
void add_cjk_unigrams(const words &w, std::vector<Xapian::Query> *parts)
{
    auto has = [&w](const std::string &b) {
        return std::find(w.bigrams.begin(), w.bigrams.end(), b) != w.bigrams.end();
    };
    std::vector<Xapian::Query> paired;
    for (size_t i = 0; i < w.toks.size(); i++) {
        const qtok &k = w.toks[i];
        if (!k.cjk || k.used || k.stop)
            continue;
        bool in_bigram = (i > 0 && w.toks[i - 1].cjk && w.toks[i - 1].pos + 1 == k.pos &&
                          has(w.toks[i - 1].raw + k.raw)) ||
                         (i + 1 < w.toks.size() && w.toks[i + 1].cjk &&
                          w.toks[i + 1].pos == k.pos + 1 && has(k.raw + w.toks[i + 1].raw));
        if (!in_bigram)
            parts->emplace_back(k.raw);
        else if (KB_CJK_UNIGRAM_WEIGHT > 0)
            paired.emplace_back(k.raw);
    }
    if (!paired.empty())
        parts->emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                            Xapian::Query(Xapian::Query::OP_OR, paired.begin(), paired.end()),
                            KB_CJK_UNIGRAM_WEIGHT);
}

/* Proximity: each pair of neighbouring content words found within
 * their distance in the query (stop words between them included) plus
 * KB_NEAR_SLACK adds KB_NEAR_WEIGHT times their weight.  Off while the
 * weight is 0 (kb_schema.h says what it measured). */
Xapian::Query add_proximity(Xapian::Query q, const std::vector<const qtok *> &content)
{
    if (KB_NEAR_WEIGHT <= 0)
        return q;
    std::vector<Xapian::Query> pairs;
    for (size_t i = 0; i + 1 < content.size(); i++) {
        const qtok *a = content[i], *b = content[i + 1];
        Xapian::Query two[] = {Xapian::Query(a->term), Xapian::Query(b->term)};
        Xapian::termcount window = b->pos - a->pos + 1 + KB_NEAR_SLACK;
        pairs.emplace_back(Xapian::Query::OP_NEAR, two, two + 2, window);
    }
    if (pairs.empty())
        return q;
    Xapian::Query bonus(Xapian::Query::OP_OR, pairs.begin(), pairs.end());
    return Xapian::Query(Xapian::Query::OP_AND_MAYBE, q,
                         Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, bonus, KB_NEAR_WEIGHT));
}

Xapian::Query plain_query(const Visible &vis, const kb_query *qy, const std::string &text,
                          const std::string &locale, const std::string &other,
                          std::string *suggestion)
{
    words w = split_words(text, locale);
    mark_stop_words(&w, locale);
    std::vector<Xapian::Query> parts;
    if (qy->synonyms)
        apply_synonyms(&w, qy->synonyms, locale, &parts);
    if (suggestion) { /* the requested locale only, not the fallback */
        std::map<std::string, std::string> fixes = correct_spelling(vis, &w, locale, other);
        if (!fixes.empty())
            *suggestion = corrected_text(text, fixes);
    }

    /* Each distinct content word once, with its count as wqf. */
    std::map<std::string, Xapian::termcount> wqf;
    std::vector<const qtok *> content;
    for (const qtok &k : w.toks)
        if (!k.stop && !k.used && !k.cjk && wqf[k.term]++ == 0)
            content.push_back(&k);
    bool compounds = kb_splits_compounds(locale);
    Xapian::Stem stem = kb_stem_for(locale);
    for (const qtok *k : content)
        parts.push_back(word_query(vis, *k, wqf[k->term], compounds, stem));
    if (compounds)
        add_compound_heads(vis, content, stem, &parts);
    for (const std::string &b : w.bigrams)
        parts.emplace_back(b);
    add_cjk_unigrams(w, &parts);
    if (parts.empty())
        return Xapian::Query();
    add_field_boosts(wqf, w.bigrams, &parts);
    add_learned(vis, wqf, w.bigrams, &parts);
    Xapian::Query q(Xapian::Query::OP_OR, parts.begin(), parts.end());
    return add_proximity(q, content);
}

/* 1 when the last letter of text is CJK: as-you-type then has no
 * Latin prefix to complete, the n-grams of a whole question are what
 * the search would look for, so it runs as the search does (the
 * parser's n-gram phrase would want every n-gram of the question). */
bool ends_in_cjk(const std::string &text)
{
    unsigned last = 0;
    for (Xapian::Utf8Iterator u(text); u != Xapian::Utf8Iterator(); ++u)
        if (Xapian::Unicode::is_wordchar(*u))
            last = *u;
    return last && kb_is_cjk(last);
}

} /* namespace */

Xapian::Query kb_build_query(const Visible &vis, const kb_query *qy,
                             const std::string &locale, const std::string &other_locale,
                             std::string *suggestion)
{
    std::string text(qy->text ? qy->text : "");
    if (kb_query_has_syntax(text) || (qy->prefix_last && !ends_in_cjk(text)))
        return kb_parser_query(vis, qy, text, locale);
    return plain_query(vis, qy, text, locale, other_locale, suggestion);
}
