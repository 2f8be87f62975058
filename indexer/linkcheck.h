/* linkcheck.h -- warn about relative links to missing articles or
 * anchors.
 *
 * Runs inside the indexing transaction over every article record in
 * the index (changed and unchanged alike, so a link is checked against
 * the revision about to be committed), and reports only the links of
 * files changed in this run, so a second run over the same content is
 * quiet. */
#ifndef KB_LINKCHECK_H
#define KB_LINKCHECK_H

#include "kb.h"

struct linkcheck;

/* NULL on OOM.  Free with linkcheck_free(). */
struct linkcheck *linkcheck_new(void);
void linkcheck_free(struct linkcheck *lc);

/* Marks a content path as changed in this run. */
void linkcheck_note_changed(struct linkcheck *lc, const char *path);

typedef void (*linkcheck_warn_fn)(void *ctx, const char *path, unsigned line,
                                  const char *msg);

/* Checks the links of changed articles; returns 0, or -1 on an index
 * error (see kb_last_error). */
int linkcheck_run(struct linkcheck *lc, kb_index *ix, linkcheck_warn_fn warn, void *ctx);

/* Resolves target (as written in the file at from_path) to a content
 * path and an anchor.  Returns 1 when it is a relative link to an
 * article (.md/.yml), 0 for anything else (URLs, images, site-absolute
 * paths).  path_out and anchor_out are caller buffers. */
int linkcheck_resolve(const char *from_path, const char *target, char *path_out,
                      size_t path_len, char *anchor_out, size_t anchor_len);

#endif
