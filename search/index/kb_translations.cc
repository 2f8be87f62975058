/* kb_translations.cc -- the translation terms (kb_schema.h): each
 * document of an article says in which other locales the article has a
 * translation, and in which a public one, so that a search in locale L
 * leaves out the default locale's units of articles it finds in L with
 * a plain AND_NOT, which runs on remote shards too.  kb_put() writes
 * them as the index is at the time; kb_commit() brings the documents of
 * every article put or deleted in the run up to date, since adding or
 * removing a translation changes the other locales' documents. */
#include "kb_private.hh"

#include <algorithm>
#include <cstring>
#include <set>

namespace {

bool is_translation_term(const std::string &t)
{
    return t.compare(0, strlen(KB_PREFIX_TRANS_ANY), KB_PREFIX_TRANS_ANY) == 0 ||
           t.compare(0, strlen(KB_PREFIX_TRANS_PUBLIC), KB_PREFIX_TRANS_PUBLIC) == 0;
}

/* The locales of article id in shard s (lower case) -> public. */
std::vector<std::pair<std::string, bool>> article_locales(kb_index *ix, size_t s,
                                                          const std::string &id)
{
    std::vector<std::pair<std::string, bool>> out;
    Xapian::WritableDatabase &w = ix->wshards[s];
    std::vector<std::string> sorted(ix->locales.begin(), ix->locales.end());
    std::sort(sorted.begin(), sorted.end());
    for (const std::string &loc : sorted) {
        std::string term = kb_key_term(KB_PREFIX_RECORD, kb_article_key(loc.c_str(), id.c_str()));
        Xapian::PostingIterator p = w.postlist_begin(term);
        if (p == w.postlist_end(term))
            continue;
        Xapian::Document rec = w.get_document(*p);
        Xapian::TermIterator t = rec.termlist_begin();
        t.skip_to(KB_TERM_INTERNAL);
        out.emplace_back(loc, t == rec.termlist_end() || *t != KB_TERM_INTERNAL);
    }
    return out;
}

std::vector<std::string> terms_for(const std::vector<std::pair<std::string, bool>> &locales,
                                   const std::string &own)
{
    std::vector<std::string> out;
    for (const auto &l : locales) {
        if (l.first == own)
            continue;
        out.push_back(KB_PREFIX_TRANS_ANY + l.first);
        if (l.second)
            out.push_back(KB_PREFIX_TRANS_PUBLIC + l.first);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> terms_of(const Xapian::Document &doc)
{
    std::vector<std::string> out;
    Xapian::TermIterator t = doc.termlist_begin();
    for (t.skip_to("XTR"); t != doc.termlist_end() && (*t).compare(0, 3, "XTR") == 0; ++t)
        if (is_translation_term(*t))
            out.push_back(*t);
    std::sort(out.begin(), out.end());
    return out;
}

} /* namespace */

std::vector<std::string> kb_translation_terms(kb_index *ix, size_t s, const std::string &id,
                                              const std::string &own)
{
    return terms_for(article_locales(ix, s, id), own);
}

void kb_fix_translations(kb_index *ix)
{
    std::vector<std::string> ids(ix->dirty_ids.begin(), ix->dirty_ids.end());
    std::sort(ids.begin(), ids.end());
    for (const std::string &id : ids) {
        size_t s = kb_shard_of(id, ix->wshards.size());
        Xapian::WritableDatabase &w = ix->wshards[s];
        std::vector<std::pair<std::string, bool>> locales = article_locales(ix, s, id);
        for (const auto &l : locales) {
            std::vector<std::string> want = terms_for(locales, l.first);
            std::string kterm =
                kb_key_term(KB_PREFIX_KEY, kb_article_key(l.first.c_str(), id.c_str()));
            std::vector<Xapian::docid> docs(w.postlist_begin(kterm), w.postlist_end(kterm));
            /* An article's documents are written together, with the same
             * terms: the first says whether they are current. */
            if (docs.empty() || terms_of(w.get_document(docs[0])) == want)
                continue;
            for (Xapian::docid d : docs) {
                Xapian::Document doc = w.get_document(d);
                for (const std::string &t : terms_of(doc))
                    doc.remove_term(t);
                for (const std::string &t : want)
                    doc.add_boolean_term(t);
                w.replace_document(d, doc);
            }
        }
    }
    ix->dirty_ids.clear();
}
