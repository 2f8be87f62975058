/* kb_learn.cc -- the learned field: the words of questions that readers
 * confirmed an answer unit solved (kb_learn_apply), kept in the unit's
 * own document under KB_PREFIX_LEARNED, and the set applied, kept in
 * the index's metadata so that a run that replaced an article can put
 * its learned words back (kb_learn_reapply).  kb_schema.h says how the
 * field is weighted at query time. */
#include "kb_private.hh"

#include <map>
#include <set>

namespace {

struct learned {
    std::string locale, article, section, query;
};

/* Metadata value: one "locale\tarticle\tsection\tquery" per line.  The
 * store normalizes queries to one line of text; tabs and line ends left
 * in any field are made spaces. */
std::string clean(const char *s)
{
    std::string out(s ? s : "");
    for (char &c : out)
        if (c == '\t' || c == '\n' || c == '\r')
            c = ' ';
    return out;
}

std::string serialize(const std::vector<learned> &v)
{
    std::string out;
    for (const learned &l : v)
        out += l.locale + '\t' + l.article + '\t' + l.section + '\t' + l.query + '\n';
    return out;
}

std::vector<learned> parse(const std::string &s)
{
    std::vector<learned> v;
    size_t pos = 0;
    while (pos < s.size()) {
        size_t end = s.find('\n', pos);
        if (end == std::string::npos)
            end = s.size();
        std::string line = s.substr(pos, end - pos);
        pos = end + 1;
        size_t a = line.find('\t'), b, c;
        if (a == std::string::npos || (b = line.find('\t', a + 1)) == std::string::npos ||
            (c = line.find('\t', b + 1)) == std::string::npos)
            continue;
        v.push_back({line.substr(0, a), line.substr(a + 1, b - a - 1),
                     line.substr(b + 1, c - b - 1), line.substr(c + 1)});
    }
    return v;
}

bool is_learned_term(const std::string &t)
{
    static const std::string plain = KB_PREFIX_LEARNED, stemmed = "Z" KB_PREFIX_LEARNED;
    return (t.compare(0, plain.size(), plain) == 0 && t != KB_TERM_LEARNED) ||
           t.compare(0, stemmed.size(), stemmed) == 0;
}

/* Takes every learned word off every unit that has some. */
void clear_learned(kb_index *ix)
{
    for (Xapian::WritableDatabase &w : ix->wshards) {
        std::vector<Xapian::docid> ids;
        for (Xapian::PostingIterator p = w.postlist_begin(KB_TERM_LEARNED);
             p != w.postlist_end(KB_TERM_LEARNED); ++p)
            ids.push_back(*p);
        for (Xapian::docid id : ids) {
            Xapian::Document doc = w.get_document(id);
            std::vector<std::string> drop;
            for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t)
                if (is_learned_term(*t) || *t == KB_TERM_LEARNED)
                    drop.push_back(*t);
            for (const std::string &t : drop)
                doc.remove_term(t);
            w.replace_document(id, doc);
        }
    }
}

/* A unit: its shard and its document id there. */
typedef std::pair<size_t, Xapian::docid> unit_ref;

/* The unit a pair names: its section, else the article's lead; docid 0
 * when the article is not in the index. */
unit_ref find_unit(kb_index *ix, const learned &l)
{
    std::string key = kb_article_key(l.locale.c_str(), l.article.c_str());
    size_t s = kb_shard_of(l.article, ix->wshards.size());
    Xapian::WritableDatabase &w = ix->wshards[s];
    for (const std::string &anchor : {l.section, std::string()}) {
        std::string term = kb_key_term(KB_PREFIX_UNIT, key + "#" + anchor);
        Xapian::PostingIterator p = w.postlist_begin(term);
        if (p != w.postlist_end(term))
            return unit_ref(s, *p);
        if (anchor.empty())
            break;
    }
    return unit_ref(0, 0);
}

/* Clears the field, then adds each pair's words to its unit: each word
 * once per pair, at most KB_LEARN_MAX_WDF per unit, so that many
 * pairs cannot pile one word up.  Returns the pairs applied. */
size_t apply_pairs(kb_index *ix, const std::vector<learned> &pairs)
{
    clear_learned(ix);
    std::map<unit_ref, std::map<std::string, Xapian::termcount>> add;
    size_t applied = 0;
    for (const learned &l : pairs) {
        unit_ref id = find_unit(ix, l);
        if (!id.second)
            continue; /* the article is gone: the pair is dropped */
        Xapian::TermGenerator tg;
        kb_setup_termgen(tg, l.locale);
        Xapian::Document words;
        tg.set_document(words);
        tg.index_text_without_positions(l.query, 1, KB_PREFIX_LEARNED);
        std::map<std::string, Xapian::termcount> &unit = add[id];
        bool any = false;
        for (Xapian::TermIterator t = words.termlist_begin(); t != words.termlist_end(); ++t) {
            Xapian::termcount &n = unit[*t];
            if (n < KB_LEARN_MAX_WDF)
                n++;
            any = true;
        }
        applied += any;
    }
    for (const auto &u : add) {
        if (u.second.empty())
            continue;
        Xapian::WritableDatabase &w = ix->wshards[u.first.first];
        Xapian::Document doc = w.get_document(u.first.second);
        for (const auto &t : u.second)
            doc.add_term(t.first, t.second);
        doc.add_boolean_term(KB_TERM_LEARNED);
        w.replace_document(u.first.second, doc);
    }
    return applied;
}

kb_status need_writer(kb_index *ix)
{
    if (!ix)
        return KB_ERR_INVALID_ARG;
    if (!ix->writable)
        return kb_set_err(ix, KB_ERR_INVALID_ARG, "index opened read-only");
    return KB_OK;
}

} /* namespace */

extern "C" kb_status kb_learn_apply(kb_index *ix, const kb_learned *pairs, size_t n,
                                    size_t *applied)
{
    kb_status st = need_writer(ix);
    if (st != KB_OK)
        return st;
    if ((n && !pairs) || !applied)
        return KB_ERR_INVALID_ARG;
    *applied = 0;
    return kb_guarded(ix, [&]() {
        std::vector<learned> v;
        for (size_t i = 0; i < n; i++) {
            const kb_learned &p = pairs[i];
            if (!p.query || !*p.query || !p.article || !*p.article || !p.locale)
                continue;
            v.push_back({kb_lower_ascii(p.locale), clean(p.article), clean(p.section),
                         clean(p.query)});
        }
        *applied = apply_pairs(ix, v);
        ix->wdb.set_metadata(KB_META_LEARNED, serialize(v));
        return KB_OK;
    });
}

extern "C" kb_status kb_learn_reapply(kb_index *ix, size_t *applied)
{
    kb_status st = need_writer(ix);
    if (st != KB_OK)
        return st;
    if (!applied)
        return KB_ERR_INVALID_ARG;
    *applied = 0;
    return kb_guarded(ix, [&]() {
        std::string meta = ix->wdb.get_metadata(KB_META_LEARNED);
        if (!meta.empty() || ix->db.term_exists(KB_TERM_LEARNED))
            *applied = apply_pairs(ix, parse(meta));
        return KB_OK;
    });
}

extern "C" kb_status kb_learned_foreach(kb_index *ix, kb_learned_fn fn, void *ctx)
{
    if (!ix || !fn)
        return KB_ERR_INVALID_ARG;
    return kb_guarded(ix, [&]() {
        kb_refresh(ix);
        std::vector<learned> v = parse(ix->aux.get_metadata(KB_META_LEARNED));
        for (const learned &l : v) {
            kb_learned p = {l.query.c_str(), l.locale.c_str(), l.article.c_str(),
                            l.section.c_str()};
            if (fn(ctx, &p))
                break;
        }
        return KB_OK;
    });
}
