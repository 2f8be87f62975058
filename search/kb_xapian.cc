/* kb_xapian.cc -- the only file that includes <xapian.h>.
 *
 * Every exported function runs its body through guarded(), which turns
 * each Xapian::Error (and bad_alloc) into a kb_status plus a message on
 * the handle, so no exception ever reaches a C caller.  Search results
 * are copied out of the MSet before returning, so iterating them is
 * plain C that cannot fail. */
#include "kb.h"
#include "kb_schema.h"
#include "stopwords.h"

#include <xapian.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <unordered_set>
#include <vector>

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
};

struct kb_results {
    std::vector<std::string> strings; /* owns every hit string */
    std::vector<kb_hit> hits;
    unsigned long total = 0;
    std::string locale;
};

/* ---- helpers ----------------------------------------------------------- */

static kb_status set_err(kb_index *ix, kb_status st, const std::string &msg)
{
    if (ix) {
        try {
            ix->err = msg;
        } catch (...) {
        }
    }
    return st;
}

template <class Body>
static kb_status guarded(kb_index *ix, Body &&body) noexcept
{
    try {
        return body();
    } catch (const Xapian::QueryParserError &e) {
        return set_err(ix, KB_ERR_BAD_QUERY, e.get_description());
    } catch (const Xapian::DatabaseLockError &e) {
        return set_err(ix, KB_ERR_LOCKED, e.get_description());
    } catch (const Xapian::DatabaseNotFoundError &e) {
        return set_err(ix, KB_ERR_NO_INDEX, e.get_description());
    } catch (const Xapian::DatabaseOpeningError &e) {
        return set_err(ix, KB_ERR_NO_INDEX, e.get_description());
    } catch (const Xapian::Error &e) {
        return set_err(ix, KB_ERR_BACKEND, e.get_description());
    } catch (const std::bad_alloc &) {
        return set_err(ix, KB_ERR_NOMEM, "out of memory");
    } catch (const std::exception &e) {
        return set_err(ix, KB_ERR_BACKEND, e.what());
    } catch (...) {
        return set_err(ix, KB_ERR_BACKEND, "unknown error");
    }
}

/* Terms are limited to 245 bytes; long keys become a stable hash. */
static std::string key_term(const char *prefix, const std::string &key)
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

static std::string article_key(const char *locale, const char *id)
{
    std::string k(locale ? locale : "");
    k += '/';
    k += id ? id : "";
    return k;
}

static std::string lower_ascii(const char *s)
{
    std::string r(s ? s : "");
    for (char &c : r)
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
    return r;
}

/* "ru-ru" -> "ru"; the part before the first '-' or '_'. */
static std::string locale_lang(const std::string &locale)
{
    size_t n = locale.find_first_of("-_");
    return lower_ascii(locale.substr(0, n).c_str());
}

static Xapian::Stem stem_for(const std::string &locale)
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
    std::string lang = locale_lang(locale);
    for (const auto &m : map)
        if (lang == m.lang)
            return Xapian::Stem(m.stemmer);
    return Xapian::Stem(); /* CJK and unknown: no stemming */
}

static bool is_cjk_locale(const std::string &locale)
{
    std::string lang = locale_lang(locale);
    return lang == "zh" || lang == "ja" || lang == "ko";
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
        return set_err(ix, KB_ERR_INVALID_ARG, "no index directory given");
    return guarded(ix, [&]() {
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
    return guarded(ix, [&]() {
        if (!ix->writable)
            ix->db.reopen();
        return KB_OK;
    });
}

extern "C" kb_status kb_get_stats(kb_index *ix, kb_stats *out)
{
    if (!ix || !out)
        return KB_ERR_INVALID_ARG;
    return guarded(ix, [&]() {
        for (int attempt = 0;; attempt++) {
            try {
                out->articles = ix->db.get_termfreq(KB_TERM_RECORD);
                out->sections = ix->db.get_termfreq(KB_TERM_UNIT);
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

/* ---- search ------------------------------------------------------------ */

/* Rejects default-locale units of articles that exist in the requested
 * locale, so each article appears once, in the best language. */
class FallbackDecider : public Xapian::MatchDecider {
  public:
    FallbackDecider(const Xapian::Database &db, std::string want,
                    std::string fallback)
        : db_(db), want_(std::move(want)), fallback_(std::move(fallback))
    {
    }
    bool operator()(const Xapian::Document &doc) const override
    {
        if (doc.get_value(KB_SLOT_LOCALE) != fallback_)
            return true;
        std::string id = doc.get_value(KB_SLOT_ID);
        return !db_.term_exists(
            key_term(KB_PREFIX_RECORD, article_key(want_.c_str(), id.c_str())));
    }

  private:
    const Xapian::Database &db_;
    std::string want_, fallback_;
};

static void configure_parser(Xapian::QueryParser &qp, const Xapian::Database &db,
                             const std::string &locale,
                             Xapian::SimpleStopper &stopper)
{
    qp.set_database(db);
    qp.set_stemmer(stem_for(locale));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    const char *const *words = stopwords_for(locale_lang(locale).c_str());
    if (words) {
        for (; *words; words++)
            stopper.add(*words);
        qp.set_stopper(&stopper);
    }
    qp.set_default_op(Xapian::Query::OP_OR);
    qp.add_prefix("title", KB_PREFIX_TITLE);
    qp.add_prefix("heading", KB_PREFIX_HEADING);
    qp.add_prefix("description", KB_PREFIX_DESCRIPTION);
    qp.add_boolean_prefix("topic", KB_PREFIX_TOPIC);
    qp.add_boolean_prefix("product", KB_PREFIX_PRODUCT);
    qp.add_boolean_prefix("tag", KB_PREFIX_TAG);
}

/* Parses with the full syntax; when that fails (unbalanced quotes or
 * brackets, a stray operator), falls back to plain words, so a
 * customer's typo never turns into an error page. */
static Xapian::Query parse_text(const Xapian::Database &db, const std::string &text,
                                const std::string &locale, bool prefix_last)
{
    Xapian::QueryParser qp;
    Xapian::SimpleStopper stopper;
    configure_parser(qp, db, locale, stopper);
    unsigned flags = Xapian::QueryParser::FLAG_PHRASE |
                     Xapian::QueryParser::FLAG_BOOLEAN |
                     Xapian::QueryParser::FLAG_LOVEHATE |
                     Xapian::QueryParser::FLAG_CJK_NGRAM;
    if (prefix_last)
        flags |= Xapian::QueryParser::FLAG_PARTIAL;
    try {
        return qp.parse_query(text, flags);
    } catch (const Xapian::QueryParserError &) {
        unsigned plain = Xapian::QueryParser::FLAG_CJK_NGRAM;
        if (prefix_last)
            plain |= Xapian::QueryParser::FLAG_PARTIAL;
        return qp.parse_query(text, plain);
    }
}

static Xapian::Query locale_query(const Xapian::Database &db, const std::string &text,
                                  const std::string &locale, bool prefix_last)
{
    Xapian::Query q = parse_text(db, text, locale, prefix_last);
    if (q.empty())
        return q;
    return Xapian::Query(Xapian::Query::OP_FILTER, q,
                         Xapian::Query(KB_PREFIX_LOCALE + locale));
}

static void add_string(kb_results *r, const std::string &s)
{
    r->strings.push_back(s);
}

static kb_status run_search(kb_index *ix, const kb_query *qy, kb_results *r)
{
    std::string want = lower_ascii(qy->locale && *qy->locale ? qy->locale
                                                              : qy->default_locale);
    std::string fallback = lower_ascii(qy->default_locale ? qy->default_locale
                                                          : want.c_str());
    if (want.empty())
        want = fallback;
    /* A locale with no content at all searches the default one. */
    if (want != fallback && !ix->db.term_exists(KB_PREFIX_LOCALE + want))
        want = fallback;
    r->locale = want;

    std::string text(qy->text ? qy->text : "");
    Xapian::Query q = locale_query(ix->db, text, want, qy->prefix_last != 0);
    bool use_fallback = want != fallback;
    if (use_fallback) {
        Xapian::Query f = locale_query(ix->db, text, fallback, qy->prefix_last != 0);
        q = Xapian::Query(Xapian::Query::OP_OR, q, f);
    }
    if (q.empty())
        return KB_OK;

    Xapian::Query filter(KB_TERM_UNIT);
    if (qy->topic && *qy->topic)
        filter = Xapian::Query(Xapian::Query::OP_FILTER, filter,
                               Xapian::Query(KB_PREFIX_TOPIC + lower_ascii(qy->topic)));
    if (qy->product && *qy->product)
        filter = Xapian::Query(Xapian::Query::OP_FILTER, filter,
                               Xapian::Query(KB_PREFIX_PRODUCT + lower_ascii(qy->product)));
    q = Xapian::Query(Xapian::Query::OP_FILTER, q, filter);
    if (!qy->include_internal)
        q = Xapian::Query(Xapian::Query::OP_AND_NOT, q, Xapian::Query(KB_TERM_INTERNAL));

    Xapian::Enquire enq(ix->db);
    enq.set_query(q);
    enq.set_collapse_key(KB_SLOT_ID);
    enq.set_weighting_scheme(Xapian::BM25Weight(KB_BM25_K1, 0, 1, KB_BM25_B, 0.5));
    FallbackDecider decider(ix->db, want, fallback);
    unsigned limit = qy->limit ? qy->limit : 10;
    if (limit > 100)
        limit = 100;
    Xapian::MSet mset = enq.get_mset(qy->offset, limit, qy->offset + limit + 100,
                                     nullptr, use_fallback ? &decider : nullptr);
    r->total = mset.get_matches_estimated();

    /* Strings first, then pointers: the vector must not move after. */
    r->strings.reserve(mset.size() * 9);
    std::vector<std::pair<std::string, double>> meta;
    for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
        Xapian::Document doc = it.get_document();
        std::string loc = doc.get_value(KB_SLOT_LOCALE);
        unsigned sflags = Xapian::MSet::SNIPPET_BACKGROUND_MODEL |
                          Xapian::MSet::SNIPPET_EXHAUSTIVE;
        if (is_cjk_locale(loc))
            sflags |= Xapian::MSet::SNIPPET_CJK_NGRAM;
        std::string snippet = mset.snippet(doc.get_data(), KB_SNIPPET_BYTES,
                                           stem_for(loc), sflags, "<mark>",
                                           "</mark>", "\xE2\x80\xA6");
        add_string(r, doc.get_value(KB_SLOT_ID));
        add_string(r, loc);
        add_string(r, doc.get_value(KB_SLOT_TITLE));
        add_string(r, doc.get_value(KB_SLOT_TOPIC));
        add_string(r, doc.get_value(KB_SLOT_PRODUCT));
        add_string(r, doc.get_value(KB_SLOT_UPDATED));
        add_string(r, doc.get_value(KB_SLOT_ANCHOR));
        add_string(r, doc.get_value(KB_SLOT_SECTION));
        add_string(r, snippet);
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

extern "C" kb_status kb_search(kb_index *ix, const kb_query *qy, kb_results **out)
{
    if (!ix || !qy || !out)
        return KB_ERR_INVALID_ARG;
    *out = nullptr;
    return guarded(ix, [&]() {
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

extern "C" void kb_results_free(kb_results *r)
{
    delete r;
}

/* ---- articles ---------------------------------------------------------- */

static bool find_record(kb_index *ix, const std::string &key, int include_internal,
                        Xapian::Document *doc)
{
    std::string term = key_term(KB_PREFIX_RECORD, key);
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
    return guarded(ix, [&]() {
        if (!ix->writable)
            ix->db.reopen();
        for (int attempt = 0;; attempt++) {
            try {
                Xapian::Document doc;
                std::string want = lower_ascii(locale && *locale ? locale : default_locale);
                bool found = find_record(ix, article_key(want.c_str(), id),
                                         include_internal, &doc);
                if (!found && default_locale) {
                    std::string fb = lower_ascii(default_locale);
                    found = find_record(ix, article_key(fb.c_str(), id),
                                        include_internal, &doc);
                }
                if (!found)
                    return set_err(ix, KB_ERR_NOT_FOUND, "no such article");
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
    return guarded(ix, [&]() {
        std::string pfx(KB_PREFIX_LOCALE);
        for (Xapian::TermIterator t = ix->db.allterms_begin(pfx);
             t != ix->db.allterms_end(pfx) && *n < max; ++t) {
            std::string loc = (*t).substr(pfx.size());
            Xapian::Document doc;
            if (find_record(ix, article_key(loc.c_str(), id), include_internal, &doc))
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
    return guarded(ix, [&]() {
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
        return set_err(ix, KB_ERR_INVALID_ARG, "index opened read-only");
    return KB_OK;
}

extern "C" kb_status kb_begin(kb_index *ix)
{
    kb_status st = need_writer(ix);
    if (st != KB_OK)
        return st;
    return guarded(ix, [&]() {
        if (!ix->in_txn) {
            ix->wdb.begin_transaction(true);
            ix->in_txn = true;
            ix->snapshot = Xapian::Database(ix->dir);
            ix->cleared = false;
            ix->put_keys.clear();
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
    doc.add_value(KB_SLOT_TOPIC, lower_ascii(d->topic));
    doc.add_value(KB_SLOT_PRODUCT, lower_ascii(d->product));
    doc.add_value(KB_SLOT_UPDATED, d->updated ? d->updated : "");
}

extern "C" kb_status kb_put(kb_index *ix, const kb_doc *d)
{
    kb_status st = need_writer(ix);
    if (st != KB_OK)
        return st;
    if (!d || !d->id || !*d->id || !d->locale || !*d->locale)
        return set_err(ix, KB_ERR_INVALID_ARG, "article without id or locale");
    return guarded(ix, [&]() {
        std::string loc = lower_ascii(d->locale);
        std::string key = article_key(loc.c_str(), d->id);
        std::string kterm = key_term(KB_PREFIX_KEY, key);
        bool may_exist = !ix->in_txn || ix->put_keys.count(key) ||
                         (!ix->cleared && ix->snapshot.term_exists(kterm));
        if (may_exist)
            ix->wdb.delete_document(kterm);
        if (ix->in_txn)
            ix->put_keys.insert(key);

        std::string flags_base;
        if (d->internal)
            flags_base += 'i';
        if (d->machine_translated)
            flags_base += 'm';

        Xapian::Document rec;
        add_common(rec, d, loc, kterm);
        rec.add_boolean_term(key_term(KB_PREFIX_RECORD, key));
        rec.add_boolean_term(KB_TERM_RECORD);
        rec.add_value(KB_SLOT_FLAGS, flags_base);
        rec.set_data(d->record_json ? d->record_json : "{}");
        ix->wdb.add_document(rec);

        Xapian::TermGenerator tg;
        tg.set_stemmer(stem_for(loc));
        tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
        tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
        for (size_t i = 0; i < d->nunits; i++) {
            const kb_unit *u = &d->units[i];
            Xapian::Document doc;
            tg.set_document(doc);
            bool lead = !u->anchor || !*u->anchor;
            index_field(tg, d->title, KB_WEIGHT_TITLE, KB_PREFIX_TITLE);
            if (lead)
                index_field(tg, d->description, KB_WEIGHT_DESCRIPTION,
                            KB_PREFIX_DESCRIPTION);
            index_field(tg, u->title, KB_WEIGHT_HEADING, KB_PREFIX_HEADING);
            for (size_t t = 0; t < d->ntags; t++) {
                index_field(tg, d->tags[t], KB_WEIGHT_DESCRIPTION, nullptr);
                doc.add_boolean_term(KB_PREFIX_TAG + lower_ascii(d->tags[t]));
            }
            index_field(tg, u->text, KB_WEIGHT_BODY, nullptr);

            add_common(doc, d, loc, kterm);
            doc.add_boolean_term(KB_TERM_UNIT);
            doc.add_boolean_term(
                key_term(KB_PREFIX_UNIT, key + "#" + (u->anchor ? u->anchor : "")));
            if (d->topic && *d->topic)
                doc.add_boolean_term(KB_PREFIX_TOPIC + lower_ascii(d->topic));
            if (d->product && *d->product)
                doc.add_boolean_term(KB_PREFIX_PRODUCT + lower_ascii(d->product));
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
            ix->wdb.add_document(doc);
        }
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
    return guarded(ix, [&]() {
        std::string key = article_key(lower_ascii(locale).c_str(), id);
        ix->wdb.delete_document(key_term(KB_PREFIX_KEY, key));
        return KB_OK;
    });
}

extern "C" kb_status kb_clear(kb_index *ix)
{
    kb_status st = need_writer(ix);
    if (st != KB_OK)
        return st;
    return guarded(ix, [&]() {
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
        ix->cleared = true;
        ix->put_keys.clear();
        return KB_OK;
    });
}

static std::string file_meta_key(const char *path)
{
    return key_term(KB_META_FILE, path);
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
    return guarded(ix, [&]() {
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
    return guarded(ix, [&]() {
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
    return guarded(ix, [&]() {
        ix->wdb.set_metadata(file_meta_key(path), "");
        return KB_OK;
    });
}

extern "C" kb_status kb_foreach_file(kb_index *ix, kb_file_fn fn, void *ctx)
{
    if (!ix || !fn)
        return KB_ERR_INVALID_ARG;
    return guarded(ix, [&]() {
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
    return guarded(ix, [&]() {
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
    return guarded(ix, [&]() {
        if (ix->in_txn) {
            ix->in_txn = false;
            ix->wdb.cancel_transaction();
        }
        return KB_OK;
    });
}
