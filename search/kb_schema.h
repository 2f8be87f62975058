/* kb_schema.h -- the one description of what the index holds.
 *
 * The indexer writes and the service reads through search/kb_xapian.cc;
 * both take every prefix, value slot and weight from here, so the two
 * cannot drift apart.
 *
 * Documents.  One content file becomes one *article record* document plus
 * one *unit* document per answer unit (the lead text before the first
 * H2, each H2/H3 section, each FAQ question).  Searches run over units
 * only and collapse on the article id, so the best unit of an article
 * is what a hit shows ("the section that answers").
 *
 * Article key.  "<locale>/<id>", e.g. "ru-ru/partner-center/billing".
 * The same id in several locales is one article in several languages.
 * Keys longer than KB_MAX_KEY bytes are replaced by a hash in terms
 * (Xapian limits a term to 245 bytes).
 *
 * Boolean terms (Omega's convention: one capital is a standard meaning,
 * X... are ours):
 *   Q<key>#<anchor>  unique id of a unit; QA<key> of an article record
 *   K<key>           every document of an article (delete = one call)
 *   L<locale>        locale, lower case
 *   XTYPEunit / XTYPEarticle
 *   XTOPIC<topic>, XPROD<product>, XTAG<tag>   filters, lower case
 *   XAUDinternal     internal (agent-only) articles
 * Free-text terms (TermGenerator, stemmed per locale, Z-prefixed stems):
 *   S   article title          XH  section heading or FAQ question
 *   XD  article description    (no prefix) all of them plus the body
 * The unprefixed copy of a field is indexed with the field's weight as
 * its wdf increment, which is how BM25 sees field importance.
 *
 * Values (per unit document):
 *   KB_SLOT_ID        article id (the collapse key)
 *   KB_SLOT_LOCALE    locale
 *   KB_SLOT_TITLE     article title
 *   KB_SLOT_TOPIC     topic
 *   KB_SLOT_ANCHOR    unit anchor ("" for the lead)
 *   KB_SLOT_SECTION   unit heading or question ("" for the lead)
 *   KB_SLOT_UPDATED   YYYY-MM-DD or ""
 *   KB_SLOT_PRODUCT   product
 *   KB_SLOT_FLAGS     "i" internal, "q" question unit, "m" machine translated
 * Document data: the unit's plain text (for snippets); for an article
 * record, the record JSON written by kb-index (see indexer/record.c).
 *
 * Metadata:
 *   F:<path>   "<hash>\t<key>" for each indexed content file
 *              (incremental runs compare the hash)
 *   schema     KB_SCHEMA_VERSION
 */
#ifndef KB_SCHEMA_H
#define KB_SCHEMA_H

#define KB_SCHEMA_VERSION "2"
#define KB_MAX_KEY 200

#define KB_PREFIX_UNIT "Q"
#define KB_PREFIX_RECORD "QA"
#define KB_PREFIX_KEY "K"
#define KB_PREFIX_LOCALE "L"
#define KB_TERM_UNIT "XTYPEunit"
#define KB_TERM_RECORD "XTYPEarticle"
#define KB_PREFIX_TOPIC "XTOPIC"
#define KB_PREFIX_PRODUCT "XPROD"
#define KB_PREFIX_TAG "XTAG"
#define KB_TERM_INTERNAL "XAUDinternal"

#define KB_PREFIX_TITLE "S"
#define KB_PREFIX_HEADING "XH"
#define KB_PREFIX_DESCRIPTION "XD"
#define KB_PREFIX_COMPOUND "XC"

#define KB_META_FILE "F:"
#define KB_META_SCHEMA "schema"

enum kb_slot {
    KB_SLOT_ID = 0,
    KB_SLOT_LOCALE = 1,
    KB_SLOT_TITLE = 2,
    KB_SLOT_TOPIC = 3,
    KB_SLOT_ANCHOR = 4,
    KB_SLOT_SECTION = 5,
    KB_SLOT_UPDATED = 6,
    KB_SLOT_PRODUCT = 7,
    KB_SLOT_FLAGS = 8
};

/* Field weights: the wdf increment of each word of a field.  Title
 * words count most, then headings and questions, then the description,
 * then the body. */
#define KB_WEIGHT_TITLE 5
#define KB_WEIGHT_HEADING 3
#define KB_WEIGHT_DESCRIPTION 2
#define KB_WEIGHT_BODY 1

/* BM25 parameters (Xapian's BM25Weight k1, k2, k3, b, min_normlen). */
#define KB_BM25_K1 1.2
#define KB_BM25_B 0.6
#define KB_BM25_MIN_NORMLEN 0.5

/* Proximity: two neighbouring query words found within
 * KB_NEAR_SLACK positions of their distance in the query add
 * KB_NEAR_WEIGHT times their weight again. */
#define KB_NEAR_WEIGHT 0.5
#define KB_NEAR_SLACK 2

/* Chinese/Japanese/Korean runs are searched as their character bigrams;
 * single characters count KB_CJK_UNIGRAM_WEIGHT as much. */
#define KB_CJK_UNIGRAM_WEIGHT 0.0

/* Spelling: words of at least KB_SPELL_MIN_WORD letters enter the
 * spelling table; query words of at least KB_SPELL_MIN_QUERY letters
 * that the index lacks are corrected (one edit, two from
 * KB_SPELL_TWO_EDITS letters on). */
#define KB_SPELL_MIN_WORD 4
#define KB_SPELL_MIN_QUERY 5
#define KB_SPELL_TWO_EDITS 8

/* German compounds: a word of at least KB_COMPOUND_MIN_WORD letters
 * is also indexed (prefix XC, stemmed) under each of its endings of at
 * least KB_COMPOUND_MIN_PART letters that leave at least
 * KB_COMPOUND_MIN_HEAD letters before them, so that "Gebühr" finds
 * "Säumnisgebühren" (German compounds end in their head noun). */
#define KB_COMPOUND_MIN_WORD 8
#define KB_COMPOUND_MIN_PART 4
#define KB_COMPOUND_MIN_HEAD 3

/* Facets count the articles of at most this many matching units. */
#define KB_FACET_MAX_UNITS 2000

/* Snippet length in bytes of source text. */
#define KB_SNIPPET_BYTES 220

#endif
