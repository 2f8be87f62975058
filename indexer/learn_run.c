/* learn_run.c -- kb-index --learn: learn.h's confirmed pairs, less the
 * ones authors removed, applied with kb_learn_apply(). */
#include "learn_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "eventlog.h"
#include "learn.h"

static int from_db(kb_index *ix, const char *db, long min_visits, double window, double now,
                   size_t *applied, char *err, size_t errlen)
{
    struct eventlog *el = NULL;
    struct learnstore *ls = NULL;
    struct learn_pair *p = NULL;
    kb_learned *pairs = NULL;
    size_t n = 0;
    int rc = -1;
    store_status st;

    /* Reading must not create an empty database somewhere by mistake. */
    if (access(db, R_OK) != 0) {
        snprintf(err, errlen, "--learn %s: no such database", db);
        return -1;
    }
    if ((st = eventlog_open(db, &el))) {
        snprintf(err, errlen, "--learn: %s", eventlog_errmsg(el));
        goto out;
    }
    if ((st = learn_pairs(el, window, now, min_visits, &p, &n))) {
        snprintf(err, errlen, "--learn %s: %s", db, eventlog_errmsg(el));
        goto out;
    }
    if ((st = learn_open(db, &ls)) || (st = learn_drop_removed(ls, p, &n))) {
        snprintf(err, errlen, "--learn: %s", learn_errmsg(ls));
        goto out;
    }
    if (n && !(pairs = calloc(n, sizeof *pairs))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        pairs[i] = (kb_learned){p[i].query, p[i].locale, p[i].article, p[i].section};
    if (kb_learn_apply(ix, pairs, n, applied) != KB_OK) {
        snprintf(err, errlen, "cannot write the learned queries: %s", kb_last_error(ix));
        goto out;
    }
    rc = 0;
out:
    free(pairs);
    learn_pairs_free(p, n);
    learn_close(ls);
    eventlog_close(el);
    return rc;
}

int learn_run(kb_index *ix, const char *db, long min_visits, double window, double now,
              size_t *applied, char *err, size_t errlen)
{
    *applied = 0;
    if (db)
        return from_db(ix, db, min_visits, window, now, applied, err, errlen);
    if (kb_learn_reapply(ix, applied) != KB_OK) {
        snprintf(err, errlen, "cannot write the learned queries: %s", kb_last_error(ix));
        return -1;
    }
    return 0;
}
