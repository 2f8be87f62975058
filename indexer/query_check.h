/* query_check.h -- the questions an article must answer, checked.
 *
 * An article lists them in its front matter (`queries:`, with
 * `queries_top: K`, default 3); each question of a YAML FAQ is one
 * implicitly.  After a run has written the index, and before it
 * commits, kb-index searches each question in the article's locale as
 * an anonymous reader would (a signed-in one for an internal article,
 * which no anonymous reader can find) and reports a question whose
 * article is not among the first K hits. */
#ifndef KB_QUERY_CHECK_H
#define KB_QUERY_CHECK_H

#include "kb.h"

/* Called once per miss: path and line of the question, and the text
 * `"question" ranks N (must be in the top K); ranked above it: ...`. */
typedef void (*query_check_fn)(void *ctx, const char *path, unsigned line,
                               const char *msg);

struct query_check_counts {
    unsigned long checked; /* questions searched */
    unsigned long missed;  /* of those, not in their top K */
};

/* Searches every question of every article in ix (a writer's handle
 * sees its own uncommitted run).  default_locale is kb-index's.
 * Returns 0, or -1 on an index error (kb_last_error(ix) says which) or
 * out of memory. */
int query_check_run(kb_index *ix, const char *default_locale, query_check_fn miss,
                    void *ctx, struct query_check_counts *out);

#endif
