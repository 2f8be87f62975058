/* eventlog_case.c -- cases with their trail, and the webhook outbox. */
#include "eventlog_private.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* How often a fresh id may collide before we give up.  With 50 random
 * bits a single collision is already unlikely; repeated ones mean the
 * random source is broken, and we would rather fail than loop. */
#define CASE_ID_TRIES 4

static void new_case_id(char *id)
{
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    unsigned char r[10];
    size_t i;

    randombytes_buf(r, sizeof r);
    id[0] = 'C';
    id[1] = '-';
    /* 256 is a multiple of 32, so the low five bits are uniform. */
    for (i = 0; i < sizeof r; i++)
        id[2 + i] = b32[r[i] & 31];
    id[2 + sizeof r] = '\0';
}

/* Appends the events of visit vid up to upto_ms, except the case event
 * of exclude_case (may be NULL), to arr. */
static int events_json(struct eventlog *el, long long vid, long long upto_ms,
                       const char *exclude_case, json_t *arr)
{
    sqlite3_stmt *st = el->st[ST_VISIT_EVENTS];
    struct eventlog_rowbuf rb = {0};
    struct eventlog_event ev;
    int rc, r = EVENTLOG_OK;

    sqlite3_bind_int64(st, 1, vid);
    sqlite3_bind_int64(st, 2, upto_ms);
    if (eventlog_bind_text(el, st, 3, exclude_case)) {
        eventlog_done(st);
        return EVENTLOG_ERROR;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (eventlog_row_event(el, st, &ev, &rb)) {
            r = EVENTLOG_ERROR;
            break;
        }
        if (json_array_append_new(arr, eventlog_event_json(&ev))) {
            r = eventlog_fail(el, "out of memory");
            break;
        }
    }
    if (!r && rc != SQLITE_DONE)
        r = eventlog_sqlfail(el, "events");
    eventlog_done(st);
    eventlog_rowbuf_release(&rb);
    return r;
}

int eventlog_visit_events(struct eventlog *el, const char *visit,
                          json_t **out)
{
    sqlite3_stmt *st = el->st[ST_VISIT_ID];
    long long vid = -1;
    json_t *arr;
    int rc;

    *out = NULL;
    if (eventlog_bind_text(el, st, 1, visit)) {
        eventlog_done(st);
        return EVENTLOG_ERROR;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        vid = sqlite3_column_int64(st, 0);
    eventlog_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return eventlog_sqlfail(el, "visit");
    arr = json_array();
    if (!arr)
        return eventlog_fail(el, "out of memory");
    if (vid >= 0 && events_json(el, vid, INT64_MAX, NULL, arr)) {
        json_decref(arr);
        return EVENTLOG_ERROR;
    }
    *out = arr;
    return EVENTLOG_OK;
}

/* The case columns both case statements select first, as JSON. */
static json_t *case_fields(sqlite3_stmt *st)
{
    static const char *const names[] = {"id", "subject", "description",
                                        "email", "product", "locale",
                                        "visit"};
    json_t *o = json_object();
    char when[32];
    size_t i;
    int bad = 0;

    if (!o)
        return NULL;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        bad |= json_object_set_new(
            o, names[i],
            eventlog_json_str((const char *)sqlite3_column_text(st, (int)i)));
    eventlog_format_time(sqlite3_column_int64(st, 7), when, sizeof when);
    bad |= json_object_set_new(o, "created", json_string(when));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int case_json(struct eventlog *el, const char *id, json_t **out)
{
    sqlite3_stmt *st = el->st[ST_CASE_GET];
    long long vid, created;
    int has_visit, rc;
    json_t *o, *trail;

    *out = NULL;
    if (eventlog_bind_text(el, st, 1, id)) {
        eventlog_done(st);
        return EVENTLOG_ERROR;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        eventlog_done(st);
        if (rc == SQLITE_DONE)
            return EVENTLOG_NOT_FOUND;
        return eventlog_sqlfail(el, "case");
    }
    o = case_fields(st);
    created = sqlite3_column_int64(st, 7);
    has_visit = sqlite3_column_type(st, 8) != SQLITE_NULL;
    vid = sqlite3_column_int64(st, 8);
    eventlog_done(st);
    if (!o)
        return eventlog_fail(el, "out of memory");
    trail = json_array();
    if (json_object_set_new(o, "trail", trail)) {
        json_decref(o);
        return eventlog_fail(el, "out of memory");
    }
    if (has_visit && events_json(el, vid, created, id, trail)) {
        json_decref(o);
        return EVENTLOG_ERROR;
    }
    *out = o;
    return EVENTLOG_OK;
}

int eventlog_case_get(struct eventlog *el, const char *id, json_t **out)
{
    if (!id) {
        *out = NULL;
        return EVENTLOG_NOT_FOUND;
    }
    return case_json(el, id, out);
}

static int outbox_insert(struct eventlog *el, const char *case_id,
                         const json_t *payload, long long now_ms,
                         long long *id)
{
    sqlite3_stmt *st = el->st[ST_OUTBOX_ADD];
    char *text = json_dumps(payload, JSON_COMPACT);

    if (!text)
        return eventlog_fail(el, "outbox: payload cannot be serialised");
    if (eventlog_bind_text(el, st, 1, case_id) ||
        eventlog_bind_text(el, st, 2, text)) {
        eventlog_done(st);
        free(text);
        return EVENTLOG_ERROR;
    }
    sqlite3_bind_int64(st, 3, now_ms);
    if (eventlog_run(el, st, "outbox")) {
        free(text);
        return EVENTLOG_ERROR;
    }
    free(text);
    if (id)
        *id = sqlite3_last_insert_rowid(el->db);
    return EVENTLOG_OK;
}

int eventlog_outbox_add(struct eventlog *el, const char *case_id,
                        const json_t *payload, double now, long long *id)
{
    if (!case_id || !payload)
        return eventlog_fail(el, "outbox: case id and payload are required");
    if (!eventlog_ts_ok(now))
        return eventlog_fail(el, "outbox: time %f is out of range", now);
    return outbox_insert(el, case_id, payload, eventlog_ms(now), id);
}

/* Inserts the case row under a fresh id (written to id), retrying on
 * the unlikely id collision. */
static int insert_case(struct eventlog *el, const struct eventlog_case *c,
                       int has_visit, long long vid, char *id)
{
    sqlite3_stmt *st = el->st[ST_CASE_INSERT];
    int tries, rc;

    for (tries = 0; tries < CASE_ID_TRIES; tries++) {
        new_case_id(id);
        if (has_visit)
            sqlite3_bind_int64(st, 2, vid);
        else
            sqlite3_bind_null(st, 2);
        sqlite3_bind_int64(st, 3, eventlog_ms(c->created));
        if (eventlog_bind_text(el, st, 1, id) ||
            eventlog_bind_text(el, st, 4, c->subject) ||
            eventlog_bind_text(el, st, 5,
                               c->description ? c->description : "") ||
            eventlog_bind_text(el, st, 6, c->email ? c->email : "") ||
            eventlog_bind_text(el, st, 7, c->product ? c->product : "") ||
            eventlog_bind_text(el, st, 8, c->locale ? c->locale : "")) {
            eventlog_done(st);
            return EVENTLOG_ERROR;
        }
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
            eventlog_done(st);
            return EVENTLOG_OK;
        }
        /* A failed statement is undone on its own; the transaction
         * stays open, so we can simply try another id. */
        if (sqlite3_extended_errcode(el->db) != SQLITE_CONSTRAINT_PRIMARYKEY) {
            eventlog_sqlfail(el, "case");
            eventlog_done(st);
            return EVENTLOG_ERROR;
        }
        eventlog_done(st);
    }
    return eventlog_fail(el, "case: no unused id after %d tries",
                         CASE_ID_TRIES);
}

static int case_create_txn(struct eventlog *el, const struct eventlog_case *c,
                           char *id)
{
    int has_visit = c->visit && c->visit[0];
    long long vid = 0;
    json_t *cj = NULL, *payload;
    int rc;

    if (has_visit &&
        eventlog_visit_upsert(el, c->visit, eventlog_ms(c->created), &vid))
        return EVENTLOG_ERROR;
    if (insert_case(el, c, has_visit, vid, id))
        return EVENTLOG_ERROR;
    if (has_visit) {
        struct eventlog_event ev = {0};

        ev.kind = EVENTLOG_KIND_CASE;
        ev.ts = c->created;
        ev.visit = c->visit;
        ev.locale = c->locale;
        ev.case_id = id;
        ev.helpful = -1;
        if (eventlog_insert_event(el, &ev))
            return EVENTLOG_ERROR;
    }
    if (case_json(el, id, &cj))
        return EVENTLOG_ERROR;
    payload = json_pack("{s:s, s:o}", "type", "case.created", "case", cj);
    if (!payload)
        return eventlog_fail(el, "out of memory");
    rc = outbox_insert(el, id, payload, eventlog_ms(c->created), NULL);
    json_decref(payload);
    return rc;
}

int eventlog_case_create(struct eventlog *el, const struct eventlog_case *c,
                         char *id, size_t idsize)
{
    char fresh[EVENTLOG_CASE_ID_SIZE];

    if (!id || idsize < EVENTLOG_CASE_ID_SIZE)
        return eventlog_fail(el, "case: id buffer smaller than %d bytes",
                             EVENTLOG_CASE_ID_SIZE);
    id[0] = '\0';
    if (!c || !c->subject || !c->subject[0])
        return eventlog_fail(el, "case: subject is required");
    if (!eventlog_ts_ok(c->created))
        return eventlog_fail(el, "case: time %f is out of range",
                             c->created);
    if (eventlog_begin(el))
        return EVENTLOG_ERROR;
    if (case_create_txn(el, c, fresh) || eventlog_commit(el)) {
        eventlog_rollback(el);
        return EVENTLOG_ERROR;
    }
    snprintf(id, idsize, "%s", fresh);
    return EVENTLOG_OK;
}

/* "%q%" for LIKE with q's own %, _ and the escape character taken
 * literally.  Caller free()s; NULL on OOM. */
static char *like_pattern(const char *q)
{
    size_t n = strlen(q), i, o = 0;
    char *p;

    if (n > (SIZE_MAX - 3) / 2)
        return NULL;
    p = malloc(2 * n + 3);
    if (!p)
        return NULL;
    p[o++] = '%';
    for (i = 0; i < n; i++) {
        if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
            p[o++] = '\\';
        p[o++] = q[i];
    }
    p[o++] = '%';
    p[o] = '\0';
    return p;
}

int eventlog_cases_list(struct eventlog *el, double from_ts, double to_ts,
                        const char *q, int limit, json_t **out)
{
    sqlite3_stmt *st = el->st[ST_CASES_LIST];
    char *pat = NULL;
    json_t *arr, *o;
    int rc = SQLITE_DONE, r = EVENTLOG_OK;

    *out = NULL;
    if (q && q[0] && !(pat = like_pattern(q)))
        return eventlog_fail(el, "out of memory");
    arr = json_array();
    if (!arr) {
        free(pat);
        return eventlog_fail(el, "out of memory");
    }
    sqlite3_bind_int64(st, 1, eventlog_bound_ms(from_ts));
    sqlite3_bind_int64(st, 2, eventlog_bound_ms(to_ts));
    sqlite3_bind_int(st, 4, limit > 0 ? limit : 100);
    if (eventlog_bind_text(el, st, 3, pat))
        r = EVENTLOG_ERROR;
    while (!r && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        o = case_fields(st);
        if (json_array_append_new(arr, o))
            r = eventlog_fail(el, "out of memory");
    }
    if (!r && rc != SQLITE_DONE)
        r = eventlog_sqlfail(el, "cases");
    eventlog_done(st);
    free(pat);
    if (!r && !(*out = json_pack("{s:o}", "cases", arr)))
        return eventlog_fail(el, "out of memory");
    if (r)
        json_decref(arr);
    return r;
}

int eventlog_outbox_next(struct eventlog *el, double now, json_t **payload,
                         long long *id)
{
    sqlite3_stmt *st = el->st[ST_OUTBOX_CLAIM];
    json_error_t jerr;
    long long rowid;
    int rc;

    *payload = NULL;
    *id = 0;
    if (!eventlog_ts_ok(now))
        return eventlog_fail(el, "outbox: time %f is out of range", now);
    sqlite3_bind_int64(st, 1, eventlog_ms(now));
    sqlite3_bind_int64(st, 2, eventlog_ms(now + EVENTLOG_OUTBOX_LEASE));
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        eventlog_done(st);
        return EVENTLOG_NOT_FOUND;
    }
    if (rc != SQLITE_ROW) {
        eventlog_sqlfail(el, "outbox");
        eventlog_done(st);
        return EVENTLOG_ERROR;
    }
    rowid = sqlite3_column_int64(st, 0);
    *payload = json_loads((const char *)sqlite3_column_text(st, 1), 0, &jerr);
    /* Step to the end so the claim commits before we hand it out. */
    if (eventlog_run(el, st, "outbox")) {
        json_decref(*payload);
        *payload = NULL;
        return EVENTLOG_ERROR;
    }
    if (!*payload)
        return eventlog_fail(el, "outbox row %lld: bad payload: %s", rowid,
                             jerr.text);
    *id = rowid;
    return EVENTLOG_OK;
}

int eventlog_outbox_done(struct eventlog *el, long long id, double now)
{
    sqlite3_stmt *st = el->st[ST_OUTBOX_DONE];

    if (!eventlog_ts_ok(now))
        return eventlog_fail(el, "outbox: time %f is out of range", now);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, eventlog_ms(now));
    if (eventlog_run(el, st, "outbox"))
        return EVENTLOG_ERROR;
    return sqlite3_changes(el->db) ? EVENTLOG_OK : EVENTLOG_NOT_FOUND;
}

int eventlog_outbox_retry(struct eventlog *el, long long id, double now,
                          double *next_ts)
{
    sqlite3_stmt *st = el->st[ST_OUTBOX_RETRY];
    long long next_ms = 0;
    int rc;

    if (!eventlog_ts_ok(now))
        return eventlog_fail(el, "outbox: time %f is out of range", now);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, eventlog_ms(now));
    sqlite3_bind_int(st, 3, EVENTLOG_OUTBOX_MAX_DELAY);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        next_ms = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE) {
        eventlog_sqlfail(el, "outbox");
        eventlog_done(st);
        return EVENTLOG_ERROR;
    }
    if (eventlog_run(el, st, "outbox"))
        return EVENTLOG_ERROR;
    if (rc == SQLITE_DONE)
        return EVENTLOG_NOT_FOUND;
    if (next_ts)
        *next_ts = (double)next_ms / 1000.0;
    return EVENTLOG_OK;
}
