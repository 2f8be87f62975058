/* frontmatter.h -- YAML front matter of a Markdown file -> article fields.
 *
 * The YAML is parsed with libyaml; nothing here reads YAML by hand.
 * Only the delimiter lines ("---" ... "---" or "...") are found by a
 * line scan, because they are not YAML but a Markdown convention.
 * All functions are reentrant: no global state. */
#ifndef KB_FRONTMATTER_H
#define KB_FRONTMATTER_H

#include <stddef.h>

#include "article.h"

/* libyaml's types, declared here so this header does not need <yaml.h>. */
struct yaml_parser_s;
struct yaml_document_s;
struct yaml_node_s;

/* Parses the front matter at the start of buf (len bytes, need not be
 * NUL-terminated) into a.  The block is a line "---" (after an optional
 * UTF-8 BOM; "\r\n" line ends are fine), YAML, then a line "---" or
 * "...".
 *
 * Returns 0 on success with *body_off = byte offset of the first body
 * byte and *body_line = its 1-based line.  A file that does not start
 * with "---" has no front matter: 0 with *body_off = 0, *body_line = 1.
 * Returns -1 when the block is unterminated, is not valid YAML, is not
 * a mapping, or has a bad value (see frontmatter_apply()), or on OOM;
 * then d->is_error = 1, d->line = the file line of the problem and
 * d->msg says what is wrong and how to fix it.  Fields absent from the
 * YAML are left untouched (NULL in a fresh article); on -1 the article
 * may hold the fields applied before the error.  d may be NULL. */
int frontmatter_parse(const char *buf, size_t len, struct article *a,
                      size_t *body_off, unsigned *body_line,
                      struct diag *d);

/* Applies one key of front matter (or of a DocFX "metadata:" mapping)
 * to a.  value is the scalar as written; NULL means "no value" and is
 * ignored.  Keys:
 *   id, title, description          copied as is
 *   topic | ms.topic                -> a->topic
 *   product | ms.service            -> a->product
 *   tags | keywords                 split on ',' and APPENDED to a->tags
 *                                   (trimmed, empty and repeated ones
 *                                   dropped), so a YAML list is applied
 *                                   item by item
 *   audience                        public | internal (any case)
 *   locale | ms.contentlocale       lower-cased into a->locale
 *   date | ms.date                  YYYY-MM-DD or M/D/YYYY, checked and
 *                                   stored as YYYY-MM-DD in a->updated
 *   ms.translationtype              MT -> a->machine_translated = 1
 * A later key replaces an earlier one with the same meaning.  Unknown
 * keys are ignored.  Returns 0, or -1 with a message in err (errlen
 * bytes, always NUL-terminated; may be NULL if errlen is 0) on a bad
 * value or OOM. */
int frontmatter_apply(struct article *a, const char *key, const char *value,
                      char *err, size_t errlen);

/* Returns 1 when key is one frontmatter_apply() understands, else 0. */
int frontmatter_key_known(const char *key);

/* Applies every pair of the libyaml mapping node map (a node of doc) to
 * a through frontmatter_apply().  A list is accepted for tags/keywords
 * only; a list or mapping under another known key is an error, under
 * an unknown key it is ignored.  first_line is the file line of libyaml
 * line 0, used for d->line.  Returns 0, or -1 with d filled.  Used by
 * frontmatter_parse() and by the FAQ parser for "metadata:". */
int frontmatter_apply_mapping(struct article *a, struct yaml_document_s *doc,
                              struct yaml_node_s *map, unsigned first_line,
                              struct diag *d);

/* Describes the failure of a libyaml parser in d as "<what>: invalid
 * YAML: <problem> (<context>); <hint>", with d->is_error = 1 and
 * d->line = first_line + the libyaml line of the problem.  yaml and
 * yaml_len are the text the parser read, used to turn the byte offset
 * of an encoding error into a line.  Used by the FAQ parser too. */
void frontmatter_yaml_error(const struct yaml_parser_s *parser,
                            const char *yaml,
                            size_t yaml_len, unsigned first_line,
                            const char *what, struct diag *d);

#endif
