/* kb_private.hh -- what the C++ files of the index layer share, and
 * nothing else sees: the handle and result structs, the exception
 * guard, term and locale helpers.
 *
 * The index layer is split by responsibility (STYLE.md 2.1: a file past
 * ~800 lines is split): kb_xapian.cc opens, reads records and writes;
 * kb_search.cc runs searches and copies results out; kb_query.cc turns
 * the user's text into a Xapian::Query (ranking, synonyms, spelling).
 * Only these files and this header include <xapian.h>; kb.h stays pure
 * C. */
#ifndef KB_PRIVATE_HH
#define KB_PRIVATE_HH

#include "kb.h"
#include "kb_schema.h"

#include <xapian.h>

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
 * tokenised with, so both split words the same way). */
void kb_setup_termgen(Xapian::TermGenerator &tg, const std::string &locale);

/* TUNING ONLY: KB_P(X) is X unless the environment sets KB_TUNE_X. */
double kb_tune(const char *name, double dflt);
#define KB_P(x) kb_tune(#x, (double)(x))

/* ---- kb_query.cc ------------------------------------------------------ */

/* The query for one locale (not yet filtered by it).  *suggestion gets
 * the corrected text when a word was unknown and its correction was
 * searched instead ("" otherwise). */
Xapian::Query kb_build_query(const Xapian::Database &db, const kb_query *qy,
                             const std::string &locale, const std::string &other_locale,
                             std::string *suggestion);

#endif
