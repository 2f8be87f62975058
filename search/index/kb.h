/* kb.h -- the knowledge-base index: write articles, search answer units.
 *
 * Pure C in front of Xapian (only the .cc files of search/index, behind
 * kb_private.hh, see <xapian.h>); no C++ type or exception crosses this
 * header.  The index layout is described in kb_schema.h.
 *
 * Threads: a kb_index is used by one thread at a time.  A service gives
 * each worker thread its own read handle; there is one writer per index
 * directory at a time (a second one gets KB_ERR_LOCKED).
 *
 * Errors: every call returns a kb_status; kb_status_str() gives its fixed
 * text and kb_last_error() the detail of the last failure on a handle. */
#ifndef KB_H
#define KB_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    KB_OK = 0,
    KB_ERR_NOMEM,
    KB_ERR_INVALID_ARG,
    KB_ERR_NO_INDEX,  /* the directory holds no index */
    KB_ERR_LOCKED,    /* another writer holds the index */
    KB_ERR_BAD_QUERY, /* the query could not be parsed */
    KB_ERR_NOT_FOUND, /* no such article */
    KB_ERR_BACKEND,   /* any other index error; see kb_last_error() */
    KB_ERR_UNAVAILABLE, /* a remote shard did not answer, on any replica */
    KB_STATUS_COUNT   /* not a status */
} kb_status;

typedef struct kb_index kb_index;
typedef struct kb_results kb_results;

enum {
    KB_OPEN_READ = 0,
    KB_OPEN_WRITE = 1,     /* create the index if missing */
    KB_OPEN_OVERWRITE = 2  /* with KB_OPEN_WRITE: start from empty */
};

/* Static text of a status, never NULL. */
const char *kb_status_str(kb_status st);

/* Opens the index in dir.  *out is set even on failure (NULL only when
 * memory ran out) so that kb_last_error() can say why; the caller
 * always calls kb_close(*out).  For reading, dir may also be a folder of
 * shards (kb_open_shards) or a stub file listing shards, remote ones
 * served by xapian-tcpsrv among them (README, "Shards"); an index
 * written with another schema is KB_ERR_NO_INDEX. */
kb_status kb_open(const char *dir, int flags, kb_index **out);

/* Like kb_open(), writing nshards shards (kb_schema.h, "Shards"): a
 * folder of shards and their auxiliary database, which kb_open() then
 * opens (reading or writing) as one index.  nshards 0 takes as many as
 * the folder has (1, a plain index, for a new one); another number than
 * the folder has is KB_ERR_INVALID_ARG.  At most KB_MAX_SHARDS. */
#define KB_MAX_SHARDS 64
kb_status kb_open_shards(const char *dir, unsigned nshards, int flags, kb_index **out);

/* Closes the handle; a writer's uncommitted changes are dropped.  NULL
 * is a no-op. */
void kb_close(kb_index *ix);

/* Detail of the last failure on ix; valid until the next call on ix. */
const char *kb_last_error(const kb_index *ix);

/* Makes a reader see the latest committed revision.  Cheap when
 * nothing changed.  kb_search() and kb_article_get() call it. */
kb_status kb_reopen(kb_index *ix);

/* Counts in the revision the handle sees. */
typedef struct {
    unsigned long articles;    /* article records, all locales */
    unsigned long sections;    /* answer units */
    unsigned long public_articles; /* the same without internal ones: */
    unsigned long public_sections; /* what an anonymous reader may count */
    unsigned long long revision;
} kb_stats;
kb_status kb_get_stats(kb_index *ix, kb_stats *out);

/* ---- Synonyms --------------------------------------------------------- */

/* Query-time synonym groups, per locale, from an author-managed YAML
 * file (content/synonyms.yml):
 *
 *     en-us:
 *       - [invoice, bill, statement]
 *       - [sign in, log in, login]
 *
 * A query that contains a term of a group (compared after stemming, a
 * multi-word term as a phrase) also matches every other term of the
 * group, weighted as one term.  A loaded set is immutable and
 * reference-counted, so a server can swap in a new one while searches
 * still use the old one. */
typedef struct kb_synonyms kb_synonyms;

/* Parses path.  On KB_OK *out holds one reference.  On failure *out is
 * NULL and err (when errlen > 0) says "path:line: what is wrong". */
kb_status kb_synonyms_load(const char *path, kb_synonyms **out, char *err,
                           size_t errlen);
/* Takes one more reference (any thread); returns s. */
kb_synonyms *kb_synonyms_ref(kb_synonyms *s);
/* Drops a reference; the last one frees the set.  NULL is a no-op. */
void kb_synonyms_free(kb_synonyms *s);
/* Number of groups for a locale (lower case), 0 when none. */
size_t kb_synonyms_groups(const kb_synonyms *s, const char *locale);

/* ---- Result cache ----------------------------------------------------- */

/* Search results kept for repeated queries, shared by every handle of a
 * server (any thread).  A help center's searches repeat: the popular
 * questions, and the same prefixes typed while suggesting.  An entry
 * serves only the same query and options, on the same index revision
 * and the same synonyms, so a commit by kb-index or a synonyms reload
 * is seen by the next search.  Least recently used entries go first
 * when the results held, with their attachments, exceed max_bytes. */
typedef struct kb_cache kb_cache;

/* NULL when out of memory; max_bytes 0 caches nothing. */
kb_cache *kb_cache_new(size_t max_bytes);
/* Frees the cache; results handed out stay valid until their own
 * kb_results_free().  No search with c and no kb_results_attach() on
 * its results may run at the same time.  NULL is a no-op. */
void kb_cache_free(kb_cache *c);
typedef struct {
    unsigned long long hits, misses;
    size_t entries, bytes;
} kb_cache_stats;
void kb_cache_get_stats(kb_cache *c, kb_cache_stats *out);

/* ---- Search ---------------------------------------------------------- */

typedef struct {
    const char *text;           /* user query; required, may be "" */
    const char *locale;         /* e.g. "ru-ru"; NULL means default */
    const char *default_locale; /* fallback for articles missing in locale */
    const char *topic;          /* filter, or NULL */
    const char *product;        /* filter, or NULL */
    unsigned offset;
    unsigned limit;             /* at most 100 */
    int include_internal;       /* 1 only for signed-in agents; with 0
                                 * the search sees the index as if
                                 * internal articles were not in it:
                                 * their words, locales and translations
                                 * count for nothing (kb_schema.h) */
    int prefix_last;            /* 1: last word is a prefix (as you type) */
    const char *tag;            /* filter, or NULL */
    const kb_synonyms *synonyms; /* borrowed for the call, or NULL */
    int facets;                 /* 1: count topic/product/locale facets */
    kb_cache *cache;            /* borrowed: results to reuse, or NULL */
    int exact;                  /* 1: the words as typed, never spelling-
                                 * corrected ("search instead for") */
    int no_snippets;            /* 1: hits carry an empty snippet, for
                                 * callers that need only ids and ranks
                                 * (the indexer's checks): the units'
                                 * text is not read */
} kb_query;

/* Where a snippet matches the query: len bytes from byte offset off of
 * the snippet's text. */
typedef struct {
    size_t off;
    size_t len;
} kb_span;

/* A hit's snippet: plain text plus where it matches, not HTML.  The
 * caller escapes the text for what it writes and marks the spans
 * (kb-serve: escape_html_marked(), escape.h). */
typedef struct {
    const char *text;     /* UTF-8, not escaped: a window of the unit's
                           * text, white space runs as one space, "…"
                           * where it was cut */
    const kb_span *spans; /* the matches in text: in order, not
                           * overlapping, not empty, on character
                           * boundaries; NULL when nspans is 0 */
    size_t nspans;
} kb_snippet;

typedef struct {
    const char *id;
    const char *locale;
    const char *title;
    const char *topic;
    const char *product;
    const char *updated;
    const char *anchor;        /* best unit's anchor; "" for the lead */
    const char *section_title; /* best unit's heading; "" for the lead */
    kb_snippet snippet;        /* best unit's text around the matches */
    int internal;
    int is_question;
    double score;
} kb_hit;

/* Runs a search.  On KB_OK *out holds one page of hits, owned by the
 * caller and freed with kb_results_free(); every string of a hit, and
 * its snippet's text and spans, are borrowed from the results: valid
 * until then.  Results are read-only: with a cache, several callers may
 * hold the same ones. */
kb_status kb_search(kb_index *ix, const kb_query *q, kb_results **out);
/* 1 when the last kb_search() on ix was answered from kb_query.cache,
 * 0 when it searched the index (or failed). */
int kb_search_was_cached(const kb_index *ix);

size_t kb_results_count(const kb_results *r);
const kb_hit *kb_results_get(const kb_results *r, size_t i);
/* Number of matching articles (after collapsing units): counted while
 * at most KB_EXACT_TOTAL_UNITS units match (kb_schema.h), estimated
 * beyond; kb_results_total_exact() is 1 for a counted total. */
unsigned long kb_results_total(const kb_results *r);
int kb_results_total_exact(const kb_results *r);
/* Locale the query was parsed for (the requested or fallback one): the
 * requested one when it has content the caller may see. */
const char *kb_results_locale(const kb_results *r);
/* The corrected query ("did you mean") when a word was in no article
 * the caller may see and a public word of the locale close to it was
 * searched instead; NULL when the query was searched as typed (always
 * with kb_query.exact). */
const char *kb_results_suggestion(const kb_results *r);

/* Facet counts over all matching articles (each article counted once,
 * not once per section), when kb_query.facets was 1. */
typedef enum { KB_FACET_TOPIC, KB_FACET_PRODUCT, KB_FACET_LOCALE, KB_FACET_COUNT } kb_facet_field;
typedef struct {
    const char *value; /* "" for articles without one */
    unsigned long count;
} kb_facet;
/* *out points at the facet values of field, most frequent first; the
 * count is returned.  Valid until kb_results_free(). */
size_t kb_results_facets(const kb_results *r, kb_facet_field field, const kb_facet **out);

/* Drops the caller's reference; the last one (a cache holds one while
 * the results are cached) frees the results and their attachment.
 * NULL is a no-op. */
void kb_results_free(kb_results *r);

/* An attachment: something a caller made from these results alone and
 * keeps with them (kb-serve: their JSON), so that the callers a cache
 * hands the same results to make it once.  The index layer never looks
 * inside; it only frees it with the results. */
typedef void (*kb_attachment_free_fn)(void *data);

/* The attachment of r, or NULL.  Borrowed: valid while the caller holds
 * r.  Any thread. */
void *kb_results_attachment(const kb_results *r);

/* Attaches data to r unless r has an attachment already (another
 * caller holding the same cached results was first).  Returns the
 * attachment r holds: data itself, which r then owns -- free_fn(data)
 * runs when the last reference to r goes, and bytes (what data takes)
 * count toward the cache's max_bytes while r is cached -- or the
 * earlier one, and then the caller still owns data.  Any thread. */
void *kb_results_attach(kb_results *r, void *data, size_t bytes,
                        kb_attachment_free_fn free_fn);

/* Fetches an article record (the JSON written by kb-index) in locale,
 * falling back to default_locale.  *json_out is malloc'd, caller frees
 * with free().  KB_ERR_NOT_FOUND when missing, or internal and
 * include_internal is 0. */
kb_status kb_article_get(kb_index *ix, const char *id, const char *locale,
                         const char *default_locale, int include_internal,
                         char **json_out);

/* Fills locales (up to max, lower case, caller-provided array of
 * malloc'd strings the caller frees) in which article id exists and is
 * visible.  *n receives the count. */
kb_status kb_article_locales(kb_index *ix, const char *id,
                             int include_internal, char **locales,
                             size_t max, size_t *n);

/* Calls fn for each article record visible to the caller, in index
 * order, with its JSON; stops early when fn returns non-zero. */
typedef int (*kb_record_fn)(void *ctx, const char *json, size_t len);
kb_status kb_foreach_record(kb_index *ix, int include_internal,
                            kb_record_fn fn, void *ctx);

/* ---- Writing (kb_open with KB_OPEN_WRITE) ------------------------------ */

typedef struct {
    const char *anchor;  /* "" for the lead unit */
    const char *title;   /* heading or question, "" for the lead */
    const char *text;    /* plain text */
    int is_question;
} kb_unit;

typedef struct {
    const char *id, *locale, *title, *description, *topic, *product;
    const char *updated; /* YYYY-MM-DD or "" */
    const char *const *tags;
    size_t ntags;
    int internal;
    int machine_translated;
    const kb_unit *units;
    size_t nunits;
    const char *record_json; /* stored as is, returned by kb_article_get */
} kb_doc;

/* Starts the one transaction of a run: nothing is visible to readers
 * until kb_commit(). */
kb_status kb_begin(kb_index *ix);

/* Adds or replaces the article (all its units) keyed by locale + id. */
kb_status kb_put(kb_index *ix, const kb_doc *doc);

/* Removes an article in one locale; KB_OK if it was not there. */
kb_status kb_delete(kb_index *ix, const char *locale, const char *id);

/* Deletes every document and file entry (for --full). */
kb_status kb_clear(kb_index *ix);

/* File bookkeeping for incremental runs: the hash and article key
 * stored for a content path.  *hash_out and *key_out are malloc'd (caller
 * frees) or set to NULL when the path is unknown. */
kb_status kb_file_get(kb_index *ix, const char *path, char **hash_out,
                      char **key_out);
kb_status kb_file_set(kb_index *ix, const char *path, const char *hash,
                      const char *key);
kb_status kb_file_forget(kb_index *ix, const char *path);
typedef int (*kb_file_fn)(void *ctx, const char *path, const char *hash,
                          const char *key);
kb_status kb_foreach_file(kb_index *ix, kb_file_fn fn, void *ctx);

/* Commits the run atomically (kb_begin's transaction). */
kb_status kb_commit(kb_index *ix);

/* Drops the run's changes. */
kb_status kb_cancel(kb_index *ix);

/* ---- Learning from solved searches ------------------------------------ */

/* A question readers confirmed an answer unit solved (kb-index --learn
 * reads them from the service database). */
typedef struct {
    const char *query;   /* the readers' question */
    const char *locale;  /* the article's locale */
    const char *article; /* article id */
    const char *section; /* anchor of the unit that answered; "" or NULL:
                          * the article's lead */
} kb_learned;

/* Writer only, inside kb_begin ... kb_commit: replaces the learned
 * field (kb_schema.h) with pairs[0..n).  Each query's words are indexed
 * with its unit (the section, else the article's lead); a pair whose
 * article is not in the index is left out.  The set is kept in the
 * index for kb_learn_reapply() and kb_learned_foreach().  *applied gets
 * the number of pairs applied. */
kb_status kb_learn_apply(kb_index *ix, const kb_learned *pairs, size_t n, size_t *applied);

/* Writer only: applies the kept set again, for a run that replaced
 * articles (kb_put drops an article's learned words with it). */
kb_status kb_learn_reapply(kb_index *ix, size_t *applied);

/* Calls fn for each pair of the kept set, in the order applied; stops
 * when fn returns non-zero.  The pair's strings are borrowed for the
 * call. */
typedef int (*kb_learned_fn)(void *ctx, const kb_learned *pair);
kb_status kb_learned_foreach(kb_index *ix, kb_learned_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
