/* eventlog.c -- the event log handle: opening the file (schema via
 * schema.c), the statements of its parts, the batch transaction, and
 * the public entry points, each handed to the part that does it:
 *
 *   event.c     kinds, event checks, rows and JSON (no statements)
 *   evwrite.c   visit and event rows
 *   evread.c    counts, visit events, trails, the report scan
 *   outbox.c    webhook payloads
 *   cases.c     cases (on evwrite, evread and outbox)
 *   prune.c     retention
 *
 * The parts know nothing of struct eventlog; each gets the connection
 * and, for cases, the parts it builds on.  The tables are described in
 * eventlog_schema.c. */
#include "eventlog_private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "cases.h"
#include "event.h"
#include "evread.h"
#include "evwrite.h"
#include "outbox.h"
#include "prune.h"
#include "schema.h"
#include "storedb.h"

struct eventlog {
    struct storedb db; /* connection and eventlog_errmsg() */
    int ready;         /* opened and every part prepared */
    struct evwrite write;
    struct evread read;
    struct outbox outbox;
    struct cases cases;
    struct prune prune;
};

store_status eventlog_fail(struct eventlog *el, store_status st, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(el->db.err, sizeof el->db.err, fmt, ap);
    va_end(ap);
    return st;
}

const char *eventlog_errmsg(const struct eventlog *el)
{
    return el ? el->db.err : "out of memory";
}

int eventlog_is_server(const struct eventlog *el)
{
    return el && el->db.db && sdb_is_postgres(el->db.db);
}

int eventlog_schema_version(void)
{
    return schema_version();
}

const char *eventlog_kind_name(enum eventlog_kind kind)
{
    return event_kind_name(kind);
}

int eventlog_kind_parse(const char *name)
{
    return event_kind_parse(name);
}

static store_status setup(struct eventlog *el, const char *path)
{
    store_status st;

    if (sodium_init() < 0)
        return storedb_fail(&el->db, STORE_ERR_SYSTEM, "libsodium failed to initialise");
    if ((st = schema_open(&el->db, path, 0)) || (st = evwrite_init(&el->write, &el->db)) ||
        (st = evread_init(&el->read, &el->db)) || (st = outbox_init(&el->outbox, &el->db)) ||
        (st = cases_init(&el->cases, &el->db, &el->write, &el->read, &el->outbox)) ||
        (st = prune_init(&el->prune, &el->db)))
        return st;
    return STORE_OK;
}

store_status eventlog_open(const char *path, struct eventlog **out)
{
    struct eventlog *el = calloc(1, sizeof *el);
    store_status st;

    *out = el;
    if (!el)
        return STORE_ERR_NOMEM;
    if (!path)
        return storedb_fail(&el->db, STORE_ERR_INVALID, "no event log path");
    st = setup(el, path);
    if (st) {
        storedb_prefix(&el->db, path);
        return st;
    }
    el->ready = 1;
    return STORE_OK;
}

void eventlog_close(struct eventlog *el)
{
    if (!el)
        return;
    prune_release(&el->prune);
    cases_release(&el->cases);
    outbox_release(&el->outbox);
    evread_release(&el->read);
    evwrite_release(&el->write);
    storedb_close(&el->db);
    free(el);
}

/* Every entry point below starts here: a handle whose open failed keeps
 * the reason as its message and refuses the call. */
#define READY(el)                                                          \
    do {                                                                   \
        if (!(el)->ready)                                                  \
            return STORE_ERR_INVALID;                                      \
    } while (0)

store_status eventlog_record_many(struct eventlog *el, const struct eventlog_event *evs,
                                  size_t n)
{
    store_status st;
    char pfx[32];
    size_t i;

    READY(el);
    /* Check them all first: a bad event fails the batch before the
     * transaction, and the message says which one. */
    for (i = 0; i < n; i++) {
        if (n > 1)
            snprintf(pfx, sizeof pfx, "event %zu: ", i);
        else
            pfx[0] = '\0';
        if ((st = event_check(&el->db, &evs[i], pfx)))
            return st;
    }
    if (n == 0)
        return STORE_OK;
    if ((st = storedb_begin(&el->db)))
        return st;
    for (i = 0; i < n; i++)
        if ((st = evwrite_event(&el->write, &evs[i])))
            goto fail;
    if ((st = storedb_commit(&el->db)))
        goto fail;
    return STORE_OK;
fail:
    storedb_rollback(&el->db);
    return st;
}

store_status eventlog_record(struct eventlog *el, const struct eventlog_event *ev)
{
    return eventlog_record_many(el, ev, 1);
}

store_status eventlog_count(struct eventlog *el, int kind, const char *visit, long long *n)
{
    READY(el);
    return evread_count(&el->read, kind, visit, n);
}

store_status eventlog_visit_events(struct eventlog *el, const char *visit, json_t **out)
{
    *out = NULL;
    READY(el);
    return evread_visit_events(&el->read, visit, out);
}

store_status eventlog_scan(struct eventlog *el, double from_ts, double to_ts,
                           eventlog_scan_fn fn, void *ctx)
{
    READY(el);
    return evread_scan(&el->read, from_ts, to_ts, fn, ctx);
}

store_status eventlog_case_create(struct eventlog *el, const struct eventlog_case *c, char *id,
                                  size_t idsize)
{
    READY(el);
    return cases_create(&el->cases, c, id, idsize);
}

store_status eventlog_case_get(struct eventlog *el, const char *id, json_t **out)
{
    *out = NULL;
    READY(el);
    return cases_get(&el->cases, id, out);
}

store_status eventlog_cases_list(struct eventlog *el, double from_ts, double to_ts,
                                 const char *q, int limit, json_t **out)
{
    *out = NULL;
    READY(el);
    return cases_list(&el->cases, from_ts, to_ts, q, limit, out);
}

store_status eventlog_prune(struct eventlog *el, double before_ts, long long *deleted)
{
    READY(el);
    return prune_before(&el->prune, before_ts, deleted);
}

store_status eventlog_outbox_add(struct eventlog *el, const char *case_id,
                                 const json_t *payload, double now, long long *id)
{
    READY(el);
    return outbox_add(&el->outbox, case_id, payload, now, id);
}

store_status eventlog_outbox_next(struct eventlog *el, double now, json_t **payload,
                                  long long *id)
{
    *payload = NULL;
    *id = 0;
    READY(el);
    return outbox_next(&el->outbox, now, payload, id);
}

store_status eventlog_outbox_done(struct eventlog *el, long long id, double now)
{
    READY(el);
    return outbox_done(&el->outbox, id, now);
}

store_status eventlog_outbox_retry(struct eventlog *el, long long id, double now,
                                   double *next_ts)
{
    READY(el);
    return outbox_retry(&el->outbox, id, now, next_ts);
}
