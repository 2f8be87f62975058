/* stopwords.h -- per-language stop word lists for query parsing.
 *
 * Stop words are dropped from queries (not from the index, so phrase
 * searches still match them): a long natural-language question then
 * weighs its content words, not "how do I". */
#ifndef KB_STOPWORDS_H
#define KB_STOPWORDS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Returns a NULL-terminated static list for a two-letter language code
 * ("en", "ru", ...), or NULL when there is none for it. */
const char *const *stopwords_for(const char *lang);

#ifdef __cplusplus
}
#endif

#endif
