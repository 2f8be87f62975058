/* kb_open.cc -- the handle: status text, open and close, the last
 * error, reopening to the newest revision, counts, and the article
 * records kb-index stored (kb_article_get and friends). */
#include "kb_private.hh"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <sys/stat.h>

/* ---- errors, strings, keys -------------------------------------------- */

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

char *kb_dup_string(const std::string &s)
{
    char *p = static_cast<char *>(malloc(s.size() + 1));
    if (!p)
        throw std::bad_alloc();
    memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
}

/* ---- open / close ------------------------------------------------------ */

unsigned long long kb_db_revision(const Xapian::Database &db)
{
    std::string v = db.get_metadata(KB_META_REVISION);
    return v.empty() ? 0 : strtoull(v.c_str(), nullptr, 10);
}

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
        "a shard of the index did not answer",
    };
    if ((unsigned)st >= KB_STATUS_COUNT)
        return "unknown status";
    return text[st];
}

extern "C" kb_status kb_open_shards(const char *dir, unsigned nshards, int flags,
                                    kb_index **out)
{
    if (!out)
        return KB_ERR_INVALID_ARG;
    kb_index *ix = new (std::nothrow) kb_index;
    *out = ix;
    if (!ix)
        return KB_ERR_NOMEM;
    if (!dir || !*dir)
        return kb_set_err(ix, KB_ERR_INVALID_ARG, "no index directory given");
    if (nshards > KB_MAX_SHARDS || (nshards > 1 && !(flags & KB_OPEN_WRITE)))
        return kb_set_err(ix, KB_ERR_INVALID_ARG, "shards: from 1 to " +
                                                      std::to_string(KB_MAX_SHARDS) +
                                                      ", when writing");
    kb_status st = kb_guarded(ix, [&]() {
        ix->dir = dir;
        if (flags & KB_OPEN_WRITE) {
            kb_open_writer(ix, nshards, flags);
            return KB_OK;
        }
        kb_open_reader(ix, ix->dir, 0);
        /* An index of another schema lacks terms or values searches
         * need (the translation terms, the facet key): refused rather
         * than searched wrongly until kb-index rebuilds it. */
        std::string schema = ix->aux.get_metadata(KB_META_SCHEMA);
        if (!schema.empty() && schema != KB_SCHEMA_VERSION)
            return kb_set_err(ix, KB_ERR_NO_INDEX,
                              "the index was written with schema " + schema + ", this program "
                              "reads schema " KB_SCHEMA_VERSION ": run kb-index --full on it");
        return KB_OK;
    });
    if (st != KB_OK && ix->err.empty())
        kb_set_err(ix, st, kb_status_str(st));
    return st;
}

extern "C" kb_status kb_open(const char *dir, int flags, kb_index **out)
{
    return kb_open_shards(dir, 0, flags, out);
}

extern "C" void kb_close(kb_index *ix)
{
    if (!ix)
        return;
    try {
        if (ix->writable && ix->in_txn)
            kb_writer_cancel(ix);
        ix->db.close();
        ix->aux.close();
        if (ix->writable) {
            for (Xapian::WritableDatabase &w : ix->wshards)
                w.close();
            ix->wdb.close();
        }
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
        kb_refresh(ix);
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
    return kb_guarded_retry(ix, [&]() {
        for (int attempt = 0;; attempt++) {
            try {
                out->articles = ix->db.get_termfreq(KB_TERM_RECORD);
                out->sections = ix->db.get_termfreq(KB_TERM_UNIT);
                out->public_articles =
                    out->articles - count_internal(ix->db, KB_TERM_RECORD);
                out->public_sections = out->sections - count_internal(ix->db, KB_TERM_UNIT);
                out->revision = kb_db_revision(ix->aux);
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

extern "C" kb_status kb_article_get(kb_index *ix, const char *id, const char *locale,
                                    const char *default_locale, int include_internal,
                                    char **json_out)
{
    if (!ix || !id || !json_out)
        return KB_ERR_INVALID_ARG;
    *json_out = nullptr;
    return kb_guarded_retry(ix, [&]() {
        kb_refresh(ix);
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
                *json_out = kb_dup_string(doc.get_data());
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
    return kb_guarded_retry(ix, [&]() {
        std::string pfx(KB_PREFIX_LOCALE);
        for (Xapian::TermIterator t = ix->db.allterms_begin(pfx);
             t != ix->db.allterms_end(pfx) && *n < max; ++t) {
            std::string loc = (*t).substr(pfx.size());
            Xapian::Document doc;
            if (find_record(ix, kb_article_key(loc.c_str(), id), include_internal, &doc))
                locales[(*n)++] = kb_dup_string(loc);
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

