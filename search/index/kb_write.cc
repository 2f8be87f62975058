/* kb_write.cc -- kb-index's side of the index: one transaction per run
 * (kb_begin ... kb_commit), articles added or replaced by key (kb_put),
 * deleted, the spelling counts of public text kept in step, and the
 * file bookkeeping of incremental runs.  kb_schema.h describes what is
 * written. */
#include "kb_private.hh"

#include <cstring>

/* ---- stems and compounds ----------------------------------------------- */

namespace {

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

} /* namespace */

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

/* Adds the compound endings of the document's words (see kb_schema.h),
 * each with the wdf of its word. */
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

/* ---- the run ---------------------------------------------------------- */

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
    for (Xapian::WritableDatabase &w : ix->wshards) {
        std::vector<Xapian::docid> ids;
        for (Xapian::PostingIterator p = w.postlist_begin(""); p != w.postlist_end(""); ++p)
            ids.push_back(*p);
        for (Xapian::docid id : ids)
            w.delete_document(id);
    }
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
    ix->dirty_ids.clear();
}

/* The locales the writer's index may hold (see kb_index.locales). */
static void know_locales(kb_index *ix)
{
    if (ix->locales_known)
        return;
    ix->locales.clear();
    std::vector<Xapian::Database> from(ix->snapshots.begin(), ix->snapshots.end());
    if (from.empty()) /* no transaction: what the shards hold now */
        from.assign(ix->wshards.begin(), ix->wshards.end());
    for (const Xapian::Database &d : from)
        for (Xapian::TermIterator t = d.allterms_begin(KB_PREFIX_LOCALE);
             t != d.allterms_end(KB_PREFIX_LOCALE); ++t)
            ix->locales.insert((*t).substr(strlen(KB_PREFIX_LOCALE)));
    ix->locales_known = true;
}

/* Adds doc to shard s.  With several shards the document gets the id
 * it would have in one index written in the same order (the shards'
 * ids interleave: id i of shard s is (i - 1) * N + s + 1 of the whole),
 * so equal weights rank in the same order as in one index: ids are
 * never reused, and each new one is the next free one of its shard
 * after every id given so far. */
static void add_to_shard(kb_index *ix, size_t s, const Xapian::Document &doc)
{
    size_t n = ix->wshards.size();
    if (n == 1) {
        ix->wshards[0].add_document(doc);
        return;
    }
    if (!ix->next_docid) {
        Xapian::docid next = 1;
        for (size_t i = 0; i < n; i++) {
            Xapian::docid last = ix->wshards[i].get_lastdocid();
            if (last && (last - 1) * n + i + 2 > next)
                next = (Xapian::docid)((last - 1) * n + i + 2);
        }
        ix->next_docid = next;
    }
    Xapian::docid g = ix->next_docid + (Xapian::docid)((s + n - (ix->next_docid - 1) % n) % n);
    ix->wshards[s].replace_document((Xapian::docid)((g - 1) / n + 1), doc);
    ix->next_docid = g + 1;
}

extern "C" kb_status kb_begin(kb_index *ix)
{
    kb_status st = need_writer(ix);
    if (st != KB_OK)
        return st;
    return kb_guarded(ix, [&]() {
        if (!ix->in_txn) {
            ix->wdb.begin_transaction(true);
            if (ix->wshards.size() > 1)
                for (Xapian::WritableDatabase &w : ix->wshards)
                    w.begin_transaction(true);
            ix->in_txn = true;
            ix->snapshots.clear();
            for (size_t i = 0; i < ix->wshards.size(); i++)
                ix->snapshots.emplace_back(kb_shard_path(ix, i));
            ix->cleared = false;
            ix->put_keys.clear();
            ix->dirty_ids.clear();
            ix->next_docid = 0;
            ix->locales_known = false;
            know_locales(ix);
            /* An index written with another schema is rebuilt: the run
             * then finds no file hashes and parses every file again. */
            std::string schema = Xapian::Database(kb_aux_path(ix)).get_metadata(KB_META_SCHEMA);
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
    std::string facets = loc;
    facets += '\0';
    facets += kb_lower_ascii(d->topic);
    facets += '\0';
    facets += kb_lower_ascii(d->product);
    facets += '\0';
    facets += d->id;
    facets += '\0';
    doc.add_value(KB_SLOT_FACETS, facets);
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
static void drop_article(kb_index *ix, size_t s, const std::string &kterm,
                         const Xapian::Database &from)
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
    ix->wshards[s].delete_document(kterm);
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
        size_t s = kb_shard_of(d->id, ix->wshards.size());
        bool pending = !ix->in_txn || ix->put_keys.count(key);
        bool committed = !pending && !ix->cleared && ix->snapshots[s].term_exists(kterm);
        if (pending || committed)
            drop_article(ix, s, kterm,
                         pending ? Xapian::Database(ix->wshards[s]) : ix->snapshots[s]);
        if (ix->in_txn)
            ix->put_keys.insert(key);
        know_locales(ix);
        ix->locales.insert(loc);
        ix->dirty_ids.insert(d->id);
        /* As the other locales are now; kb_commit() updates them and
         * these if a translation comes or goes later in the run. */
        std::vector<std::string> trans = kb_translation_terms(ix, s, d->id, loc);

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
        for (const std::string &t : trans)
            rec.add_boolean_term(t);
        add_to_shard(ix, s, rec);

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
            for (const std::string &t : trans)
                doc.add_boolean_term(t);
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
            add_to_shard(ix, s, doc);
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
        size_t s = kb_shard_of(id, ix->wshards.size());
        drop_article(ix, s, kb_key_term(KB_PREFIX_KEY, key), ix->wshards[s]);
        ix->dirty_ids.insert(id);
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
        std::string v = ix->aux.get_metadata(file_meta_key(path));
        std::string h, k, p;
        if (!v.empty() && split_file_meta(v, &h, &k, &p) && p == path) {
            *hash_out = kb_dup_string(h);
            try {
                *key_out = kb_dup_string(k);
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
        for (Xapian::TermIterator k = ix->aux.metadata_keys_begin(KB_META_FILE);
             k != ix->aux.metadata_keys_end(KB_META_FILE); ++k) {
            std::string v = ix->aux.get_metadata(*k);
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

void kb_writer_cancel(kb_index *ix)
{
    if (!ix->in_txn)
        return;
    ix->in_txn = false;
    if (ix->wshards.size() > 1)
        for (Xapian::WritableDatabase &w : ix->wshards)
            w.cancel_transaction();
    ix->wdb.cancel_transaction();
}

extern "C" kb_status kb_commit(kb_index *ix)
{
    kb_status st = need_writer(ix);
    if (st != KB_OK)
        return st;
    return kb_guarded(ix, [&]() {
        kb_fix_translations(ix);
        /* Every shard carries the schema and revision too: a reader of
         * remote shards without the auxiliary database reads them from
         * the first.  The shards commit first, the auxiliary database
         * (file list, revision) last. */
        std::string rev = std::to_string(ix->wdb.get_revision() + 1);
        ix->wdb.set_metadata(KB_META_SCHEMA, KB_SCHEMA_VERSION);
        ix->wdb.set_metadata(KB_META_REVISION, rev);
        if (ix->wshards.size() > 1) {
            for (Xapian::WritableDatabase &w : ix->wshards) {
                w.set_metadata(KB_META_SCHEMA, KB_SCHEMA_VERSION);
                w.set_metadata(KB_META_REVISION, rev);
                if (ix->in_txn)
                    w.commit_transaction();
                else
                    w.commit();
            }
        }
        if (ix->in_txn) {
            ix->in_txn = false;
            ix->wdb.commit_transaction();
        } else {
            ix->wdb.commit();
        }
        ix->dirty_ids.clear();
        return KB_OK;
    });
}

extern "C" kb_status kb_cancel(kb_index *ix)
{
    kb_status st = need_writer(ix);
    if (st != KB_OK)
        return st;
    return kb_guarded(ix, [&]() {
        kb_writer_cancel(ix);
        ix->dirty_ids.clear();
        return KB_OK;
    });
}
