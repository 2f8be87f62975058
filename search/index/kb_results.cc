/* kb_results.cc -- what kb_search() hands out: the accessors of
 * kb_results, and the result cache that shares them between callers. */
#include "kb_private.hh"

#include <cstdio>
#include <list>
#include <mutex>

/* ---- results ------------------------------------------------------------ */

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

extern "C" int kb_results_total_exact(const kb_results *r)
{
    return r ? r->total_exact : 1;
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
    if (r && r->refs.fetch_sub(1) == 1)
        delete r;
}

extern "C" void *kb_results_attachment(const kb_results *r)
{
    return r ? r->attachment.load() : nullptr;
}

static void cache_grow(kb_cache *c, kb_results *r, size_t bytes);

extern "C" void *kb_results_attach(kb_results *r, void *data, size_t bytes,
                                   kb_attachment_free_fn free_fn)
{
    if (!r || !data)
        return r ? r->attachment.load() : nullptr;
    void *held = nullptr;
    if (!r->attachment.compare_exchange_strong(held, data))
        return held; /* another caller was first: theirs stays */
    r->attachment_free = free_fn;
    if (kb_cache *c = r->cache.load())
        cache_grow(c, r, bytes);
    return data;
}

/* ---- the result cache --------------------------------------------------- */

struct kb_cache {
    struct entry {
        std::string key;
        kb_results *r;    /* one reference; r->cached_bytes is its size */
        kb_synonyms *syn; /* one reference: its address is in the key */
    };
    std::mutex mu;
    std::list<entry> lru; /* most recently used first */
    std::unordered_map<std::string, std::list<entry>::iterator> by_key;
    size_t max_bytes = 0, bytes = 0;
    /* The newest index revision an entry was made for: entries of older
     * ones can never be used again (every search reopens the index to
     * its newest revision), so they go at once rather than fill the
     * cache while kb-index commits. */
    std::string uuid;
    Xapian::rev revision = 0;
    unsigned long long hits = 0, misses = 0;

    void drop_last()
    {
        entry &e = lru.back();
        bytes -= e.r->cached_bytes;
        e.r->cache = nullptr;
        by_key.erase(e.key);
        kb_results_free(e.r);
        kb_synonyms_free(e.syn);
        lru.pop_back();
    }
};

extern "C" kb_cache *kb_cache_new(size_t max_bytes)
{
    kb_cache *c = new (std::nothrow) kb_cache;
    if (c)
        c->max_bytes = max_bytes;
    return c;
}

extern "C" void kb_cache_free(kb_cache *c)
{
    if (!c)
        return;
    while (!c->lru.empty())
        c->drop_last();
    delete c;
}

extern "C" void kb_cache_get_stats(kb_cache *c, kb_cache_stats *out)
{
    *out = kb_cache_stats{};
    if (!c)
        return;
    std::lock_guard<std::mutex> lock(c->mu);
    out->hits = c->hits;
    out->misses = c->misses;
    out->entries = c->lru.size();
    out->bytes = c->bytes;
}

/* Everything a search's results depend on: the index (its uuid, as a
 * rebuilt index is a new database) and revision, every query field, and
 * the synonyms set (held by the entry, so the address stays unique). */
std::string kb_cache_key(const kb_index *ix, const kb_query *qy)
{
    std::string k = ix->db.get_uuid();
    k += '\0';
    k += std::to_string(kb_db_revision(ix->aux));
    for (const char *f : {qy->text, qy->locale, qy->default_locale, qy->topic, qy->product,
                          qy->tag}) {
        k += '\0';
        if (f)
            k.append(f).push_back('+'); /* NULL and "" differ */
    }
    char tail[96];
    snprintf(tail, sizeof tail, "%u/%u/%d%d%d%d%d/%p", qy->offset, qy->limit,
             qy->include_internal != 0, qy->prefix_last != 0, qy->facets != 0, qy->exact != 0,
             qy->no_snippets != 0, (const void *)qy->synonyms);
    k += '\0';
    return k + tail;
}

static size_t results_bytes(const kb_results *r, const std::string &key)
{
    size_t n = sizeof *r + key.size() + r->locale.size() + r->suggestion.size() + 128;
    n += r->strings.capacity();
    n += r->spans.capacity() * sizeof(kb_span);
    n += r->hits.capacity() * sizeof(kb_hit);
    for (int f = 0; f < KB_FACET_COUNT; f++) {
        n += r->facets[f].capacity() * sizeof(kb_facet);
        for (const std::string &v : r->facet_values[f])
            n += v.capacity() + sizeof v;
    }
    return n;
}

kb_results *kb_cache_lookup(kb_cache *c, const std::string &key)
{
    std::lock_guard<std::mutex> lock(c->mu);
    auto it = c->by_key.find(key);
    if (it == c->by_key.end()) {
        c->misses++;
        return nullptr;
    }
    c->hits++;
    c->lru.splice(c->lru.begin(), c->lru, it->second);
    it->second->r->refs++;
    return it->second->r;
}

void kb_cache_store(kb_cache *c, const std::string &key, kb_results *r, const kb_synonyms *syn,
                    const kb_index *ix)
{
    size_t bytes = results_bytes(r, key);
    std::string uuid = ix->db.get_uuid();
    unsigned long long revision = kb_db_revision(ix->aux);
    std::lock_guard<std::mutex> lock(c->mu);
    if (uuid == c->uuid && revision < c->revision)
        return; /* a search that read an older revision than others did */
    if (uuid != c->uuid || revision > c->revision) {
        while (!c->lru.empty())
            c->drop_last();
        c->uuid = uuid;
        c->revision = revision;
    }
    /* One entry may take an eighth of the cache at most. */
    if (bytes > c->max_bytes / 8 || c->by_key.count(key))
        return;
    r->refs++;
    r->cache = c;
    r->cached_bytes = bytes;
    c->lru.push_front({key, r, kb_synonyms_ref(const_cast<kb_synonyms *>(syn))});
    c->by_key.emplace(key, c->lru.begin());
    c->bytes += bytes;
    while (c->bytes > c->max_bytes && !c->lru.empty())
        c->drop_last();
}

/* An attachment came to r: while r is in c, its bytes count there. */
static void cache_grow(kb_cache *c, kb_results *r, size_t bytes)
{
    std::lock_guard<std::mutex> lock(c->mu);
    if (r->cache.load() != c)
        return; /* dropped from the cache meanwhile */
    r->cached_bytes += bytes;
    c->bytes += bytes;
    while (c->bytes > c->max_bytes && !c->lru.empty())
        c->drop_last();
}
