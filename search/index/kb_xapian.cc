/* kb_xapian.cc -- the index layer behind kb.h: open and close, article
 * records, writing (kb-index's side), searching and query building.
 *
 * Every exported function runs its body through kb_guarded(), which
 * turns each Xapian::Error (and bad_alloc) into a kb_status plus a
 * message on the handle, so no exception ever reaches a C caller.
 *
 * This is the one C++ file of the project: it alone includes
 * <xapian.h>.  Its parts, in order: the handle and result structs and
 * the exception guard; opening, records and writing; searching and
 * copying results out; turning the user's text into a query (ranking,
 * synonyms, spelling). */
#include "kb.h"
#include "kb_schema.h"
#include "stopwords.h"
#include "synonyms.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <xapian.h>

/* ==== shared state and helpers ==== */

struct kb_index {
    Xapian::Database db;          /* what searches read */
    Xapian::WritableDatabase wdb; /* valid when writable */
    bool writable = false;
    bool in_txn = false;
    std::string err;
    /* Writer only: the committed revision as of kb_begin(), and the
     * article keys written since.  delete_document(term) on a database
     * with pending changes is slow, so kb_put deletes only keys that
     * can exist: in the snapshot (unless kb_clear ran) or put before. */
    std::string dir;
    Xapian::Database snapshot;
    bool cleared = false;
    std::unordered_set<std::string> put_keys;
    /* Writer only: the compound endings of each word seen (German), as
     * stemming every ending of every long word was an eighth of the
     * time of indexing German articles. */
    std::unordered_map<std::string, std::vector<std::string>> compounds;
    std::unordered_map<std::string, Xapian::Stem> stems; /* per locale, see CachedStem */
};

struct kb_results {
    std::atomic<int> refs{1}; /* the caller's, plus a cache entry's */
    std::atomic<char *> memo[KB_RESULTS_MEMO_SLOTS] = {}; /* malloc'd, set once */
    ~kb_results()
    {
        for (auto &m : memo)
            free(m.load());
    }
    std::string strings; /* every hit string, NUL-terminated, one after another */
    std::vector<kb_hit> hits;
    unsigned long total = 0;
    std::string locale;
    std::string suggestion;            /* "" when none */
    std::vector<kb_facet> facets[KB_FACET_COUNT];
    std::vector<std::string> facet_values[KB_FACET_COUNT]; /* owns names */
};

kb_status kb_set_err(kb_index *ix, kb_status st, const std::string &msg);

/* Runs body, turning every exception into a kb_status plus a message on
 * the handle, so none reaches a C caller. */
template <class Body>
static kb_status kb_guarded(kb_index *ix, Body &&body) noexcept
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

/* Terms are limited to 245 bytes; long keys become a stable hash. */
std::string kb_key_term(const char *prefix, const std::string &key);
/* "<locale>/<id>" */
std::string kb_article_key(const char *locale, const char *id);
std::string kb_lower_ascii(const char *s);
/* "ru-ru" -> "ru"; the part before the first '-' or '_'. */
std::string kb_locale_lang(const std::string &locale);
/* The Snowball stemmer of a locale; an empty one (no stemming) for CJK
 * and unknown languages. */
Xapian::Stem kb_stem_for(const std::string &locale);
bool kb_is_cjk_locale(const std::string &locale);
/* 1 when the code point is a CJK ideograph, kana or hangul syllable
 * (what FLAG_CJK_NGRAM splits into n-grams). */
bool kb_is_cjk(unsigned ch);
/* True when word (a lower-case index term) is worth a spelling entry:
 * letters only, no CJK, at least KB_SPELL_MIN_WORD characters. */
bool kb_spelling_word(const std::string &word);

/* True for languages whose compounds get XC terms (German). */
bool kb_splits_compounds(const std::string &locale);
/* The XC terms of word (lower case, unstemmed) into *out. */
void kb_compound_parts(const std::string &word, const Xapian::Stem &stem,
                       std::vector<std::string> *out);

/* The TermGenerator every field is indexed with (and the query text is
 * tokenised with, so both split words the same way).  stem_positions:
 * stems get positions too (the query side, to pair each word with its
 * stem); the index keeps positions for the words as written only. */
void kb_setup_termgen(Xapian::TermGenerator &tg, const std::string &locale,
                      bool stem_positions = false);

/* What a search counts as being in the index (kb_schema.h, "What an
 * anonymous search sees"): every document for signed-in staff, public
 * documents only for anonymous readers, so that no word, locale or
 * translation of an internal article changes an anonymous answer.  The
 * checks run for the few terms a search asks about (query words,
 * locales, translations of its hits), not over the index. */
class Visible {
  public:
    Visible(const Xapian::Database &db, bool internal) : db_(db), all_(internal) {}
    const Xapian::Database &db() const { return db_; }
    /* True for staff: internal documents count too. */
    bool all() const { return all_; }
    /* True when a document the reader may see has term. */
    bool has(const std::string &term) const { return has(term, db_.get_termfreq(term)); }
    /* The same, when the term's frequency is known already. */
    bool has(const std::string &term, Xapian::doccount termfreq) const
    {
        if (termfreq == 0)
            return false;
        if (all_)
            return true;
        if (!counted_) {
            internal_ = db_.get_termfreq(KB_TERM_INTERNAL);
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
    bool all_;
    mutable bool counted_ = false;
    mutable Xapian::doccount internal_ = 0;
};

/* ---- query building (defined further down) ---- */

/* The query for one locale (not yet filtered by it).  *suggestion gets
 * the corrected text when a word was unknown and its correction was
 * searched instead ("" otherwise).  Words count as known, compound heads
 * and partial words expand, only as far as vis lets the reader see. */
Xapian::Query kb_build_query(const Visible &vis, const kb_query *qy,
                             const std::string &locale, const std::string &other_locale,
                             std::string *suggestion);

/* ==== open, records, writing ==== */

/* ---- helpers ----------------------------------------------------------- */

kb_status kb_set_err(kb_index *ix, kb_status st, const std::string &msg)
{
    if (ix) {
        try {
            ix->err = msg;
        } catch (...) {
        }
    }
    return st;
}

std::string kb_key_term(const char *prefix, const std::string &key)
{
    std::string t(prefix);
    if (key.size() <= KB_MAX_KEY) {
        t += key;
        return t;
    }
    unsigned long long h = 1469598103934665603ULL;
    for (unsigned char c : key) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "#%016llx", h);
    t += key.substr(0, 64);
    t += buf;
    return t;
}

std::string kb_article_key(const char *locale, const char *id)
{
    std::string k(locale ? locale : "");
    k += '/';
    k += id ? id : "";
    return k;
}

std::string kb_lower_ascii(const char *s)
{
    std::string r(s ? s : "");
    for (char &c : r)
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
    return r;
}

std::string kb_locale_lang(const std::string &locale)
{
    size_t n = locale.find_first_of("-_");
    return kb_lower_ascii(locale.substr(0, n).c_str());
}

Xapian::Stem kb_stem_for(const std::string &locale)
{
    static const struct {
        const char *lang, *stemmer;
    } map[] = {
        {"en", "english"},  {"ru", "russian"},    {"de", "german"},
        {"fr", "french"},   {"es", "spanish"},    {"pt", "portuguese"},
        {"it", "italian"},  {"nl", "dutch"},      {"sv", "swedish"},
        {"da", "danish"},   {"fi", "finnish"},    {"no", "norwegian"},
        {"nb", "norwegian"}, {"hu", "hungarian"}, {"ro", "romanian"},
        {"tr", "turkish"},
    };
    std::string lang = kb_locale_lang(locale);
    for (const auto &m : map)
        if (lang == m.lang)
            return Xapian::Stem(m.stemmer);
    return Xapian::Stem(); /* CJK and unknown: no stemming */
}

bool kb_is_cjk_locale(const std::string &locale)
{
    std::string lang = kb_locale_lang(locale);
    return lang == "zh" || lang == "ja" || lang == "ko";
}

bool kb_is_cjk(unsigned ch)
{
    return (ch >= 0x2E80 && ch <= 0x2FDF) || (ch >= 0x3040 && ch <= 0x30FF) ||
           (ch >= 0x3100 && ch <= 0x31BF) || (ch >= 0x3400 && ch <= 0x4DBF) ||
           (ch >= 0x4E00 && ch <= 0x9FFF) || (ch >= 0xAC00 && ch <= 0xD7AF) ||
           (ch >= 0xF900 && ch <= 0xFAFF) || (ch >= 0x20000 && ch <= 0x2FA1F) ||
           (ch >= 0x1100 && ch <= 0x11FF) || (ch >= 0x3130 && ch <= 0x318F);
}

bool kb_spelling_word(const std::string &word)
{
    size_t n = 0;
    for (Xapian::Utf8Iterator u(word); u != Xapian::Utf8Iterator(); ++u, ++n) {
        unsigned ch = *u;
        if (kb_is_cjk(ch))
            return false;
        Xapian::Unicode::category c = Xapian::Unicode::get_category(ch);
        if (c != Xapian::Unicode::LOWERCASE_LETTER && c != Xapian::Unicode::OTHER_LETTER &&
            c != Xapian::Unicode::MODIFIER_LETTER)
            return false;
    }
    return n >= KB_SPELL_MIN_WORD;
}

bool kb_splits_compounds(const std::string &locale)
{
    return kb_locale_lang(locale) == "de";
}

void kb_compound_parts(const std::string &word, const Xapian::Stem &stem,
                       std::vector<std::string> *out)
{
    std::vector<size_t> starts; /* byte offset of each character */
    for (Xapian::Utf8Iterator u(word); u != Xapian::Utf8Iterator(); ++u) {
        if (!Xapian::Unicode::is_wordchar(*u) ||
            Xapian::Unicode::get_category(*u) == Xapian::Unicode::DECIMAL_DIGIT_NUMBER)
            return;
        starts.push_back((size_t)(u.raw() - word.data()));
    }
    size_t n = starts.size();
    if (n < KB_COMPOUND_MIN_WORD)
        return;
    for (size_t i = KB_COMPOUND_MIN_HEAD; i + KB_COMPOUND_MIN_PART <= n; i++) {
        std::string part = stem(word.substr(starts[i]));
        if (!part.empty())
            out->push_back(KB_PREFIX_COMPOUND + part);
    }
}

/* Adds the compound endings of the document's words (see kb_schema.h),
 * each with the wdf of its word. */
/* A stemmer that remembers: a run indexes the same words over and over,
 * and the TermGenerator stems each occurrence. */
class CachedStem : public Xapian::StemImplementation {
  public:
    explicit CachedStem(Xapian::Stem real) : real_(std::move(real)) {}
    std::string operator()(const std::string &word) override
    {
        auto it = memo_.find(word);
        if (it != memo_.end())
            return it->second;
        if (memo_.size() > 500000) /* a bound on a huge run's memory */
            memo_.clear();
        std::string s = real_(word);
        memo_.emplace(word, s);
        return s;
    }
    std::string get_description() const override { return "cached " + real_.get_description(); }

  private:
    Xapian::Stem real_;
    std::unordered_map<std::string, std::string> memo_;
};

/* The writer's stemmer for a locale (same stems as kb_stem_for). */
static Xapian::Stem writer_stem(kb_index *ix, const std::string &loc)
{
    auto it = ix->stems.find(loc);
    if (it == ix->stems.end()) {
        Xapian::Stem real = kb_stem_for(loc);
        it = ix->stems.emplace(loc, real.is_none() ? real : Xapian::Stem(new CachedStem(real)))
                 .first;
    }
    return it->second;
}

static void add_compound_terms(kb_index *ix, Xapian::Document &doc, const Xapian::Stem &stem)
{
    std::vector<std::pair<std::string, Xapian::termcount>> add;
    if (ix->compounds.size() > 500000) /* a bound on a huge run's memory */
        ix->compounds.clear();
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        const std::string &w = *t;
        if (w.empty() || (w[0] >= 'A' && w[0] <= 'Z'))
            continue;
        auto memo = ix->compounds.find(w);
        if (memo == ix->compounds.end()) {
            std::vector<std::string> parts;
            kb_compound_parts(w, stem, &parts);
            memo = ix->compounds.emplace(w, std::move(parts)).first;
        }
        for (const std::string &p : memo->second)
            add.emplace_back(p, t.get_wdf());
    }
    for (const auto &a : add)
        doc.add_term(a.first, a.second);
}

void kb_setup_termgen(Xapian::TermGenerator &tg, const std::string &locale,
                      bool stem_positions)
{
    tg.set_stemmer(kb_stem_for(locale));
    /* Phrases match the words as written, so stems need no positions in
     * the index: storing them cost a third of indexing time, and BM25
     * ranking never reads them. */
    tg.set_stemming_strategy(stem_positions ? Xapian::TermGenerator::STEM_SOME_FULL_POS
                                            : Xapian::TermGenerator::STEM_SOME);
    tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
}

/* ---- open / close ------------------------------------------------------ */

extern "C" const char *kb_status_str(kb_status st)
{
    static const char *const text[KB_STATUS_COUNT] = {
        "ok",
        "out of memory",
        "invalid argument",
        "no index in this directory (run kb-index first)",
        "the index is locked by another writer",
        "the query could not be parsed",
        "not found",
        "index error",
    };
    if ((unsigned)st >= KB_STATUS_COUNT)
        return "unknown status";
    return text[st];
}

extern "C" kb_status kb_open(const char *dir, int flags, kb_index **out)
{
    if (!out)
        return KB_ERR_INVALID_ARG;
    kb_index *ix = new (std::nothrow) kb_index;
    *out = ix;
    if (!ix)
        return KB_ERR_NOMEM;
    if (!dir || !*dir)
        return kb_set_err(ix, KB_ERR_INVALID_ARG, "no index directory given");
    return kb_guarded(ix, [&]() {
        ix->dir = dir;
        if (flags & KB_OPEN_WRITE) {
            int action = (flags & KB_OPEN_OVERWRITE)
                             ? Xapian::DB_CREATE_OR_OVERWRITE
                             : Xapian::DB_CREATE_OR_OPEN;
            ix->wdb = Xapian::WritableDatabase(dir, action);
            ix->db = ix->wdb;
            ix->writable = true;
        } else {
            ix->db = Xapian::Database(dir);
        }
        return KB_OK;
    });
}

extern "C" void kb_close(kb_index *ix)
{
    if (!ix)
        return;
    try {
        if (ix->writable && ix->in_txn)
            ix->wdb.cancel_transaction();
        ix->db.close();
        if (ix->writable)
            ix->wdb.close();
    } catch (...) {
        /* Closing cannot report; dropping the handle is all we can do. */
    }
    delete ix;
}

extern "C" const char *kb_last_error(const kb_index *ix)
{
    if (!ix)
        return "out of memory";
    return ix->err.c_str();
}

extern "C" kb_status kb_reopen(kb_index *ix)
{
    if (!ix)
        return KB_ERR_INVALID_ARG;
    return kb_guarded(ix, [&]() {
        if (!ix->writable)
            ix->db.reopen();
        return KB_OK;
    });
}

/* Documents with term that are internal: a walk of the (short)
 * internal posting list, skipping along term's. */
static unsigned long count_internal(const Xapian::Database &db, const char *term)
{
    unsigned long n = 0;
    Xapian::PostingIterator t = db.postlist_begin(term), tend = db.postlist_end(term);
    for (Xapian::PostingIterator i = db.postlist_begin(KB_TERM_INTERNAL);
         i != db.postlist_end(KB_TERM_INTERNAL) && t != tend; ++i) {
        t.skip_to(*i);
        if (t != tend && *t == *i)
            n++;
    }
    return n;
}

extern "C" kb_status kb_get_stats(kb_index *ix, kb_stats *out)
{
    if (!ix || !out)
        return KB_ERR_INVALID_ARG;
    return kb_guarded(ix, [&]() {
        for (int attempt = 0;; attempt++) {
            try {
                out->articles = ix->db.get_termfreq(KB_TERM_RECORD);
                out->sections = ix->db.get_termfreq(KB_TERM_UNIT);
                out->public_articles =
                    out->articles - count_internal(ix->db, KB_TERM_RECORD);
                out->public_sections = out->sections - count_internal(ix->db, KB_TERM_UNIT);
                out->revision = ix->db.get_revision();
                return KB_OK;
            } catch (const Xapian::DatabaseModifiedError &) {
                if (attempt >= 3)
                    throw;
                ix->db.reopen();
            }
        }
    });
}

/* ---- articles ---------------------------------------------------------- */

static bool find_record(kb_index *ix, const std::string &key, int include_internal,
                        Xapian::Document *doc)
{
    std::string term = kb_key_term(KB_PREFIX_RECORD, key);
    Xapian::PostingIterator p = ix->db.postlist_begin(term);
    if (p == ix->db.postlist_end(term))
        return false;
    *doc = ix->db.get_document(*p);
    if (!include_internal &&
        doc->get_value(KB_SLOT_FLAGS).find('i') != std::string::npos)
        return false;
    return true;
}

static char *dup_string(const std::string &s)
{
    char *p = static_cast<char *>(malloc(s.size() + 1));
    if (!p)
        throw std::bad_alloc();
    memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
}

extern "C" kb_status kb_article_get(kb_index *ix, const char *id, const char *locale,
                                    const char *default_locale, int include_internal,
                                    char **json_out)
{
    if (!ix || !id || !json_out)
        return KB_ERR_INVALID_ARG;
    *json_out = nullptr;
    return kb_guarded(ix, [&]() {
        if (!ix->writable)
            ix->db.reopen();
        for (int attempt = 0;; attempt++) {
            try {
                Xapian::Document doc;
                std::string want = kb_lower_ascii(locale && *locale ? locale : default_locale);
                bool found = find_record(ix, kb_article_key(want.c_str(), id),
                                         include_internal, &doc);
                if (!found && default_locale) {
                    std::string fb = kb_lower_ascii(default_locale);
                    found = find_record(ix, kb_article_key(fb.c_str(), id),
                                        include_internal, &doc);
                }
                if (!found)
                    return kb_set_err(ix, KB_ERR_NOT_FOUND, "no such article");
                *json_out = dup_string(doc.get_data());
                return KB_OK;
            } catch (const Xapian::DatabaseModifiedError &) {
                if (attempt >= 3)
                    throw;
                ix->db.reopen();
            }
        }
    });
}

extern "C" kb_status kb_article_locales(kb_index *ix, const char *id, int include_internal,
                                        char **locales, size_t max, size_t *n)
{
    if (!ix || !id || !n || (max && !locales))
        return KB_ERR_INVALID_ARG;
    *n = 0;
    return kb_guarded(ix, [&]() {
        std::string pfx(KB_PREFIX_LOCALE);
        for (Xapian::TermIterator t = ix->db.allterms_begin(pfx);
             t != ix->db.allterms_end(pfx) && *n < max; ++t) {
            std::string loc = (*t).substr(pfx.size());
            Xapian::Document doc;
            if (find_record(ix, kb_article_key(loc.c_str(), id), include_internal, &doc))
                locales[(*n)++] = dup_string(loc);
        }
        return KB_OK;
    });
}

extern "C" kb_status kb_foreach_record(kb_index *ix, int include_internal,
                                       kb_record_fn fn, void *ctx)
{
    if (!ix || !fn)
        return KB_ERR_INVALID_ARG;
    return kb_guarded(ix, [&]() {
        for (Xapian::PostingIterator p = ix->db.postlist_begin(KB_TERM_RECORD);
             p != ix->db.postlist_end(KB_TERM_RECORD); ++p) {
            Xapian::Document doc = ix->db.get_document(*p);
            if (!include_internal &&
                doc.get_value(KB_SLOT_FLAGS).find('i') != std::string::npos)
                continue;
            std::string data = doc.get_data();
            if (fn(ctx, data.c_str(), data.size()))
                break;
        }
        return KB_OK;
    });
}

/* ---- writing ----------------------------------------------------------- */

static kb_status need_writer(kb_index *ix)
{
    if (!ix)
        return KB_ERR_INVALID_ARG;
    if (!ix->writable)
        return kb_set_err(ix, KB_ERR_INVALID_ARG, "index opened read-only");
    return KB_OK;
}

/* Deletes every document, file entry and spelling word. */
static void clear_all(kb_index *ix)
{
    std::vector<Xapian::docid> ids;
    for (Xapian::PostingIterator p = ix->wdb.postlist_begin("");
         p != ix->wdb.postlist_end(""); ++p)
        ids.push_back(*p);
    for (Xapian::docid id : ids)
        ix->wdb.delete_document(id);
    std::vector<std::string> keys;
    for (Xapian::TermIterator k = ix->wdb.metadata_keys_begin(KB_META_FILE);
         k != ix->wdb.metadata_keys_end(KB_META_FILE); ++k)
        keys.push_back(*k);
    for (const std::string &k : keys)
        ix->wdb.set_metadata(k, "");
    std::vector<std::pair<std::string, Xapian::doccount>> words;
    for (Xapian::TermIterator w = ix->wdb.spellings_begin(); w != ix->wdb.spellings_end(); ++w)
        words.emplace_back(*w, w.get_termfreq());
    for (const auto &w : words)
        ix->wdb.remove_spelling(w.first, w.second);
    ix->cleared = true;
    ix->put_keys.clear();
}

extern "C" kb_status kb_begin(kb_index *ix)
{
    kb_status st = need_writer(ix);
    if (st != KB_OK)
        return st;
    return kb_guarded(ix, [&]() {
        if (!ix->in_txn) {
            ix->wdb.begin_transaction(true);
            ix->in_txn = true;
            ix->snapshot = Xapian::Database(ix->dir);
            ix->cleared = false;
            ix->put_keys.clear();
            /* An index written with another schema is rebuilt: the run
             * then finds no file hashes and parses every file again. */
            std::string schema = ix->snapshot.get_metadata(KB_META_SCHEMA);
            if (!schema.empty() && schema != KB_SCHEMA_VERSION)
                clear_all(ix);
        }
        return KB_OK;
    });
}

static void index_field(Xapian::TermGenerator &tg, const char *text, unsigned weight,
                        const char *prefix)
{
    if (!text || !*text)
        return;
    if (prefix)
        tg.index_text(text, weight, prefix);
    tg.index_text(text, weight);
    tg.increase_termpos(); /* phrases never span two fields */
}

static void add_common(Xapian::Document &doc, const kb_doc *d, const std::string &loc,
                       const std::string &kterm)
{
    doc.add_boolean_term(kterm);
    doc.add_boolean_term(KB_PREFIX_LOCALE + loc);
    if (d->internal)
        doc.add_boolean_term(KB_TERM_INTERNAL);
    doc.add_value(KB_SLOT_ID, d->id);
    doc.add_value(KB_SLOT_LOCALE, loc);
    doc.add_value(KB_SLOT_TITLE, d->title ? d->title : "");
    doc.add_value(KB_SLOT_TOPIC, kb_lower_ascii(d->topic));
    doc.add_value(KB_SLOT_PRODUCT, kb_lower_ascii(d->product));
    doc.add_value(KB_SLOT_UPDATED, d->updated ? d->updated : "");
}

/* Spelling data: every public unit adds 1 to each of its words (see
 * kb_schema.h), so suggestions come only from text anonymous readers
 * can see, and removing an article removes exactly what it added. */
static void count_spelling(const Xapian::Document &doc,
                           std::unordered_map<std::string, Xapian::termcount> *spell)
{
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        const std::string &w = *t;
        if (!w.empty() && !(w[0] >= 'A' && w[0] <= 'Z') && kb_spelling_word(w))
            (*spell)[w]++;
    }
}

/* Deletes every document of an article, and the spelling counts its
 * public units added.  from is where its documents can be read: the
 * committed snapshot, or the writer itself for one put in this run. */
static void drop_article(kb_index *ix, const std::string &kterm, const Xapian::Database &from)
{
    std::unordered_map<std::string, Xapian::termcount> spell;
    for (Xapian::PostingIterator p = from.postlist_begin(kterm); p != from.postlist_end(kterm);
         ++p) {
        /* The record document has boolean terms only: nothing counted. */
        Xapian::Document doc = from.get_document(*p);
        if (doc.get_value(KB_SLOT_FLAGS).find('i') == std::string::npos)
            count_spelling(doc, &spell);
    }
    for (const auto &w : spell)
        ix->wdb.remove_spelling(w.first, w.second);
    ix->wdb.delete_document(kterm);
}

extern "C" kb_status kb_put(kb_index *ix, const kb_doc *d)
{
    kb_status st = need_writer(ix);
    if (st != KB_OK)
        return st;
    if (!d || !d->id || !*d->id || !d->locale || !*d->locale)
        return kb_set_err(ix, KB_ERR_INVALID_ARG, "article without id or locale");
    return kb_guarded(ix, [&]() {
        std::string loc = kb_lower_ascii(d->locale);
        std::string key = kb_article_key(loc.c_str(), d->id);
        std::string kterm = kb_key_term(KB_PREFIX_KEY, key);
        bool pending = !ix->in_txn || ix->put_keys.count(key);
        bool committed = !pending && !ix->cleared && ix->snapshot.term_exists(kterm);
        if (pending || committed)
            drop_article(ix, kterm, pending ? ix->db : ix->snapshot);
        if (ix->in_txn)
            ix->put_keys.insert(key);

        std::string flags_base;
        if (d->internal)
            flags_base += 'i';
        if (d->machine_translated)
            flags_base += 'm';

        Xapian::Document rec;
        add_common(rec, d, loc, kterm);
        rec.add_boolean_term(kb_key_term(KB_PREFIX_RECORD, key));
        rec.add_boolean_term(KB_TERM_RECORD);
        rec.add_value(KB_SLOT_FLAGS, flags_base);
        rec.set_data(d->record_json ? d->record_json : "{}");
        ix->wdb.add_document(rec);

        Xapian::TermGenerator tg;
        kb_setup_termgen(tg, loc);
        Xapian::Stem stem = writer_stem(ix, loc);
        tg.set_stemmer(stem);
        bool compounds = kb_splits_compounds(loc);
        std::unordered_map<std::string, Xapian::termcount> spell;
        for (size_t i = 0; i < d->nunits; i++) {
            const kb_unit *u = &d->units[i];
            Xapian::Document doc;
            tg.set_document(doc);
            bool lead = !u->anchor || !*u->anchor;
            index_field(tg, d->title, KB_WEIGHT_TITLE, KB_PREFIX_TITLE);
            if (lead) {
                index_field(tg, d->description, KB_WEIGHT_DESCRIPTION,
                            KB_PREFIX_DESCRIPTION);
            } else if (d->description && *d->description) {
                /* Every unit carries the XD field (like the title), so
                 * the query-time description boost ranks the article
                 * without pulling its lead above the section that
                 * answers; only the lead has it as text.  wdf 1: it
                 * lengthens the unit as little as it can. */
                tg.index_text(d->description, 1, KB_PREFIX_DESCRIPTION);
                tg.increase_termpos();
            }
            index_field(tg, u->title, KB_WEIGHT_HEADING, KB_PREFIX_HEADING);
            for (size_t t = 0; t < d->ntags; t++) {
                index_field(tg, d->tags[t], KB_WEIGHT_DESCRIPTION, nullptr);
                doc.add_boolean_term(KB_PREFIX_TAG + kb_lower_ascii(d->tags[t]));
            }
            index_field(tg, u->text, KB_WEIGHT_BODY, nullptr);
            if (compounds)
                add_compound_terms(ix, doc, stem);

            add_common(doc, d, loc, kterm);
            doc.add_boolean_term(KB_TERM_UNIT);
            doc.add_boolean_term(
                kb_key_term(KB_PREFIX_UNIT, key + "#" + (u->anchor ? u->anchor : "")));
            if (d->topic && *d->topic)
                doc.add_boolean_term(KB_PREFIX_TOPIC + kb_lower_ascii(d->topic));
            if (d->product && *d->product)
                doc.add_boolean_term(KB_PREFIX_PRODUCT + kb_lower_ascii(d->product));
            doc.add_value(KB_SLOT_ANCHOR, u->anchor ? u->anchor : "");
            doc.add_value(KB_SLOT_SECTION, u->title ? u->title : "");
            doc.add_value(KB_SLOT_FLAGS, flags_base + (u->is_question ? "q" : ""));
            std::string text;
            if (lead && d->description && *d->description) {
                text = d->description;
                text += '\n';
            }
            text += u->text ? u->text : "";
            doc.set_data(text);
            if (!d->internal)
                count_spelling(doc, &spell);
            ix->wdb.add_document(doc);
        }
        for (const auto &w : spell)
            ix->wdb.add_spelling(w.first, w.second);
        return KB_OK;
    });
}

extern "C" kb_status kb_delete(kb_index *ix, const char *locale, const char *id)
{
    kb_status st = need_writer(ix);
    if (st != KB_OK)
        return st;
    if (!locale || !id)
        return KB_ERR_INVALID_ARG;
    return kb_guarded(ix, [&]() {
        std::string key = kb_article_key(kb_lower_ascii(locale).c_str(), id);
        drop_article(ix, kb_key_term(KB_PREFIX_KEY, key), ix->db);
        return KB_OK;
    });
}

extern "C" kb_status kb_clear(kb_index *ix)
{
    kb_status st = need_writer(ix);
    if (st != KB_OK)
        return st;
    return kb_guarded(ix, [&]() {
        clear_all(ix);
        return KB_OK;
    });
}

static std::string file_meta_key(const char *path)
{
    return kb_key_term(KB_META_FILE, path);
}

/* Metadata value: "<hash>\t<key>\t<path>" (the path is kept because a
 * long one is hashed in the metadata key). */
static bool split_file_meta(const std::string &v, std::string *hash, std::string *key,
                            std::string *path)
{
    size_t a = v.find('\t');
    if (a == std::string::npos)
        return false;
    size_t b = v.find('\t', a + 1);
    if (b == std::string::npos)
        return false;
    *hash = v.substr(0, a);
    *key = v.substr(a + 1, b - a - 1);
    *path = v.substr(b + 1);
    return true;
}

extern "C" kb_status kb_file_get(kb_index *ix, const char *path, char **hash_out,
                                 char **key_out)
{
    if (!ix || !path || !hash_out || !key_out)
        return KB_ERR_INVALID_ARG;
    *hash_out = *key_out = nullptr;
    return kb_guarded(ix, [&]() {
        std::string v = ix->db.get_metadata(file_meta_key(path));
        std::string h, k, p;
        if (!v.empty() && split_file_meta(v, &h, &k, &p) && p == path) {
            *hash_out = dup_string(h);
            try {
                *key_out = dup_string(k);
            } catch (...) {
                free(*hash_out);
                *hash_out = nullptr;
                throw;
            }
        }
        return KB_OK;
    });
}

extern "C" kb_status kb_file_set(kb_index *ix, const char *path, const char *hash,
                                 const char *key)
{
    kb_status st = need_writer(ix);
    if (st != KB_OK)
        return st;
    if (!path || !hash || !key)
        return KB_ERR_INVALID_ARG;
    return kb_guarded(ix, [&]() {
        std::string v(hash);
        v += '\t';
        v += key;
        v += '\t';
        v += path;
        ix->wdb.set_metadata(file_meta_key(path), v);
        return KB_OK;
    });
}

extern "C" kb_status kb_file_forget(kb_index *ix, const char *path)
{
    kb_status st = need_writer(ix);
    if (st != KB_OK)
        return st;
    if (!path)
        return KB_ERR_INVALID_ARG;
    return kb_guarded(ix, [&]() {
        ix->wdb.set_metadata(file_meta_key(path), "");
        return KB_OK;
    });
}

extern "C" kb_status kb_foreach_file(kb_index *ix, kb_file_fn fn, void *ctx)
{
    if (!ix || !fn)
        return KB_ERR_INVALID_ARG;
    return kb_guarded(ix, [&]() {
        /* Collect first: the callback may forget files as it goes. */
        std::vector<std::string> values;
        for (Xapian::TermIterator k = ix->db.metadata_keys_begin(KB_META_FILE);
             k != ix->db.metadata_keys_end(KB_META_FILE); ++k) {
            std::string v = ix->db.get_metadata(*k);
            if (!v.empty())
                values.push_back(v);
        }
        for (const std::string &v : values) {
            std::string h, k, p;
            if (!split_file_meta(v, &h, &k, &p))
                continue;
            if (fn(ctx, p.c_str(), h.c_str(), k.c_str()))
                break;
        }
        return KB_OK;
    });
}

extern "C" kb_status kb_commit(kb_index *ix)
{
    kb_status st = need_writer(ix);
    if (st != KB_OK)
        return st;
    return kb_guarded(ix, [&]() {
        ix->wdb.set_metadata(KB_META_SCHEMA, KB_SCHEMA_VERSION);
        if (ix->in_txn) {
            ix->in_txn = false;
            ix->wdb.commit_transaction();
        } else {
            ix->wdb.commit();
        }
        return KB_OK;
    });
}

extern "C" kb_status kb_cancel(kb_index *ix)
{
    kb_status st = need_writer(ix);
    if (st != KB_OK)
        return st;
    return kb_guarded(ix, [&]() {
        if (ix->in_txn) {
            ix->in_txn = false;
            ix->wdb.cancel_transaction();
        }
        return KB_OK;
    });
}

/* ==== searching ==== */

namespace {

/* Rejects default-locale units of articles that exist in the requested
 * locale, so each article appears once, in the best language.  A
 * translation the reader may not see (internal, for an anonymous one)
 * does not count: the article then comes in the default locale, as if
 * the translation were not there.  Once per article id. */
class FallbackDecider : public Xapian::MatchDecider {
  public:
    FallbackDecider(const Visible &vis, std::string want, std::string fallback)
        : vis_(vis), want_(std::move(want)), fallback_(std::move(fallback))
    {
    }
    bool operator()(const Xapian::Document &doc) const override
    {
        if (doc.get_value(KB_SLOT_LOCALE) != fallback_)
            return true;
        std::string id = doc.get_value(KB_SLOT_ID);
        auto seen = keep_.find(id);
        if (seen != keep_.end())
            return seen->second;
        bool keep = !vis_.has(
            kb_key_term(KB_PREFIX_RECORD, kb_article_key(want_.c_str(), id.c_str())));
        keep_.emplace(std::move(id), keep);
        return keep;
    }

  private:
    const Visible &vis_;
    std::string want_, fallback_;
    mutable std::unordered_map<std::string, bool> keep_; /* article id -> accepted */
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

/* Snippets.  MSet::snippet() stemmed every word of every hit's text and
 * looked up each word's frequency in the index: 59% of a search's time
 * on StackFAQ.  This one knows the query's few terms up front, weighs
 * each once by its rarity, stems each distinct word of the text once
 * per search, and keeps the window of text with the most weight. */
class Snippeter {
    struct locale_stem {
        Xapian::Stem stem;
        std::unordered_map<std::string, int> cache; /* word -> term id or -1 */
    };

  public:
    Snippeter(const Xapian::Database &db, const Xapian::Query &q)
    {
        double n = db.get_doccount() + 1.0;
        for (Xapian::TermIterator t = q.get_terms_begin(); t != q.get_terms_end(); ++t) {
            const std::string &term = *t;
            if (term.empty())
                continue;
            unsigned char c = (unsigned char)term[0];
            bool stem = c == 'Z' && term.size() > 1 && !(term[1] >= 'A' && term[1] <= 'Z');
            if (!stem && c >= 'A' && c <= 'Z')
                continue; /* a field or filter term: its word is there bare too */
            double w = std::log(n / (db.get_termfreq(term) + 1.0)) + 0.1;
            int id = (int)weights_.size();
            weights_.push_back(w > 0.1 ? w : 0.1);
            if (stem) {
                stems_.emplace(term.substr(1), id);
                if (term.size() >= 3 && !(term[1] & 0x80) && !(term[2] & 0x80))
                    heads_.insert(term.substr(1, 2));
                else
                    short_stems_ = true; /* cannot filter by the first letters */
            } else {
                raw_.emplace(term, id);
            }
        }
    }

    /* Up to max_bytes of text around its best matches, HTML-escaped,
     * matches in <mark>, with an ellipsis where text was cut. */
    std::string make(const std::string &text, const std::string &locale, size_t max_bytes)
    {
        std::vector<match> m;
        find_matches(text, locale, &m);
        size_t first = 0, last = 0; /* the best window: m[first..last) */
        pick_window(m, max_bytes, &first, &last);
        size_t from = 0, to = text.size();
        if (first < last) {
            size_t span = m[last - 1].end - m[first].begin;
            size_t lead = span < max_bytes ? (max_bytes - span) / 4 : 0;
            from = m[first].begin > lead ? m[first].begin - lead : 0;
            from = word_start(text, from, m[first].begin);
        }
        if (to - from > max_bytes)
            to = word_end(text, from + max_bytes, first < last ? m[last - 1].end : from);
        return render(text, from, to, m);
    }

  private:
    struct match {
        size_t begin, end;
    };

    void find_matches(const std::string &text, const std::string &locale, std::vector<match> *out)
    {
        ids_.clear();
        locale_stem &ls = stemmer_for(locale);
        Xapian::Utf8Iterator it(text), end;
        unsigned prev_cjk = 0;
        size_t prev_at = 0;
        bool prev_marked = false;
        while (it != end) {
            size_t at = it.raw() - text.data();
            unsigned ch = *it;
            if (kb_is_cjk(ch)) {
                std::string one;
                Xapian::Unicode::append_utf8(one, ch);
                ++it;
                int id = lookup(raw_, one);
                if (prev_cjk) {
                    std::string two;
                    Xapian::Unicode::append_utf8(two, prev_cjk);
                    two += one;
                    int bi = lookup(raw_, two);
                    if (bi >= 0) {
                        if (!prev_marked)
                            add(out, prev_at, at, bi);
                        id = bi;
                    }
                }
                if (id >= 0)
                    add(out, at, it.raw() - text.data(), id);
                prev_cjk = ch;
                prev_at = at;
                prev_marked = id >= 0;
                continue;
            }
            prev_cjk = 0;
            if (!Xapian::Unicode::is_wordchar(ch)) {
                ++it;
                continue;
            }
            word_.clear();
            while (it != end && !kb_is_cjk(*it)) {
                unsigned c = *it;
                if (c < 128) { /* most text: no Unicode tables */
                    if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_') {
                        if (c >= 'A' && c <= 'Z')
                            c += 'a' - 'A';
                        else
                            break;
                    }
                    word_ += (char)c;
                } else if (Xapian::Unicode::is_wordchar(c)) {
                    Xapian::Unicode::append_utf8(word_, Xapian::Unicode::tolower(c));
                } else {
                    break;
                }
                ++it;
            }
            int id = word_id(ls, word_);
            if (id >= 0)
                add(out, at, it.raw() - text.data(), id);
        }
    }

    /* The term a word of the text matches, or -1.  Stemming is most of
     * the cost, so a word is stemmed only when its first two letters
     * can begin a stem of the query: stemmers cut endings, and when the
     * word starts with a non-ASCII letter (which a stemmer may fold,
     * German ä to a) it is stemmed anyway.  Each word once a search. */
    int word_id(locale_stem &ls, const std::string &w)
    {
        auto c = ls.cache.find(w);
        if (c != ls.cache.end())
            return c->second;
        int id = lookup(raw_, w);
        if (id < 0 && !ls.stem.is_none() && !stems_.empty()) {
            bool ascii2 = w.size() >= 2 && !(w[0] & 0x80) && !(w[1] & 0x80);
            if (!ascii2 || heads_.count(w.substr(0, 2)) || short_stems_)
                id = lookup(stems_, ls.stem(w));
        }
        ls.cache.emplace(w, id);
        return id;
    }

    static int lookup(const std::unordered_map<std::string, int> &set, const std::string &w)
    {
        auto f = set.find(w);
        return f == set.end() ? -1 : f->second;
    }

    void add(std::vector<match> *out, size_t begin, size_t end, int id)
    {
        /* Touching matches (CJK characters) become one span. */
        if (!out->empty() && out->back().end == begin) {
            out->back().end = end;
        } else {
            out->push_back(match{begin, end});
            ids_.emplace_back();
        }
        ids_.back().push_back(id);
    }

    /* The run of matches no longer than max_bytes whose distinct terms
     * weigh the most (the first such run on a tie). */
    void pick_window(const std::vector<match> &m, size_t max_bytes, size_t *first, size_t *last)
    {
        std::vector<int> count(weights_.size(), 0);
        double score = 0, best = 0;
        size_t i = 0;
        for (size_t j = 0; j < m.size(); j++) {
            for (int id : ids_[j])
                if (count[id]++ == 0)
                    score += weights_[id];
            while (m[j].end - m[i].begin > max_bytes) {
                for (int id : ids_[i])
                    if (--count[id] == 0)
                        score -= weights_[id];
                i++;
            }
            if (score > best + 1e-9) {
                best = score;
                *first = i;
                *last = j + 1;
            }
        }
    }

    /* The start of the word at or after pos (not beyond limit). */
    static size_t word_start(const std::string &t, size_t pos, size_t limit)
    {
        if (pos == 0)
            return 0;
        for (size_t p = pos; p < limit; p++)
            if (t[p] == ' ' || t[p] == '\n' || t[p] == '\t')
                return p + 1;
        return limit;
    }

    /* Where to cut at or before pos: after a whole word when there is a
     * space (never before keep), else at a character boundary. */
    static size_t word_end(const std::string &t, size_t pos, size_t keep)
    {
        for (size_t p = pos; p > keep; p--)
            if (t[p] == ' ' || t[p] == '\n' || t[p] == '\t')
                return p;
        size_t p = pos > keep ? pos : keep;
        while (p < t.size() && ((unsigned char)t[p] & 0xC0) == 0x80)
            p++;
        return p;
    }

    static std::string render(const std::string &t, size_t from, size_t to,
                              const std::vector<match> &m)
    {
        std::string out;
        out.reserve(to - from + 64);
        if (from > 0)
            out += "\xE2\x80\xA6";
        size_t k = 0;
        while (k < m.size() && m[k].begin < from)
            k++;
        bool space = false;
        for (size_t p = from; p < to;) {
            char c = t[p];
            if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
                space = true;
                p++;
                continue;
            }
            if (space && !out.empty())
                out += ' ';
            space = false;
            if (k < m.size() && p == m[k].begin) {
                size_t e = m[k].end < to ? m[k].end : to;
                out += "<mark>";
                escape(t, p, e, &out);
                out += "</mark>";
                p = e;
                k++;
                continue;
            }
            size_t e = k < m.size() && m[k].begin < to ? m[k].begin : to;
            size_t q = p;
            while (q < e && t[q] != ' ' && t[q] != '\n' && t[q] != '\t' && t[q] != '\r')
                q++;
            escape(t, p, q, &out);
            p = q;
        }
        if (to < t.size())
            out += "\xE2\x80\xA6";
        return out;
    }

    static void escape(const std::string &t, size_t from, size_t to, std::string *out)
    {
        for (size_t p = from; p < to; p++) {
            switch (t[p]) {
            case '&': *out += "&amp;"; break;
            case '<': *out += "&lt;"; break;
            case '>': *out += "&gt;"; break;
            case '"': *out += "&quot;"; break;
            case '\'': *out += "&#39;"; break;
            default: *out += t[p];
            }
        }
    }

    locale_stem &stemmer_for(const std::string &locale)
    {
        auto s = stemmers_.find(locale);
        if (s == stemmers_.end())
            s = stemmers_.emplace(locale, locale_stem{kb_stem_for(locale), {}}).first;
        return s->second;
    }

    std::unordered_map<std::string, int> raw_, stems_;
    std::vector<double> weights_;
    std::unordered_map<std::string, locale_stem> stemmers_;
    std::unordered_set<std::string> heads_; /* first two letters of ASCII stems */
    bool short_stems_ = false;
    std::string word_;
    std::vector<std::vector<int>> ids_; /* term ids of each match */
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
    /* Content the reader may see: an anonymous reader's locales and
     * translations are those of public articles. */
    Visible vis(ix->db, qy->include_internal != 0);
    /* A locale with no content at all searches the default one. */
    if (want != fallback && !vis.has(KB_PREFIX_LOCALE + want))
        want = fallback;
    r->locale = want;
    /* The default locale is searched too for articles missing in the
     * requested one, when it has any content. */
    bool use_fallback = want != fallback && vis.has(KB_PREFIX_LOCALE + fallback);

    Xapian::Query q = kb_build_query(vis, qy, want, use_fallback ? fallback : want,
                                     &r->suggestion);
    if (!q.empty())
        q = Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(KB_PREFIX_LOCALE + want));
    if (use_fallback) {
        /* The default locale's words are stemmed with its own stemmer. */
        Xapian::Query f = kb_build_query(vis, qy, fallback, want, nullptr);
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
        Xapian::BM25Weight(KB_BM25_K1, 0, 1, KB_BM25_B, KB_BM25_MIN_NORMLEN));
    FallbackDecider decider(vis, want, fallback);
    FacetSpy spy;
    if (qy->facets)
        enq.add_matchspy(&spy);
    unsigned limit = qy->limit ? qy->limit : 10;
    if (limit > 100)
        limit = 100;
    Xapian::doccount check = qy->offset + limit + 100;
    if (qy->facets && check < KB_FACET_MAX_UNITS)
        check = (Xapian::doccount)KB_FACET_MAX_UNITS;
    Xapian::MSet mset = enq.get_mset(qy->offset, limit, check, nullptr,
                                     use_fallback ? &decider : nullptr);
    r->total = mset.get_matches_estimated();
    if (qy->facets)
        spy.copy_to(r);

    /* Strings first, into one buffer (compact in the cache), then the
     * pointers: the buffer must not move after. */
    std::vector<std::pair<std::string, double>> meta;
    std::vector<size_t> at;
    Snippeter snippeter(ix->db, q);
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
        keep(snippeter.make(doc.get_data(), loc, KB_SNIPPET_BYTES));
        meta.emplace_back(doc.get_value(KB_SLOT_FLAGS), it.get_weight());
    }
    r->strings.shrink_to_fit();
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
        h.snippet = s[8];
        h.internal = meta[i].first.find('i') != std::string::npos;
        h.is_question = meta[i].first.find('q') != std::string::npos;
        h.score = meta[i].second;
        r->hits.push_back(h);
    }
    return KB_OK;
}

} /* namespace */

/* ---- the result cache ------------------------------------------------- */

struct kb_cache {
    struct entry {
        std::string key;
        kb_results *r;    /* one reference */
        kb_synonyms *syn; /* one reference: its address is in the key */
        size_t bytes;
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
        bytes -= e.bytes;
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

namespace {

/* Everything a search's results depend on: the index (its uuid, as a
 * rebuilt index is a new database) and revision, every query field, and
 * the synonyms set (held by the entry, so the address stays unique). */
std::string cache_key(const Xapian::Database &db, const kb_query *qy)
{
    std::string k = db.get_uuid();
    k += '\0';
    k += std::to_string(db.get_revision());
    for (const char *f : {qy->text, qy->locale, qy->default_locale, qy->topic, qy->product,
                          qy->tag}) {
        k += '\0';
        if (f)
            k.append(f).push_back('+'); /* NULL and "" differ */
    }
    char tail[96];
    snprintf(tail, sizeof tail, "%u/%u/%d%d%d/%p", qy->offset, qy->limit,
             qy->include_internal != 0, qy->prefix_last != 0, qy->facets != 0,
             (const void *)qy->synonyms);
    k += '\0';
    return k + tail;
}

size_t results_bytes(const kb_results *r, const std::string &key)
{
    size_t n = sizeof *r + key.size() + r->locale.size() + r->suggestion.size() + 128;
    n += r->strings.capacity();
    n += r->hits.capacity() * sizeof(kb_hit);
    /* The JSON a server keeps with the results (kb_results_set_memo)
     * is set after they are cached: counted here, as about the size of
     * the strings plus the keys of each hit. */
    n += r->strings.size() + r->hits.size() * 160 + 256;
    for (int f = 0; f < KB_FACET_COUNT; f++) {
        n += r->facets[f].capacity() * sizeof(kb_facet);
        for (const std::string &v : r->facet_values[f])
            n += v.capacity() + sizeof v;
    }
    return n;
}

kb_results *cache_get(kb_cache *c, const std::string &key)
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

void cache_put(kb_cache *c, const std::string &key, kb_results *r, const kb_synonyms *syn,
               const Xapian::Database &db)
{
    size_t bytes = results_bytes(r, key);
    std::string uuid = db.get_uuid();
    Xapian::rev revision = db.get_revision();
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
    c->lru.push_front({key, r, kb_synonyms_ref(const_cast<kb_synonyms *>(syn)), bytes});
    c->by_key.emplace(key, c->lru.begin());
    c->bytes += bytes;
    while (c->bytes > c->max_bytes && !c->lru.empty())
        c->drop_last();
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
        std::string key;
        if (qy->cache) {
            key = cache_key(ix->db, qy);
            if ((*out = cache_get(qy->cache, key)))
                return KB_OK;
        }
        for (int attempt = 0;; attempt++) {
            std::unique_ptr<kb_results> r(new kb_results);
            try {
                kb_status st = run_search(ix, qy, r.get());
                if (st != KB_OK)
                    return st;
                if (qy->cache && attempt > 0)
                    key = cache_key(ix->db, qy); /* reopened: a newer revision */
                if (qy->cache)
                    cache_put(qy->cache, key, r.get(), qy->synonyms, ix->db);
                *out = r.release();
                return KB_OK;
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

extern "C" const char *kb_results_memo(const kb_results *r, unsigned slot)
{
    return r && slot < KB_RESULTS_MEMO_SLOTS ? r->memo[slot].load() : nullptr;
}

extern "C" const char *kb_results_set_memo(kb_results *r, unsigned slot, const char *s)
{
    if (!r || slot >= KB_RESULTS_MEMO_SLOTS || !s)
        return nullptr;
    char *copy = strdup(s);
    if (!copy)
        return nullptr;
    char *expected = nullptr;
    if (r->memo[slot].compare_exchange_strong(expected, copy))
        return copy;
    free(copy); /* another caller was first: theirs stays */
    return expected;
}

extern "C" void kb_results_free(kb_results *r)
{
    if (r && r->refs.fetch_sub(1) == 1)
        delete r;
}


/* ==== query building ==== */

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

Xapian::Query parser_query(const Visible &vis, const kb_query *qy, const std::string &text,
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
 * locale one or two edits away (Xapian's spelling table holds only
 * words of public articles, see kb_put).  Unknown means in no document
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
    Xapian::Query q(Xapian::Query::OP_OR, parts.begin(), parts.end());
    return add_proximity(q, content);
}

} /* namespace */

Xapian::Query kb_build_query(const Visible &vis, const kb_query *qy,
                             const std::string &locale, const std::string &other_locale,
                             std::string *suggestion)
{
    std::string text(qy->text ? qy->text : "");
    if (qy->prefix_last || has_syntax(text))
        return parser_query(vis, qy, text, locale);
    return plain_query(vis, qy, text, locale, other_locale, suggestion);
}
