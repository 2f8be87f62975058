/* kb_schema.h -- the one description of what the index holds.
 *
 * The indexer writes (kb_write.cc) and the service reads (kb_search.cc,
 * kb_query.cc) through the index layer; both take every prefix, value
 * slot and weight from here, so the two cannot drift apart.
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
 *   XTRA<locale>     translation terms: the article has a translation in
 *   XTRP<locale>     <locale> (XTRA), a public one (XTRP); on every
 *                    document of the article's other locales, never for
 *                    its own (kb_translations.cc keeps them current)
 * Free-text terms (TermGenerator, stemmed per locale, Z-prefixed stems;
 * stems keep positions too, STEM_SOME_FULL_POS, so phrases and synonym
 * phrases match across inflections):
 *   S   article title          XH  section heading or FAQ question
 *   XD  article description    (no prefix) all of them plus the body
 *   XC  German only: the endings of long words ("XCgebuhr" for
 *       "Säumnisgebühren"), see KB_COMPOUND_*
 * The unprefixed copy of a field is indexed with the field's weight as
 * its wdf increment, which is how BM25 sees field importance (BM25F
 * with one length normalisation).  The title (S and unprefixed) and the
 * description (XD, wdf 1; unprefixed only in the lead) are repeated in
 * every unit of the article, so whichever unit wins carries them.
 *
 * Spelling table: every unprefixed word of KB_SPELL_MIN_WORD letters or
 * more (no digits, no CJK) of every unit of a *public* article, with the
 * number of such units as frequency.  kb_put() adds and removes exactly
 * an article's share, so internal words never become suggestions and
 * replaced or deleted articles leave nothing behind.  The table is one
 * per index; suggestions are checked against the query's locale.
 *
 * What an anonymous search sees.  Internal documents stay in the one
 * index (staff search them with the same terms), so a search without
 * include_internal asks, for the few terms it depends on, whether a
 * *public* document has them, and never whether any document does:
 * whether a query word is known (else it is corrected), which German
 * compound heads and endings and which completions of a partial word
 * join the query, whether the requested and the default locale have
 * content, and whether an article has a translation in the requested
 * locale (else it comes in the default one: the default locale's units
 * are searched AND_NOT XTRP<requested>, XTRA<requested> for staff, so
 * an internal translation is only ever asked about by staff).  A word of internal
 * articles only is then unknown, an internal-only locale has no
 * content and an internal translation is missing, exactly as if the
 * internal articles were not indexed; nothing new is indexed for it.
 * The check is one frequency lookup when a term is in more documents
 * than there are internal ones, else a walk of its posting list beside
 * XAUDinternal's up to its first public document.  Not covered: BM25
 * statistics (document count and length, term frequencies) and the
 * estimate of a total beyond the documents checked are over the whole
 * index, internal documents included.
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
 *   KB_SLOT_FACETS    locale, topic, product and id, each ended by a NUL:
 *                     one value per article and locale, so Xapian's own
 *                     ValueCountMatchSpy (which remote shards run and
 *                     merge, unlike a spy of ours) counts distinct
 *                     articles: the facet counts are the number of its
 *                     values per topic, product and locale
 * Document data: the unit's plain text (for snippets); for an article
 * record, the record JSON written by kb-index (see indexer/record.c).
 *
 * Metadata (of the auxiliary database when the index has shards):
 *   F:<path>   "<hash>\t<key>" for each indexed content file
 *              (incremental runs compare the hash)
 *   schema     KB_SCHEMA_VERSION; kb_begin() empties an index written with
 *              another version, so the next kb-index run rebuilds it
 *
 * Shards.  kb-index --shards N writes N shard databases (shard1 ...
 * shardN), every document of an article in the shard a stable hash of
 * its id picks (kb_shard_of: collapsing and the translation terms need
 * an article in one place), numbered as one index written in the same
 * order would number them (so equal weights rank alike), plus aux/, the
 * auxiliary database: the spelling table, the metadata above and no
 * document, and XAPIANDB, the stub that lists the shards.  Readers ask
 * aux for spelling corrections (a remote shard answers none) and the
 * revision (a remote or multi-shard handle has no revision of its own);
 * an unsharded index is its own auxiliary database, so both read the
 * same way.  Every shard also holds schema and revision.
 *
 * Ranking.  The figures below were tuned with bench/relevance (kb-eval)
 * on the tuning half of each collection (StackFAQ dev, SciFact train,
 * CACM odd topics, partner-center anchor queries whose target hashes to
 * dev) and checked on the other half; bench/relevance/README.md has the
 * tables.
 */
#ifndef KB_SCHEMA_H
#define KB_SCHEMA_H

#define KB_SCHEMA_VERSION "4"
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
#define KB_PREFIX_LEARNED "XL"
#define KB_TERM_LEARNED "XLEARNED"

#define KB_META_FILE "F:"
#define KB_META_SCHEMA "schema"
/* The learned pairs applied, one "locale\tarticle\tsection\tquery"
 * per line (kb_learn.cc). */
#define KB_META_LEARNED "learned"
/* The revision kb-index committed, as decimal text, written with each
 * commit: what /healthz and the result cache call the revision, never
 * Xapian's own (a remote or multi-shard handle has none).  A replica
 * has it as the master wrote it; with shards, the auxiliary database
 * and every shard have it, and a reader reopens its shards only when
 * the auxiliary database's has moved (kb_refresh). */
#define KB_META_REVISION "revision"

enum kb_slot {
    KB_SLOT_ID = 0,
    KB_SLOT_LOCALE = 1,
    KB_SLOT_TITLE = 2,
    KB_SLOT_TOPIC = 3,
    KB_SLOT_ANCHOR = 4,
    KB_SLOT_SECTION = 5,
    KB_SLOT_UPDATED = 6,
    KB_SLOT_PRODUCT = 7,
    KB_SLOT_FLAGS = 8,
    KB_SLOT_FACETS = 9
};

#define KB_PREFIX_TRANS_ANY "XTRA"
#define KB_PREFIX_TRANS_PUBLIC "XTRP"

/* Field weights: the wdf increment of each word of a field.  Title
 * words count most, then headings and questions, then the description,
 * then the body.  Measured: title 3 or 8, heading 1 or 5 were not
 * better on the tuning sets than 5 and 3. */
#define KB_WEIGHT_TITLE 5
#define KB_WEIGHT_HEADING 3
#define KB_WEIGHT_DESCRIPTION 2
#define KB_WEIGHT_BODY 1

/* BM25 parameters (Xapian's BM25Weight k1, k2, k3, b, min_normlen).
 * Measured: k1 0.9/b 0.4 (Anserini's) lost 2-3 points of nDCG@10 on
 * StackFAQ; k1 1.6 won a point there and on the anchors but lost 3 on
 * CACM; b 0.75 and 0.4 were no better overall. */
#define KB_BM25_K1 1.2
#define KB_BM25_B 0.6
#define KB_BM25_MIN_NORMLEN 0.5

/* Query-time field boosts: the query's words are also looked up in the
 * title (S) and description (XD) fields with these weights, spread
 * over the words beyond KB_FIELD_BOOST_WORDS (weight * N / words), so a
 * short query that names an article finds it, while a long one that
 * describes a topic is ranked by all of the text.  Measured (anchor
 * Success@3, StackFAQ nDCG@10): title +4 points ru/zh/de and +1.5% on
 * StackFAQ, description +1 more on the anchors; without the spreading
 * the title boost cost CACM and SciFact 3 points. */
#define KB_TITLE_BOOST 0.5
#define KB_DESCRIPTION_BOOST 0.5
#define KB_FIELD_BOOST_WORDS 2

/* Proximity: two neighbouring query words found within KB_NEAR_SLACK
 * positions of their distance in the query add KB_NEAR_WEIGHT times
 * their weight again (OP_NEAR under OP_AND_MAYBE).  Off: on every
 * tuning set it lost (weight 0.5, slack 2: StackFAQ -2.4 nDCG points,
 * anchors -5 Success@3 points; 0.1-0.2 with no slack: within noise; on
 * title words only: -1 to -3), and it cost 2-7 ms per query.
 * Paraphrased questions rarely keep the answer's word order, and an
 * anchor text occurs word for word in the article that links, not in
 * its target.  Quoted "phrases" still require adjacency. */
#define KB_NEAR_WEIGHT 0.0
#define KB_NEAR_SLACK 0

/* Chinese/Japanese/Korean runs are searched as their character bigrams
 * (OR, where QueryParser would AND every n-gram of a run); single
 * characters count KB_CJK_UNIGRAM_WEIGHT as much (0.3: +1 point zh
 * heldout, dev unchanged). */
#define KB_CJK_UNIGRAM_WEIGHT 0.3

/* Learned field (XL, kb-index --learn): the words of questions that
 * readers confirmed a unit answered, on that unit's document (marked
 * XLEARNED), each word once per question and at most KB_LEARN_MAX_WDF
 * times per unit.  A query word also looks in the field, scaled so
 * that it weighs at most KB_LEARN_WEIGHT times what the same word can
 * weigh in an article's own text (the ratio of the two terms' idf):
 * the field's words are rare, and their idf alone would let a learned
 * question outweigh a strong match of an article's own text.  The field
 * counts pairs of query words found together in it (each pair scaled
 * by 1 / (words - 1), the first KB_LEARN_MAX_WORDS words), so one
 * generic word shared with a learned question lifts nothing.  An index
 * with nothing learned searches exactly as before.  Measured with
 * kb-eval-learn (bench/relevance/README.md), tuned on the dev FAQs:
 * weight 0.25/0.5/1.0 on single words +1.5/+1.7/-2.4% nDCG@10, with
 * pairs 0.5/1.0 +3.0/+3.2% but the never-logged control -1.4/-3.9%;
 * at most 1 wdf per word +2.3% but logged questions' Success@1 0.92. */
#define KB_LEARN_WEIGHT 0.5
#define KB_LEARN_MAX_WDF 3
#define KB_LEARN_MAX_WORDS 12

/* Spelling: words of at least KB_SPELL_MIN_WORD letters enter the
 * spelling table; query words of at least KB_SPELL_MIN_QUERY letters
 * that the index lacks are corrected (one edit, two from
 * KB_SPELL_TWO_EDITS letters on). */
#define KB_SPELL_MIN_WORD 4
#define KB_SPELL_MIN_QUERY 5
#define KB_SPELL_TWO_EDITS 8

/* As you type: the last word also finds the KB_PARTIAL_MAX_TERMS most
 * frequent terms it begins (Xapian's own default for partial words). */
#define KB_PARTIAL_MAX_TERMS 100

/* German compounds: a word of at least KB_COMPOUND_MIN_WORD letters
 * is also indexed (prefix XC, stemmed) under each of its endings of at
 * least KB_COMPOUND_MIN_PART letters that leave at least
 * KB_COMPOUND_MIN_HEAD letters before them, so that "Gebühr" finds
 * "Säumnisgebühren" (German compounds end in their head noun).  A
 * compound in the query also looks for its head noun (the longest
 * ending that is a word of the index) at KB_COMPOUND_HEAD_WEIGHT.
 * Measured on de-de anchors (Success@3): endings +0.5 point heldout,
 * heads (weight 0.5; 0.25 and 1 were lower on dev) +1.8 dev, +0.3
 * heldout. */
#define KB_COMPOUND_MIN_WORD 8
#define KB_COMPOUND_MIN_PART 4
#define KB_COMPOUND_MIN_HEAD 3
#define KB_COMPOUND_HEAD_WEIGHT 0.5

/* Facets count the articles of the best KB_FACET_MAX_UNITS matching
 * units: exact when fewer units match, a sample of the best otherwise.
 * Counting every match of a broad query cost up to 1 ms more. */
#define KB_FACET_MAX_UNITS 200

/* Totals are counted, not estimated, while at most KB_EXACT_TOTAL_UNITS
 * units match: a help center's whole index is a few thousand units,
 * and a count that changes from one page to the next (an estimate
 * after collapsing units to articles) sends readers to pages that do
 * not exist.  Past it the total is Xapian's estimate and
 * kb_results_total_exact() says so. */
#define KB_EXACT_TOTAL_UNITS 5000

/* A read handle remembers the frequencies of up to KB_FREQ_CACHE_TERMS
 * terms its searches asked about, until the index's revision changes:
 * on remote shards each is a round trip to every shard. */
#define KB_FREQ_CACHE_TERMS 50000

/* Snippet length in bytes of source text. */
#define KB_SNIPPET_BYTES 220

#endif
