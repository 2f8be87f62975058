/* evread.c -- counts, visit events, trails and the report scan. */
#include "evread.h"

#include <stdint.h>

#include "event.h"
#include "storeval.h"

enum { ST_VISIT_ID, ST_COUNT_EVENTS, ST_VISIT_EVENTS, ST_SCAN, ST_COUNT };

static const char *const sql[ST_COUNT] = {
    [ST_VISIT_ID] = "SELECT id FROM visits WHERE key = ?1",
    [ST_COUNT_EVENTS] = "SELECT count(*) FROM events WHERE (?1 IS NULL OR kind = ?1)"
                        " AND (?2 IS NULL OR visit_id = (SELECT id FROM visits"
                        " WHERE key = ?2))",
    [ST_VISIT_EVENTS] = "SELECT " EVENT_COLS " FROM events e"
                        " JOIN visits v ON v.id = e.visit_id"
                        " WHERE e.visit_id = ?1 AND e.ts_ms <= ?2"
                        " AND (?3 IS NULL OR e.case_id IS NOT ?3)"
                        " ORDER BY e.ts_ms, e.id",
    [ST_SCAN] = "SELECT " EVENT_COLS ", v.first_ms, c.subject"
                " FROM visits v JOIN events e ON e.visit_id = v.id"
                " LEFT JOIN cases c ON c.id = e.case_id"
                " WHERE v.first_ms >= ?1 AND v.first_ms < ?2"
                " ORDER BY v.first_ms, v.id, e.ts_ms, e.id",
};

store_status evread_init(struct evread *r, struct storedb *db)
{
    struct sdb_stmt *st[ST_COUNT] = {NULL, NULL, NULL, NULL};
    store_status rc;

    r->db = db;
    rc = storedb_prepare(db, sql, st, ST_COUNT);
    r->visit_id = st[ST_VISIT_ID];
    r->count = st[ST_COUNT_EVENTS];
    r->visit_events = st[ST_VISIT_EVENTS];
    r->scan = st[ST_SCAN];
    return rc;
}

void evread_release(struct evread *r)
{
    struct sdb_stmt *st[ST_COUNT] = {r->visit_id, r->count, r->visit_events, r->scan};

    storedb_finalize(st, ST_COUNT);
    r->visit_id = r->count = r->visit_events = r->scan = NULL;
}

store_status evread_count(struct evread *r, int kind, const char *visit, long long *n)
{
    struct sdb_stmt *st = r->count;
    const char *name = kind < 0 ? NULL : event_kind_name((enum eventlog_kind)kind);
    store_status rc;

    if (kind >= 0 && !name)
        return storedb_fail(r->db, STORE_ERR_INVALID, "count: unknown event kind %d", kind);
    if ((rc = storedb_bind_text(r->db, st, 1, name)) ||
        (rc = storedb_bind_text(r->db, st, 2, visit))) {
        storedb_done(st);
        return rc;
    }
    if (sdb_step(st) != SDB_ROW) {
        rc = storedb_sqlfail(r->db, "count");
        storedb_done(st);
        return rc;
    }
    *n = sdb_column_int64(st, 0);
    storedb_done(st);
    return STORE_OK;
}

store_status evread_trail(struct evread *r, long long vid, long long upto_ms,
                          const char *exclude_case, json_t *arr)
{
    struct sdb_stmt *st = r->visit_events;
    struct event_rowbuf rb = {0};
    struct eventlog_event ev;
    store_status res = STORE_OK;
    int rc;

    sdb_bind_int64(st, 1, vid);
    sdb_bind_int64(st, 2, upto_ms);
    if ((res = storedb_bind_text(r->db, st, 3, exclude_case))) {
        storedb_done(st);
        return res;
    }
    while ((rc = sdb_step(st)) == SDB_ROW) {
        if ((res = event_from_row(r->db, st, &ev, &rb)))
            break;
        if (json_array_append_new(arr, event_json(&ev))) {
            res = storedb_fail(r->db, STORE_ERR_NOMEM, "out of memory");
            break;
        }
    }
    if (!res && rc != SDB_DONE)
        res = storedb_sqlfail(r->db, "events");
    storedb_done(st);
    event_rowbuf_release(&rb);
    return res;
}

store_status evread_visit_events(struct evread *r, const char *visit, json_t **out)
{
    struct sdb_stmt *st = r->visit_id;
    long long vid = -1;
    store_status res;
    json_t *arr;
    int rc;

    *out = NULL;
    if ((res = storedb_bind_text(r->db, st, 1, visit))) {
        storedb_done(st);
        return res;
    }
    rc = sdb_step(st);
    if (rc == SDB_ROW)
        vid = sdb_column_int64(st, 0);
    else if (rc != SDB_DONE)
        res = storedb_sqlfail(r->db, "visit");
    storedb_done(st);
    if (res)
        return res;
    arr = json_array();
    if (!arr)
        return storedb_fail(r->db, STORE_ERR_NOMEM, "out of memory");
    if (vid >= 0 && (res = evread_trail(r, vid, INT64_MAX, NULL, arr))) {
        json_decref(arr);
        return res;
    }
    *out = arr;
    return STORE_OK;
}

store_status evread_scan(struct evread *r, double from_ts, double to_ts, eventlog_scan_fn fn,
                         void *ctx)
{
    struct sdb_stmt *st = r->scan;
    struct event_rowbuf rb = {0};
    struct eventlog_event ev;
    store_status res = STORE_OK;
    int rc;

    sdb_bind_int64(st, 1, storeval_bound_ms(from_ts));
    sdb_bind_int64(st, 2, storeval_bound_ms(to_ts));
    while ((rc = sdb_step(st)) == SDB_ROW) {
        if ((res = event_from_row(r->db, st, &ev, &rb)))
            break;
        ev.subject = (const char *)sdb_column_text(st, EVENT_NCOLS + 1);
        res = fn(ctx, &ev, (double)sdb_column_int64(st, EVENT_NCOLS) / 1000);
        if (res)
            break;
    }
    if (!res && rc != SDB_DONE)
        res = storedb_sqlfail(r->db, "scan");
    storedb_done(st);
    event_rowbuf_release(&rb);
    return res;
}
