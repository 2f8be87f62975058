/* outbox.c -- webhook payloads waiting for delivery. */
#include "outbox.h"

#include <stdlib.h>

#include "storeval.h"

enum { ST_ADD, ST_CLAIM, ST_DONE, ST_RETRY, ST_COUNT };

static const char *const sql[ST_COUNT] = {
    [ST_ADD] = "INSERT INTO outbox(case_id, payload, next_attempt_ms) VALUES(?1, ?2, ?3)"
               " RETURNING id",
    [ST_CLAIM] = "UPDATE outbox SET next_attempt_ms = ?2 WHERE id = (SELECT id"
                 " FROM outbox WHERE delivered_ms IS NULL AND next_attempt_ms <= ?1"
                 " ORDER BY next_attempt_ms, id LIMIT 1 /*pg: FOR UPDATE SKIP LOCKED*/)"
                 " RETURNING id, payload",
    [ST_DONE] = "UPDATE outbox SET delivered_ms = ?2 WHERE id = ?1",
    /* Delay 2^attempts seconds after the attempts-th failure; the inner
     * min() keeps the shift from overflowing, the outer one is the cap. */
    [ST_RETRY] = "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ?2"
                 " + 1000 * min(?3, 1 << CAST(min(attempts + 1, 30) AS INT))"
                 " WHERE id = ?1 AND delivered_ms IS NULL RETURNING next_attempt_ms",
};

store_status outbox_init(struct outbox *o, struct storedb *db)
{
    struct sdb_stmt *st[ST_COUNT] = {NULL, NULL, NULL, NULL};
    store_status r;

    o->db = db;
    r = storedb_prepare(db, sql, st, ST_COUNT);
    o->add = st[ST_ADD];
    o->claim = st[ST_CLAIM];
    o->done = st[ST_DONE];
    o->retry = st[ST_RETRY];
    return r;
}

void outbox_release(struct outbox *o)
{
    struct sdb_stmt *st[ST_COUNT] = {o->add, o->claim, o->done, o->retry};

    storedb_finalize(st, ST_COUNT);
    o->add = o->claim = o->done = o->retry = NULL;
}

static store_status bad_time(struct outbox *o, double now)
{
    return storedb_fail(o->db, STORE_ERR_INVALID, "outbox: time %f is out of range", now);
}

store_status outbox_insert(struct outbox *o, const char *case_id, const json_t *payload,
                           long long now_ms, long long *id)
{
    struct sdb_stmt *st = o->add;
    char *text = json_dumps(payload, JSON_COMPACT);
    store_status r;

    if (!text)
        return storedb_fail(o->db, STORE_ERR_INVALID, "outbox: payload cannot be serialised");
    if ((r = storedb_bind_text(o->db, st, 1, case_id)) ||
        (r = storedb_bind_text(o->db, st, 2, text))) {
        storedb_done(st);
        free(text);
        return r;
    }
    sdb_bind_int64(st, 3, now_ms);
    if (sdb_step(st) != SDB_ROW) {
        r = storedb_sqlfail(o->db, "outbox");
        storedb_done(st);
        free(text);
        return r;
    }
    if (id)
        *id = sdb_column_int64(st, 0);
    r = storedb_run(o->db, st, "outbox");
    free(text);
    return r;
}

store_status outbox_add(struct outbox *o, const char *case_id, const json_t *payload,
                        double now, long long *id)
{
    if (!case_id || !payload)
        return storedb_fail(o->db, STORE_ERR_INVALID,
                            "outbox: case id and payload are required");
    if (!storeval_ts_ok(now))
        return bad_time(o, now);
    return outbox_insert(o, case_id, payload, storeval_ms(now), id);
}

store_status outbox_next(struct outbox *o, double now, json_t **payload, long long *id)
{
    struct sdb_stmt *st = o->claim;
    json_error_t jerr;
    long long rowid;
    store_status r;
    int rc;

    *payload = NULL;
    *id = 0;
    if (!storeval_ts_ok(now))
        return bad_time(o, now);
    sdb_bind_int64(st, 1, storeval_ms(now));
    sdb_bind_int64(st, 2, storeval_ms(now + EVENTLOG_OUTBOX_LEASE));
    rc = sdb_step(st);
    if (rc == SDB_DONE) {
        storedb_done(st);
        return STORE_NOT_FOUND;
    }
    if (rc != SDB_ROW) {
        r = storedb_sqlfail(o->db, "outbox");
        storedb_done(st);
        return r;
    }
    rowid = sdb_column_int64(st, 0);
    *payload = json_loads((const char *)sdb_column_text(st, 1), 0, &jerr);
    /* Step to the end so the claim commits before we hand it out. */
    if ((r = storedb_run(o->db, st, "outbox"))) {
        json_decref(*payload);
        *payload = NULL;
        return r;
    }
    if (!*payload)
        return storedb_fail(o->db, STORE_ERR_DB, "outbox row %lld: bad payload: %s", rowid,
                            jerr.text);
    *id = rowid;
    return STORE_OK;
}

store_status outbox_done(struct outbox *o, long long id, double now)
{
    struct sdb_stmt *st = o->done;
    store_status r;

    if (!storeval_ts_ok(now))
        return bad_time(o, now);
    sdb_bind_int64(st, 1, id);
    sdb_bind_int64(st, 2, storeval_ms(now));
    if ((r = storedb_run(o->db, st, "outbox")))
        return r;
    return sdb_changes(o->db->db) ? STORE_OK : STORE_NOT_FOUND;
}

store_status outbox_retry(struct outbox *o, long long id, double now, double *next_ts)
{
    struct sdb_stmt *st = o->retry;
    long long next_ms = 0;
    store_status r;
    int rc;

    if (!storeval_ts_ok(now))
        return bad_time(o, now);
    sdb_bind_int64(st, 1, id);
    sdb_bind_int64(st, 2, storeval_ms(now));
    sdb_bind_int(st, 3, EVENTLOG_OUTBOX_MAX_DELAY);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        next_ms = sdb_column_int64(st, 0);
    } else if (rc != SDB_DONE) {
        r = storedb_sqlfail(o->db, "outbox");
        storedb_done(st);
        return r;
    }
    if ((r = storedb_run(o->db, st, "outbox")))
        return r;
    if (rc == SDB_DONE)
        return STORE_NOT_FOUND;
    if (next_ts)
        *next_ts = (double)next_ms / 1000.0;
    return STORE_OK;
}
