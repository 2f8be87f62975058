/* kb_xapian.cc -- the index layer: open and close, article records,
 * writing (kb-index's side).  Searching is in kb_search.cc and
 * kb_query.cc; the three share kb_private.hh.
 *
 * Every exported function runs its body through kb_guarded(), which
 * turns each Xapian::Error (and bad_alloc) into a kb_status plus a
 * message on the handle, so no exception ever reaches a C caller. */
#include "kb_private.hh"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <unordered_map>

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
static void add_compound_terms(Xapian::Document &doc, const Xapian::Stem &stem)
{
    std::vector<std::pair<std::string, Xapian::termcount>> add;
    std::vector<std::string> parts;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        const std::string &w = *t;
        if (w.empty() || (w[0] >= 'A' && w[0] <= 'Z'))
            continue;
        parts.clear();
        kb_compound_parts(w, stem, &parts);
        for (const std::string &p : parts)
            add.emplace_back(p, t.get_wdf());
    }
    for (const auto &a : add)
        doc.add_term(a.first, a.second);
}

void kb_setup_termgen(Xapian::TermGenerator &tg, const std::string &locale)
{
    tg.set_stemmer(kb_stem_for(locale));
    /* Stems keep positions too, so phrases and proximity work across
     * inflections ("service requests" near "request a service"). */
    tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME_FULL_POS);
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

extern "C" kb_status kb_get_stats(kb_index *ix, kb_stats *out)
{
    if (!ix || !out)
        return KB_ERR_INVALID_ARG;
    return kb_guarded(ix, [&]() {
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
        Xapian::Stem stem = kb_stem_for(loc);
        bool compounds = kb_splits_compounds(loc) && kb_tune("X_COMP", 1);
        std::unordered_map<std::string, Xapian::termcount> spell;
        for (size_t i = 0; i < d->nunits; i++) {
            const kb_unit *u = &d->units[i];
            Xapian::Document doc;
            tg.set_document(doc);
            bool lead = !u->anchor || !*u->anchor;
            index_field(tg, d->title, (unsigned)KB_P(KB_WEIGHT_TITLE), KB_PREFIX_TITLE);
            if (lead)
                index_field(tg, d->description, (unsigned)KB_P(KB_WEIGHT_DESCRIPTION),
                            KB_PREFIX_DESCRIPTION);
            index_field(tg, u->title, (unsigned)KB_P(KB_WEIGHT_HEADING), KB_PREFIX_HEADING);
            for (size_t t = 0; t < d->ntags; t++) {
                index_field(tg, d->tags[t], (unsigned)KB_P(KB_WEIGHT_DESCRIPTION), nullptr);
                doc.add_boolean_term(KB_PREFIX_TAG + kb_lower_ascii(d->tags[t]));
            }
            index_field(tg, u->text, (unsigned)KB_P(KB_WEIGHT_BODY), nullptr);
            if (compounds)
                add_compound_terms(doc, stem);

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
