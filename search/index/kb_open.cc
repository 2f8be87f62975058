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

/* A kb stub file: Xapian's stub format (one shard a line, '#' comments,
 * "auto PATH" or "glass PATH" relative to the stub's folder, "remote
 * :HOST:PORT" for a shard served by xapian-tcpsrv), where a remote line
 * may name several replicas of its shard:
 *
 *     remote :127.0.0.11:7001 :127.0.0.12:7001
 *
 * Xapian's own opener would wait up to 10 s for a shard that does not
 * answer; here each connection gets KB_REMOTE_CONNECT_MS to connect and
 * KB_REMOTE_TIMEOUT_MS per exchange, and turn picks which replica of
 * each shard comes first, so that a retry after a NetworkError goes to
 * another one. */
#define KB_REMOTE_CONNECT_MS 500
#define KB_REMOTE_TIMEOUT_MS 1500

static bool is_remote_stub(const std::string &path)
{
    struct stat sb;
    if (stat(path.c_str(), &sb) != 0 || !S_ISREG(sb.st_mode))
        return false;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
        if (line.compare(0, 7, "remote ") == 0)
            return true;
    return false;
}

static Xapian::Database open_remote(const std::string &spec)
{
    /* ":HOST:PORT" (HOST may be empty: localhost) */
    size_t colon = spec.rfind(':');
    if (spec.empty() || spec[0] != ':' || colon == 0 || colon + 1 >= spec.size())
        throw Xapian::DatabaseOpeningError("bad remote shard '" + spec +
                                           "' (want :HOST:PORT)");
    std::string host = spec.substr(1, colon - 1);
    unsigned port = (unsigned)atoi(spec.c_str() + colon + 1);
    return Xapian::Remote::open(host.empty() ? "127.0.0.1" : host, port,
                                KB_REMOTE_TIMEOUT_MS, KB_REMOTE_CONNECT_MS);
}

static Xapian::Database open_kb_stub(const std::string &path, unsigned turn)
{
    std::string base = path.substr(0, path.rfind('/') + 1);
    std::ifstream in(path);
    std::string line;
    Xapian::Database all;
    unsigned shards = 0;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string type, arg;
        if (!(words >> type) || type[0] == '#')
            continue;
        std::vector<std::string> args;
        while (words >> arg)
            args.push_back(arg);
        if (args.empty())
            throw Xapian::DatabaseOpeningError(path + ": '" + type + "' needs an argument");
        if (type != "remote") {
            std::string p = args[0][0] == '/' ? args[0] : base + args[0];
            all.add_database(Xapian::Database(p));
            shards++;
            continue;
        }
        /* The shard's replicas from turn on; the first that connects. */
        std::string why;
        bool opened = false;
        for (size_t i = 0; i < args.size() && !opened; i++) {
            try {
                all.add_database(open_remote(args[(turn + i) % args.size()]));
                opened = true;
            } catch (const Xapian::NetworkError &e) {
                why = e.get_description();
            }
        }
        if (!opened)
            throw Xapian::NetworkError("shard " + std::to_string(shards + 1) + " of " + path +
                                       " did not answer: " + why);
        shards++;
    }
    if (!shards)
        throw Xapian::DatabaseOpeningError(path + ": no shard listed");
    return all;
}

Xapian::Database kb_open_reader(const std::string &path)
{
    if (is_remote_stub(path))
        return open_kb_stub(path, 0);
    return Xapian::Database(path);
}

void kb_refresh(kb_index *ix)
{
    if (ix->writable)
        return;
    bool remote = is_remote_stub(ix->dir);
    try {
        ix->db.reopen();
        return;
    } catch (const Xapian::DatabaseOpeningError &) {
        /* A replica's full copy: the files this handle had are gone. */
    } catch (const Xapian::NetworkError &) {
        /* A shard's connection dropped: try the next replica first. */
        ix->replica_turn++;
    }
    ix->db = remote ? open_kb_stub(ix->dir, ix->replica_turn) : Xapian::Database(ix->dir);
}

void kb_reconnect(kb_index *ix)
{
    ix->replica_turn++;
    ix->db = is_remote_stub(ix->dir) ? open_kb_stub(ix->dir, ix->replica_turn)
                                     : Xapian::Database(ix->dir);
}

unsigned long long kb_db_revision(const Xapian::Database &db)
{
    std::string v = db.get_metadata(KB_META_REVISION);
    if (!v.empty())
        return strtoull(v.c_str(), nullptr, 10);
    try {
        return db.get_revision();
    } catch (const Xapian::InvalidOperationError &) {
        return 0; /* several shards, none written by kb-index */
    }
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
            ix->db = kb_open_reader(dir);
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
    return kb_guarded(ix, [&]() {
        for (int attempt = 0;; attempt++) {
            try {
                out->articles = ix->db.get_termfreq(KB_TERM_RECORD);
                out->sections = ix->db.get_termfreq(KB_TERM_UNIT);
                out->public_articles =
                    out->articles - count_internal(ix->db, KB_TERM_RECORD);
                out->public_sections = out->sections - count_internal(ix->db, KB_TERM_UNIT);
                out->revision = kb_db_revision(ix->db);
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
    return kb_guarded(ix, [&]() {
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
    return kb_guarded(ix, [&]() {
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

