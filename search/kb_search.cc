/* kb_search.cc -- kb_search(): locale choice and fallback, filters,
 * BM25 over answer units collapsed to one hit per article, facet
 * counts, and the copy of one page of hits out of the MSet (so reading
 * results is plain C that cannot fail).  The query itself is built in
 * kb_query.cc. */
#include "kb_private.hh"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <unordered_map>
#include <unordered_set>

double kb_tune(const char *name, double dflt)
{
    std::string n = std::string("KB_TUNE_") + name;
    const char *v = getenv(n.c_str());
    return v && *v ? atof(v) : dflt;
}

namespace {

/* Rejects default-locale units of articles that exist in the requested
 * locale, so each article appears once, in the best language. */
class FallbackDecider : public Xapian::MatchDecider {
  public:
    FallbackDecider(const Xapian::Database &db, std::string want, std::string fallback)
        : db_(db), want_(std::move(want)), fallback_(std::move(fallback))
    {
    }
    bool operator()(const Xapian::Document &doc) const override
    {
        if (doc.get_value(KB_SLOT_LOCALE) != fallback_)
            return true;
        std::string id = doc.get_value(KB_SLOT_ID);
        return !db_.term_exists(
            kb_key_term(KB_PREFIX_RECORD, kb_article_key(want_.c_str(), id.c_str())));
    }

  private:
    const Xapian::Database &db_;
    std::string want_, fallback_;
};

/* Counts topic, product and locale over the matching units, each
 * article once however many of its units match. */
class FacetSpy : public Xapian::MatchSpy {
  public:
    void operator()(const Xapian::Document &doc, double) override
    {
        std::string locale = doc.get_value(KB_SLOT_LOCALE);
        if (!seen_.insert(locale + '/' + doc.get_value(KB_SLOT_ID)).second)
            return;
        counts_[KB_FACET_TOPIC][doc.get_value(KB_SLOT_TOPIC)]++;
        counts_[KB_FACET_PRODUCT][doc.get_value(KB_SLOT_PRODUCT)]++;
        counts_[KB_FACET_LOCALE][locale]++;
    }
    /* Copies the counts into r, most frequent first (then by name). */
    void copy_to(kb_results *r) const
    {
        for (int f = 0; f < KB_FACET_COUNT; f++) {
            std::vector<std::pair<std::string, unsigned long>> v(counts_[f].begin(),
                                                                  counts_[f].end());
            std::sort(v.begin(), v.end(), [](const auto &a, const auto &b) {
                return a.second != b.second ? a.second > b.second : a.first < b.first;
            });
            r->facet_values[f].reserve(v.size());
            for (const auto &e : v)
                r->facet_values[f].push_back(e.first);
            for (size_t i = 0; i < v.size(); i++)
                r->facets[f].push_back(kb_facet{r->facet_values[f][i].c_str(), v[i].second});
        }
    }

  private:
    std::unordered_set<std::string> seen_;
    std::unordered_map<std::string, unsigned long> counts_[KB_FACET_COUNT];
};

Xapian::Query filter_term(Xapian::Query q, const char *prefix, const char *value)
{
    if (!value || !*value)
        return q;
    return Xapian::Query(Xapian::Query::OP_FILTER, q,
                         Xapian::Query(prefix + kb_lower_ascii(value)));
}

kb_status run_search(kb_index *ix, const kb_query *qy, kb_results *r)
{
    std::string want = kb_lower_ascii(qy->locale && *qy->locale ? qy->locale
                                                                 : qy->default_locale);
    std::string fallback = kb_lower_ascii(qy->default_locale ? qy->default_locale
                                                             : want.c_str());
    if (want.empty())
        want = fallback;
    /* A locale with no content at all searches the default one. */
    if (want != fallback && !ix->db.term_exists(KB_PREFIX_LOCALE + want))
        want = fallback;
    r->locale = want;
    /* The default locale is searched too for articles missing in the
     * requested one, when it has any content. */
    bool use_fallback = want != fallback && ix->db.term_exists(KB_PREFIX_LOCALE + fallback);

    Xapian::Query q = kb_build_query(ix->db, qy, want, use_fallback ? fallback : want,
                                     &r->suggestion);
    if (!q.empty())
        q = Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(KB_PREFIX_LOCALE + want));
    if (use_fallback) {
        /* The default locale's words are stemmed with its own stemmer. */
        Xapian::Query f = kb_build_query(ix->db, qy, fallback, want, nullptr);
        if (!f.empty())
            q = Xapian::Query(Xapian::Query::OP_OR, q,
                              Xapian::Query(Xapian::Query::OP_FILTER, f,
                                            Xapian::Query(KB_PREFIX_LOCALE + fallback)));
    }
    if (q.empty())
        return KB_OK;

    Xapian::Query filter(KB_TERM_UNIT);
    filter = filter_term(filter, KB_PREFIX_TOPIC, qy->topic);
    filter = filter_term(filter, KB_PREFIX_PRODUCT, qy->product);
    filter = filter_term(filter, KB_PREFIX_TAG, qy->tag);
    q = Xapian::Query(Xapian::Query::OP_FILTER, q, filter);
    if (!qy->include_internal)
        q = Xapian::Query(Xapian::Query::OP_AND_NOT, q, Xapian::Query(KB_TERM_INTERNAL));

    Xapian::Enquire enq(ix->db);
    enq.set_query(q);
    enq.set_collapse_key(KB_SLOT_ID);
    enq.set_weighting_scheme(
        Xapian::BM25Weight(KB_P(KB_BM25_K1), 0, 1, KB_P(KB_BM25_B), KB_P(KB_BM25_MIN_NORMLEN)));
    FallbackDecider decider(ix->db, want, fallback);
    FacetSpy spy;
    if (qy->facets)
        enq.add_matchspy(&spy);
    unsigned limit = qy->limit ? qy->limit : 10;
    if (limit > 100)
        limit = 100;
    Xapian::doccount check = qy->offset + limit + 100;
    if (qy->facets && check < KB_P(KB_FACET_MAX_UNITS))
        check = (Xapian::doccount)KB_P(KB_FACET_MAX_UNITS);
    Xapian::MSet mset = enq.get_mset(qy->offset, limit, check, nullptr,
                                     use_fallback ? &decider : nullptr);
    r->total = mset.get_matches_estimated();
    if (qy->facets)
        spy.copy_to(r);

    /* Strings first, then pointers: the vector must not move after. */
    r->strings.reserve(mset.size() * 9);
    std::vector<std::pair<std::string, double>> meta;
    for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
        Xapian::Document doc = it.get_document();
        std::string loc = doc.get_value(KB_SLOT_LOCALE);
        unsigned sflags = (kb_tune("SBG", 1) ? Xapian::MSet::SNIPPET_BACKGROUND_MODEL : 0) |
                          (kb_tune("SEXH", 0) ? Xapian::MSet::SNIPPET_EXHAUSTIVE : 0);
        if (kb_is_cjk_locale(loc))
            sflags |= Xapian::MSet::SNIPPET_CJK_NGRAM;
        std::string snippet = mset.snippet(doc.get_data(), KB_SNIPPET_BYTES, kb_stem_for(loc),
                                           sflags, "<mark>", "</mark>", "\xE2\x80\xA6");
        r->strings.push_back(doc.get_value(KB_SLOT_ID));
        r->strings.push_back(loc);
        r->strings.push_back(doc.get_value(KB_SLOT_TITLE));
        r->strings.push_back(doc.get_value(KB_SLOT_TOPIC));
        r->strings.push_back(doc.get_value(KB_SLOT_PRODUCT));
        r->strings.push_back(doc.get_value(KB_SLOT_UPDATED));
        r->strings.push_back(doc.get_value(KB_SLOT_ANCHOR));
        r->strings.push_back(doc.get_value(KB_SLOT_SECTION));
        r->strings.push_back(snippet);
        meta.emplace_back(doc.get_value(KB_SLOT_FLAGS), it.get_weight());
    }
    for (size_t i = 0; i < meta.size(); i++) {
        const std::string *s = &r->strings[i * 9];
        kb_hit h;
        h.id = s[0].c_str();
        h.locale = s[1].c_str();
        h.title = s[2].c_str();
        h.topic = s[3].c_str();
        h.product = s[4].c_str();
        h.updated = s[5].c_str();
        h.anchor = s[6].c_str();
        h.section_title = s[7].c_str();
        h.snippet = s[8].c_str();
        h.internal = meta[i].first.find('i') != std::string::npos;
        h.is_question = meta[i].first.find('q') != std::string::npos;
        h.score = meta[i].second;
        r->hits.push_back(h);
    }
    return KB_OK;
}

} /* namespace */

extern "C" kb_status kb_search(kb_index *ix, const kb_query *qy, kb_results **out)
{
    if (!ix || !qy || !out)
        return KB_ERR_INVALID_ARG;
    *out = nullptr;
    return kb_guarded(ix, [&]() {
        if (!ix->writable)
            ix->db.reopen();
        for (int attempt = 0;; attempt++) {
            std::unique_ptr<kb_results> r(new kb_results);
            try {
                kb_status st = run_search(ix, qy, r.get());
                if (st == KB_OK)
                    *out = r.release();
                return st;
            } catch (const Xapian::DatabaseModifiedError &) {
                /* The indexer committed twice while we read: start over
                 * on the newest revision. */
                if (attempt >= 3)
                    throw;
                ix->db.reopen();
            }
        }
    });
}

extern "C" size_t kb_results_count(const kb_results *r)
{
    return r ? r->hits.size() : 0;
}

extern "C" const kb_hit *kb_results_get(const kb_results *r, size_t i)
{
    if (!r || i >= r->hits.size())
        return nullptr;
    return &r->hits[i];
}

extern "C" unsigned long kb_results_total(const kb_results *r)
{
    return r ? r->total : 0;
}

extern "C" const char *kb_results_locale(const kb_results *r)
{
    return r ? r->locale.c_str() : "";
}

extern "C" const char *kb_results_suggestion(const kb_results *r)
{
    return r && !r->suggestion.empty() ? r->suggestion.c_str() : nullptr;
}

extern "C" size_t kb_results_facets(const kb_results *r, kb_facet_field field,
                                    const kb_facet **out)
{
    if (out)
        *out = nullptr;
    if (!r || (unsigned)field >= KB_FACET_COUNT || r->facets[field].empty())
        return 0;
    if (out)
        *out = r->facets[field].data();
    return r->facets[field].size();
}

extern "C" void kb_results_free(kb_results *r)
{
    delete r;
}
