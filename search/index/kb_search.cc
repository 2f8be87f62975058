/* kb_search.cc -- running a search: the locale and its fallback, the
 * filters, what an anonymous reader may see, collapsing units to one
 * hit per article, facets (all of it with what remote shards run:
 * query terms and Xapian's own match spy, no decider or spy of ours), and copying the page out of the MSet into
 * kb_results (snippets included) so that reading it cannot fail. */
#include "kb_private.hh"

#include <algorithm>
#include <memory>

namespace {

/* The facet counts of the articles a ValueCountMatchSpy on
 * KB_SLOT_FACETS saw (one value per article and locale, kb_schema.h)
 * into r, most frequent first (then by name). */
void copy_facets(const Xapian::ValueCountMatchSpy &spy, kb_results *r)
{
    std::unordered_map<std::string, unsigned long> counts[KB_FACET_COUNT];
    for (Xapian::TermIterator v = spy.values_begin(); v != spy.values_end(); ++v) {
        const std::string &key = *v; /* locale\0topic\0product\0id\0 */
        size_t a = key.find('\0');
        size_t b = a == std::string::npos ? a : key.find('\0', a + 1);
        size_t c = b == std::string::npos ? b : key.find('\0', b + 1);
        if (c == std::string::npos)
            continue;
        counts[KB_FACET_LOCALE][key.substr(0, a)]++;
        counts[KB_FACET_TOPIC][key.substr(a + 1, b - a - 1)]++;
        counts[KB_FACET_PRODUCT][key.substr(b + 1, c - b - 1)]++;
    }
    for (int f = 0; f < KB_FACET_COUNT; f++) {
        std::vector<std::pair<std::string, unsigned long>> v(counts[f].begin(), counts[f].end());
        std::sort(v.begin(), v.end(), [](const auto &x, const auto &y) {
            return x.second != y.second ? x.second > y.second : x.first < y.first;
        });
        r->facet_values[f].reserve(v.size());
        for (const auto &e : v)
            r->facet_values[f].push_back(e.first);
        for (size_t i = 0; i < v.size(); i++)
            r->facets[f].push_back(kb_facet{r->facet_values[f][i].c_str(), v[i].second});
    }
}

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
    /* Content the reader may see: an anonymous reader's locales and
     * translations are those of public articles. */
    /* Term frequencies are remembered per revision (a reader's: a
     * writer's pending documents change them). */
    std::unordered_map<std::string, Xapian::doccount> *freqs = nullptr;
    if (!ix->writable) {
        unsigned long long rev = kb_db_revision(ix->aux);
        if (rev != ix->freqs_revision || !rev || ix->freqs.size() > KB_FREQ_CACHE_TERMS) {
            ix->freqs.clear();
            ix->freqs_revision = rev;
        }
        if (rev)
            freqs = &ix->freqs;
    }
    Visible vis(ix->db, ix->aux, qy->include_internal != 0, freqs);
    /* A locale with no content at all searches the default one. */
    if (want != fallback && !vis.has(KB_PREFIX_LOCALE + want))
        want = fallback;
    r->locale = want;
    /* The default locale is searched too for articles missing in the
     * requested one, when it has any content. */
    bool use_fallback = want != fallback && vis.has(KB_PREFIX_LOCALE + fallback);

    Xapian::Query q = kb_build_query(vis, qy, want, use_fallback ? fallback : want,
                                     qy->exact ? nullptr : &r->suggestion);
    if (!q.empty())
        q = Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(KB_PREFIX_LOCALE + want));
    if (use_fallback) {
        /* The default locale's words are stemmed with its own stemmer. */
        Xapian::Query f = kb_build_query(vis, qy, fallback, want, nullptr);
        if (!f.empty()) {
            /* ... of articles without a translation in the requested
             * locale that the reader may see (kb_schema.h). */
            f = Xapian::Query(Xapian::Query::OP_FILTER, f,
                              Xapian::Query(KB_PREFIX_LOCALE + fallback));
            f = Xapian::Query(Xapian::Query::OP_AND_NOT, f,
                              Xapian::Query((vis.all() ? KB_PREFIX_TRANS_ANY
                                                       : KB_PREFIX_TRANS_PUBLIC) +
                                            want));
            q = Xapian::Query(Xapian::Query::OP_OR, q, f);
        }
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
        Xapian::BM25Weight(KB_BM25_K1, 0, 1, KB_BM25_B, KB_BM25_MIN_NORMLEN));
    Xapian::ValueCountMatchSpy spy(KB_SLOT_FACETS);
    if (qy->facets)
        enq.add_matchspy(&spy);
    unsigned limit = qy->limit ? qy->limit : 10;
    if (limit > 100)
        limit = 100;
    Xapian::doccount check = qy->offset + limit + 100;
    if (qy->facets && check < KB_FACET_MAX_UNITS)
        check = (Xapian::doccount)KB_FACET_MAX_UNITS;
    if (check < KB_EXACT_TOTAL_UNITS)
        check = (Xapian::doccount)KB_EXACT_TOTAL_UNITS;
    Xapian::MSet mset = enq.get_mset(qy->offset, limit, check);
    /* Every matching unit was looked at (there are no more than were
     * checked): the articles they collapse to were all counted, though
     * Xapian still scales its estimate when the page is full. */
    r->total_exact = mset.get_uncollapsed_matches_upper_bound() <= check;
    r->total = r->total_exact ? mset.get_matches_lower_bound() : mset.get_matches_estimated();
    if (qy->facets)
        copy_facets(spy, r);

    /* Strings and spans first, each into one buffer (compact in the
     * cache), then the pointers: the buffers must not move after. */
    std::vector<std::pair<std::string, double>> meta;
    std::vector<size_t> at;
    std::vector<size_t> span_at; /* each hit's first span in r->spans */
    std::string snippet;
    Snippeter snippeter(ix->db, mset, q);
    auto keep = [&](const std::string &v) {
        at.push_back(r->strings.size());
        r->strings.append(v).push_back('\0');
    };
    for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
        Xapian::Document doc = it.get_document();
        std::string loc = doc.get_value(KB_SLOT_LOCALE);
        keep(doc.get_value(KB_SLOT_ID));
        keep(loc);
        keep(doc.get_value(KB_SLOT_TITLE));
        keep(doc.get_value(KB_SLOT_TOPIC));
        keep(doc.get_value(KB_SLOT_PRODUCT));
        keep(doc.get_value(KB_SLOT_UPDATED));
        keep(doc.get_value(KB_SLOT_ANCHOR));
        keep(doc.get_value(KB_SLOT_SECTION));
        span_at.push_back(r->spans.size());
        if (!qy->no_snippets)
            snippeter.make(doc.get_data(), loc, KB_SNIPPET_BYTES, &snippet, &r->spans);
        keep(snippet);
        meta.emplace_back(doc.get_value(KB_SLOT_FLAGS), it.get_weight());
    }
    r->strings.shrink_to_fit();
    r->spans.shrink_to_fit();
    span_at.push_back(r->spans.size());
    for (size_t i = 0; i < meta.size(); i++) {
        const char *s[9];
        for (int k = 0; k < 9; k++)
            s[k] = r->strings.data() + at[i * 9 + k];
        kb_hit h;
        h.id = s[0];
        h.locale = s[1];
        h.title = s[2];
        h.topic = s[3];
        h.product = s[4];
        h.updated = s[5];
        h.anchor = s[6];
        h.section_title = s[7];
        h.snippet.text = s[8];
        h.snippet.nspans = span_at[i + 1] - span_at[i];
        h.snippet.spans = h.snippet.nspans ? r->spans.data() + span_at[i] : nullptr;
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
    ix->last_cached = false;
    return kb_guarded(ix, [&]() {
        kb_refresh(ix);
        std::string key;
        if (qy->cache) {
            key = kb_cache_key(ix, qy);
            if ((*out = kb_cache_lookup(qy->cache, key))) {
                ix->last_cached = true;
                return KB_OK;
            }
        }
        bool reconnected = false;
        for (int attempt = 0;; attempt++) {
            std::unique_ptr<kb_results> r(new kb_results);
            try {
                kb_status st = run_search(ix, qy, r.get());
                if (st != KB_OK)
                    return st;
                if (qy->cache && attempt > 0)
                    key = kb_cache_key(ix, qy); /* reopened: a newer revision */
                if (qy->cache)
                    kb_cache_store(qy->cache, key, r.get(), qy->synonyms, ix);
                *out = r.release();
                return KB_OK;
            } catch (const Xapian::DatabaseModifiedError &) {
                /* The indexer committed twice while we read: start over
                 * on the newest revision. */
                if (attempt >= 3)
                    throw;
                ix->db.reopen();
            } catch (const Xapian::NetworkError &) {
                /* A shard went away mid-search (or dropped an idle
                 * connection): once more, on another replica. */
                if (reconnected)
                    throw;
                reconnected = true;
                kb_reconnect(ix);
            }
        }
    });
}

extern "C" int kb_search_was_cached(const kb_index *ix)
{
    return ix && ix->last_cached;
}
