/* record.h -- the article record stored in the index.
 *
 * The record is the JSON document kb-serve shows for an article page
 * and the API; its shape (README.md, "Article record"):
 *   {"id","locale","title","description","topic","product","tags":[],
 *    "audience":"public"|"internal","updated","machine_translated":bool,
 *    "path","sections":[{"anchor","title","level","question":bool}],
 *    "links":[{"target","line"}],"markdown":"..."} */
#ifndef KB_RECORD_H
#define KB_RECORD_H

#include "article.h"

/* Returns the record as a compact JSON string (caller frees with
 * free()), or NULL on OOM. */
char *record_build(const struct article *a);

#endif
