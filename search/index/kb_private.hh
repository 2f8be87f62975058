/* kb_private.hh -- what the index layer's C++ files share behind kb.h:
 * the handle and result structs, the exception guard, the language
 * helpers, what a search may see, the query builder and the snippets.
 *
 * Only the .cc files of search/index include this header (and so
 * <xapian.h>).  One job per file:
 *   kb_lang.cc          stemmers, locales, CJK, compounds, the
 *                       TermGenerator set-up both sides share
 *   kb_open.cc          status text, open/close/reopen, stats, article
 *                       records, errors on the handle
 *   kb_write.cc         kb-index's side: kb_put, deletes, spelling
 *                       counts, file bookkeeping, commit
 *   kb_search.cc        running a search and copying the page out
 *   kb_snippet.cc       snippets: the window of text with the matches
 *   kb_results.cc       kb_results accessors and the result cache
 *   kb_query.cc         the plain-text query: words, synonyms,
 *                       spelling, field boosts, proximity
 *   kb_query_parser.cc  the query-syntax path (QueryParser)
 *   kb_shards.cc        where an index lives: a folder, shards, a stub
 *                       of remote shards; reader and writer opening
 *   kb_translations.cc  the translation terms the locale fallback uses */
#ifndef KB_PRIVATE_HH
#define KB_PRIVATE_HH

#include "kb.h"
#include "kb_schema.h"

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <xapian.h>

struct kb_index {
    Xapian::Database db;  /* what searches read: the index, or all its shards */
    /* The auxiliary database: spelling table, file bookkeeping, learned
     * pairs, schema and revision (kb_schema.h, "Shards").  For a plain
     * index the index itself; for shards their side database, local to
     * the reader, since a remote shard answers no spelling question. */
    Xapian::Database aux;
    bool aux_separate = false;    /* aux is not db itself */
    Xapian::WritableDatabase wdb; /* writer: the auxiliary database */
    /* Writer: where documents go, all of an article's in one shard
     * (kb_shard_of); for a plain index wshards[0] is wdb. */
    std::vector<Xapian::WritableDatabase> wshards;
    bool writable = false;
    bool in_txn = false;
    std::string err;
    bool last_cached = false; /* kb_search_was_cached() */
    std::string dir;
    unsigned replica_turn = 0; /* which replica of each remote shard to try first */
    /* Reader with an auxiliary database: its revision when db was last
     * opened or reopened (kb_refresh). */
    unsigned long long db_revision = 0;
    /* Reader: term frequencies the searches asked for, valid for the
     * revision freqs_revision (each a round trip to every remote
     * shard, and a help center's queries repeat their words). */
    std::unordered_map<std::string, Xapian::doccount> freqs;
    unsigned long long freqs_revision = 0;
    /* Writer only: the committed shards as of kb_begin(), and the
     * article keys written since.  delete_document(term) on a database
     * with pending changes is slow, so kb_put deletes only keys that
     * can exist: in the snapshot (unless kb_clear ran) or put before. */
    std::vector<Xapian::Database> snapshots;
    bool cleared = false;
    std::unordered_set<std::string> put_keys;
    /* Writer only: article ids put or deleted since the last commit,
     * whose translation terms kb_commit() brings up to date. */
    std::unordered_set<std::string> dirty_ids;
    /* Writer only, several shards: the next document id of the whole
     * index, 0 until known (kb_write.cc, add_to_shard). */
    Xapian::docid next_docid = 0;
    /* Writer only: every locale the index may hold (committed ones as
     * of kb_begin() and those put since), for the translation terms. */
    std::unordered_set<std::string> locales;
    bool locales_known = false;
    /* Writer only: the compound endings of each word seen (German), as
     * stemming every ending of every long word was an eighth of the
     * time of indexing German articles. */
    std::unordered_map<std::string, std::vector<std::string>> compounds;
    std::unordered_map<std::string, Xapian::Stem> stems; /* per locale, see kb_write.cc */
};

struct kb_results {
    std::atomic<int> refs{1}; /* the caller's, plus a cache entry's */
    /* The caller's attachment (kb_results_attach): set once; its free
     * function is written by the call that set it, before that caller
     * drops its reference, and read by the destructor only. */
    std::atomic<void *> attachment{nullptr};
    kb_attachment_free_fn attachment_free = nullptr;
    /* The cache holding these results, NULL when none, and the bytes
     * they count for there; both change under that cache's mutex. */
    std::atomic<kb_cache *> cache{nullptr};
    size_t cached_bytes = 0;
    ~kb_results()
    {
        if (attachment_free)
            attachment_free(attachment.load());
    }
    std::string strings; /* every hit string, NUL-terminated, one after another */
    std::vector<kb_span> spans; /* every hit's snippet spans, hit after hit */
    std::vector<kb_hit> hits;
    unsigned long total = 0;
    bool total_exact = true;           /* total counted, not estimated */
    std::string locale;
    std::string suggestion;            /* "" when none */
    std::vector<kb_facet> facets[KB_FACET_COUNT];
    std::vector<std::string> facet_values[KB_FACET_COUNT]; /* owns names */
};

/* ---- errors (kb_open.cc) ---------------------------------------------- */

/* Keeps msg as ix's last error (when ix is not NULL); returns st. */
kb_status kb_set_err(kb_index *ix, kb_status st, const std::string &msg);

/* Runs body, turning every exception into a kb_status plus a message on
 * the handle, so none reaches a C caller.  Every extern "C" function
 * that touches Xapian runs its body through it. */
template <class Body>
kb_status kb_guarded(kb_index *ix, Body &&body) noexcept
{
    try {
        return body();
    } catch (const Xapian::QueryParserError &e) {
        return kb_set_err(ix, KB_ERR_BAD_QUERY, e.get_description());
    } catch (const Xapian::DatabaseLockError &e) {
        return kb_set_err(ix, KB_ERR_LOCKED, e.get_description());
    } catch (const Xapian::DatabaseNotFoundError &e) {
        return kb_set_err(ix, KB_ERR_NO_INDEX, e.get_description());
    } catch (const Xapian::DatabaseOpeningError &e) {
        return kb_set_err(ix, KB_ERR_NO_INDEX, e.get_description());
    } catch (const Xapian::NetworkError &e) {
        return kb_set_err(ix, KB_ERR_UNAVAILABLE, e.get_description());
    } catch (const Xapian::InvalidArgumentError &e) {
        return kb_set_err(ix, KB_ERR_INVALID_ARG, e.get_msg());
    } catch (const Xapian::Error &e) {
        return kb_set_err(ix, KB_ERR_BACKEND, e.get_description());
    } catch (const std::bad_alloc &) {
        return kb_set_err(ix, KB_ERR_NOMEM, "out of memory");
    } catch (const std::exception &e) {
        return kb_set_err(ix, KB_ERR_BACKEND, e.what());
    } catch (...) {
        return kb_set_err(ix, KB_ERR_BACKEND, "unknown error");
    }
}

/* Makes a reader see the newest revision of ix->dir: db.reopen(), or,
 * when that cannot open the files any more (a replica that
 * xapian-replicate replaced with a full copy: DatabaseNotFoundError or
 * DatabaseOpeningError), or its remote shards dropped the connection
 * (NetworkError: a shard restarted, or xapian-tcpsrv closed an idle
 * connection), a fresh open of ix->dir.  Throws what the fresh open
 * throws.  No-op on a writer. */
void kb_refresh(kb_index *ix);

/* Opens ix->dir afresh, each remote shard from its next replica on:
 * after a NetworkError in the middle of a search.  Throws NetworkError
 * when a shard has no replica that answers. */
void kb_reconnect(kb_index *ix);

/* kb_guarded, and once more on a fresh connection when a remote shard
 * dropped the old one (NetworkError): for the calls that read the index
 * and have no retry of their own (kb_search retries itself). */
template <class Body>
kb_status kb_guarded_retry(kb_index *ix, Body &&body) noexcept
{
    return kb_guarded(ix, [&]() {
        try {
            return body();
        } catch (const Xapian::NetworkError &) {
            if (ix->writable)
                throw;
            kb_reconnect(ix);
            return body();
        }
    });
}

/* The revision kb-index committed last (KB_META_REVISION, which every
 * shard and the auxiliary database hold); 0 when there is none.
 * Never the database's own revision: a remote or sharded handle cannot
 * give one. */
unsigned long long kb_db_revision(const Xapian::Database &db);

/* Opens path for reading into ix->db and ix->aux: a folder holding an
 * index, a folder of shards written by kb-index --shards (its XAPIANDB
 * stub and aux/), or a stub file that may list remote shards
 * (kb_open.cc says what a kb stub may hold).  turn picks the first
 * replica of each remote shard. */
void kb_open_reader(kb_index *ix, const std::string &path, unsigned turn);

/* Opens ix->dir for writing (kb_shards.cc): nshards shards, 0 for as
 * many as it has.  Throws InvalidArgumentError when it has another
 * number. */
void kb_open_writer(kb_index *ix, size_t nshards, int flags);
/* The folder of shard i of a writer, and of its auxiliary database. */
std::string kb_shard_path(const kb_index *ix, size_t i);
std::string kb_aux_path(const kb_index *ix);

/* Drops a writer's transaction on every database (kb_write.cc). */
void kb_writer_cancel(kb_index *ix);

/* ---- translation terms (kb_translations.cc) ---------------------------- */

/* The translation terms (kb_schema.h) a document of article id in
 * locale own gets, read from the records in shard s of the writer. */
std::vector<std::string> kb_translation_terms(kb_index *ix, size_t s, const std::string &id,
                                              const std::string &own);
/* Brings the translation terms of every document of the articles put or
 * deleted since the last commit up to date (kb_commit). */
void kb_fix_translations(kb_index *ix);

/* The shard of the index that holds article id: a stable hash of the
 * id, so every locale and unit of an article is in one shard (collapse
 * and the translation terms need it). */
size_t kb_shard_of(const std::string &id, size_t nshards);

/* A malloc'd copy of s for a C caller (who frees it); throws bad_alloc. */
char *kb_dup_string(const std::string &s);

/* ---- keys (kb_open.cc) ------------------------------------------------ */

/* Terms are limited to 245 bytes; long keys become a stable hash. */
std::string kb_key_term(const char *prefix, const std::string &key);
/* "<locale>/<id>" */
std::string kb_article_key(const char *locale, const char *id);

/* ---- language helpers (kb_lang.cc) ------------------------------------ */

std::string kb_lower_ascii(const char *s);
/* "ru-ru" -> "ru"; the part before the first '-' or '_'. */
std::string kb_locale_lang(const std::string &locale);
/* The Snowball stemmer of a locale; an empty one (no stemming) for CJK
 * and unknown languages. */
Xapian::Stem kb_stem_for(const std::string &locale);
bool kb_is_cjk_locale(const std::string &locale);
/* 1 when the code point is a CJK ideograph, kana or hangul syllable
 * (what FLAG_CJK_NGRAM splits into n-grams).  Inline: the snippets ask
 * it of every character of a hit's text. */
inline bool kb_is_cjk(unsigned ch)
{
    return (ch >= 0x2E80 && ch <= 0x2FDF) || (ch >= 0x3040 && ch <= 0x30FF) ||
           (ch >= 0x3100 && ch <= 0x31BF) || (ch >= 0x3400 && ch <= 0x4DBF) ||
           (ch >= 0x4E00 && ch <= 0x9FFF) || (ch >= 0xAC00 && ch <= 0xD7AF) ||
           (ch >= 0xF900 && ch <= 0xFAFF) || (ch >= 0x20000 && ch <= 0x2FA1F) ||
           (ch >= 0x1100 && ch <= 0x11FF) || (ch >= 0x3130 && ch <= 0x318F);
}
/* True when word (a lower-case index term) is worth a spelling entry:
 * letters only, no CJK, at least KB_SPELL_MIN_WORD characters. */
bool kb_spelling_word(const std::string &word);

/* True for languages whose compounds get XC terms (German). */
bool kb_splits_compounds(const std::string &locale);
/* The XC terms of word (lower case, unstemmed) into *out, longest
 * ending first. */
void kb_compound_parts(const std::string &word, const Xapian::Stem &stem,
                       std::vector<std::string> *out);

/* The TermGenerator every field is indexed with (and the query text is
 * tokenised with, so both split words the same way).  stem_positions:
 * stems get positions too (the query side, to pair each word with its
 * stem); the index keeps positions for the words as written only. */
void kb_setup_termgen(Xapian::TermGenerator &tg, const std::string &locale,
                      bool stem_positions = false);

/* ---- what a search sees ----------------------------------------------- */

/* What a search counts as being in the index (kb_schema.h, "What an
 * anonymous search sees"): every document for signed-in staff, public
 * documents only for anonymous readers, so that no word, locale or
 * translation of an internal article changes an anonymous answer.  The
 * checks run for the few terms a search asks about (query words,
 * locales, translations of its hits), not over the index. */
class Visible {
  public:
    /* freqs: remembered term frequencies of db's revision (kb_index),
     * or NULL to ask db each time. */
    Visible(const Xapian::Database &db, const Xapian::Database &aux, bool internal,
            std::unordered_map<std::string, Xapian::doccount> *freqs = nullptr)
        : db_(db), aux_(aux), all_(internal), freqs_(freqs)
    {
    }
    /* The term's frequency in db. */
    Xapian::doccount freq(const std::string &term) const
    {
        if (!freqs_)
            return db_.get_termfreq(term);
        auto it = freqs_->find(term);
        if (it != freqs_->end())
            return it->second;
        Xapian::doccount n = db_.get_termfreq(term);
        freqs_->emplace(term, n);
        return n;
    }
    const Xapian::Database &db() const { return db_; }
    /* Where the spelling table is (kb_index.aux). */
    const Xapian::Database &aux() const { return aux_; }
    /* True for staff: internal documents count too. */
    bool all() const { return all_; }
    /* True when a document the reader may see has term. */
    bool has(const std::string &term) const { return has(term, freq(term)); }
    /* The same, when the term's frequency is known already. */
    bool has(const std::string &term, Xapian::doccount termfreq) const
    {
        if (termfreq == 0)
            return false;
        if (all_)
            return true;
        if (!counted_) {
            internal_ = freq(KB_TERM_INTERNAL);
            counted_ = true;
        }
        /* In more documents than there are internal ones: some are public. */
        if (termfreq > internal_)
            return true;
        /* Else the first of its documents that is not internal; at most
         * termfreq steps, most words stop at the first. */
        Xapian::PostingIterator in = db_.postlist_begin(KB_TERM_INTERNAL);
        Xapian::PostingIterator in_end = db_.postlist_end(KB_TERM_INTERNAL);
        for (Xapian::PostingIterator p = db_.postlist_begin(term); p != db_.postlist_end(term);
             ++p) {
            in.skip_to(*p);
            if (in == in_end || *in != *p)
                return true;
        }
        return false;
    }

  private:
    const Xapian::Database &db_;
    const Xapian::Database &aux_;
    bool all_;
    std::unordered_map<std::string, Xapian::doccount> *freqs_;
    mutable bool counted_ = false;
    mutable Xapian::doccount internal_ = 0;
};

/* ---- query building (kb_query.cc, kb_query_parser.cc) ------------------ */

/* The query for one locale (not yet filtered by it).  *suggestion gets
 * the corrected text when a word was unknown and its correction was
 * searched instead ("" otherwise).  Words count as known, compound heads
 * and partial words expand, only as far as vis lets the reader see. */
Xapian::Query kb_build_query(const Visible &vis, const kb_query *qy,
                             const std::string &locale, const std::string &other_locale,
                             std::string *suggestion);

/* True when the text uses query syntax the plain path would lose
 * (quotes, +/-, boolean operators, field prefixes). */
bool kb_query_has_syntax(const std::string &text);

/* The query of text through Xapian's QueryParser: phrases, boolean
 * operators, field prefixes, and the last word as a prefix when
 * qy->prefix_last; an anonymous reader's partial word expands over the
 * words of public documents only. */
Xapian::Query kb_parser_query(const Visible &vis, const kb_query *qy, const std::string &text,
                              const std::string &locale);

/* ---- snippets (kb_snippet.cc) ------------------------------------------ */

/* Snippets.  MSet::snippet() stemmed every word of every hit's text and
 * looked up each word's frequency in the index: 59% of a search's time
 * on StackFAQ.  This one knows the query's few terms up front, weighs
 * each once by its rarity, stems each distinct word of the text once
 * per search, and keeps the window of text with the most weight.  One
 * per search: it remembers the words it has seen. */
class Snippeter {
  public:
    /* mset: the search's, whose statistics give each term's frequency. */
    Snippeter(const Xapian::Database &db, const Xapian::MSet &mset, const Xapian::Query &q);

    /* Up to max_bytes of text around its best matches into *out, as
     * plain text (white space runs as one space, an ellipsis where text
     * was cut), and where the matches are in *out appended to *spans
     * (kb_snippet in kb.h says what they promise). */
    void make(const std::string &text, const std::string &locale, size_t max_bytes,
              std::string *out, std::vector<kb_span> *spans);

    struct match {
        size_t begin, end; /* bytes of the text */
    };

  private:
    struct locale_stem {
        Xapian::Stem stem;
        std::unordered_map<std::string, int> cache; /* word -> term id or -1 */
    };

    void find_matches(const std::string &text, const std::string &locale,
                      std::vector<match> *out);
    int word_id(locale_stem &ls, const std::string &w);
    void add(std::vector<match> *out, size_t begin, size_t end, int id);
    void pick_window(const std::vector<match> &m, size_t max_bytes, size_t *first,
                     size_t *last);
    locale_stem &stemmer_for(const std::string &locale);

    std::unordered_map<std::string, int> raw_, stems_;
    std::vector<double> weights_;
    std::unordered_map<std::string, locale_stem> stemmers_;
    std::unordered_set<std::string> heads_; /* first two letters of ASCII stems */
    bool short_stems_ = false;
    std::string word_;
    std::vector<std::vector<int>> ids_; /* term ids of each match */
};

/* ---- the result cache (kb_results.cc) --------------------------------- */

/* The cache key of a search on ix as it is now: everything its results
 * depend on (the revision read from the auxiliary database, which is
 * local even when the shards are remote). */
std::string kb_cache_key(const kb_index *ix, const kb_query *qy);
/* The cached results for key with one reference for the caller, or
 * NULL (counted as a miss). */
kb_results *kb_cache_lookup(kb_cache *c, const std::string &key);
/* Keeps r (taking a reference) under key, made by a search on ix with
 * synonyms syn, unless it is too big or ix is older than what the
 * cache holds. */
void kb_cache_store(kb_cache *c, const std::string &key, kb_results *r, const kb_synonyms *syn,
                    const kb_index *ix);

#endif
