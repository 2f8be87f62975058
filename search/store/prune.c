/* prune.c -- retention. */
#include "prune.h"

#include "storeval.h"

/* In this order: a case's outbox rows go with it (ON DELETE CASCADE),
 * visits go once nothing refers to them, and a visit cut in two starts
 * again at its oldest event kept. */
enum { ST_EVENTS, ST_CASES, ST_OUTBOX, ST_VISITS, ST_FIRST, ST_COUNT };

static const char *const sql[ST_COUNT] = {
    [ST_EVENTS] = "DELETE FROM events WHERE ts_ms < ?1",
    [ST_CASES] = "DELETE FROM cases WHERE created_ms < ?1",
    [ST_OUTBOX] = "DELETE FROM outbox WHERE delivered_ms IS NOT NULL"
                  " AND delivered_ms < ?1",
    [ST_VISITS] = "DELETE FROM visits WHERE first_ms < ?1"
                  " AND NOT EXISTS (SELECT 1 FROM events WHERE visit_id = visits.id)"
                  " AND NOT EXISTS (SELECT 1 FROM cases WHERE visit_id = visits.id)",
    [ST_FIRST] = "UPDATE visits SET first_ms = coalesce((SELECT min(ts_ms) FROM"
                 " events WHERE visit_id = visits.id), first_ms) WHERE first_ms < ?1",
};

store_status prune_init(struct prune *p, struct storedb *db)
{
    struct sdb_stmt *st[ST_COUNT] = {NULL, NULL, NULL, NULL, NULL};
    store_status r;

    p->db = db;
    r = storedb_prepare(db, sql, st, ST_COUNT);
    p->events = st[ST_EVENTS];
    p->cases = st[ST_CASES];
    p->outbox = st[ST_OUTBOX];
    p->visits = st[ST_VISITS];
    p->first = st[ST_FIRST];
    return r;
}

void prune_release(struct prune *p)
{
    struct sdb_stmt *st[ST_COUNT] = {p->events, p->cases, p->outbox, p->visits, p->first};

    storedb_finalize(st, ST_COUNT);
    p->events = p->cases = p->outbox = p->visits = p->first = NULL;
}

store_status prune_before(struct prune *p, double before_ts, long long *deleted)
{
    struct sdb_stmt *const steps[ST_COUNT] = {p->events, p->cases, p->outbox, p->visits,
                                           p->first};
    long long n = 0;
    store_status r;
    int i;

    if (before_ts != before_ts)
        return storedb_fail(p->db, STORE_ERR_INVALID, "prune: time is not a number");
    if ((r = storedb_begin(p->db)))
        return r;
    for (i = 0; i < ST_COUNT; i++) {
        sdb_bind_int64(steps[i], 1, storeval_bound_ms(before_ts));
        if ((r = storedb_run(p->db, steps[i], "prune"))) {
            storedb_rollback(p->db);
            return r;
        }
        if (i == ST_EVENTS || i == ST_CASES)
            n += sdb_changes(p->db->db);
    }
    if ((r = storedb_commit(p->db))) {
        storedb_rollback(p->db);
        return r;
    }
    if (deleted)
        *deleted = n;
    return STORE_OK;
}
