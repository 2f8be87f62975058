/* cases.c -- cases with their trail. */
#include "cases.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "storeval.h"

/* How often a fresh id may collide before we give up.  With 50 random
 * bits a single collision is already unlikely; repeated ones mean the
 * random source is broken, and we would rather fail than loop. */
#define CASE_ID_TRIES 4

enum { ST_INSERT, ST_GET, ST_LIST, ST_BY_IDEM, ST_COUNT };

static const char *const sql[ST_COUNT] = {
    /* No conflict target: a taken id and a taken idempotency key both
     * insert nothing, and insert_case() tells them apart. */
    [ST_INSERT] = "INSERT INTO cases(id, visit_id, created_ms, subject, description,"
                  " email, product, locale, idem)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                  " ON CONFLICT DO NOTHING",
    [ST_BY_IDEM] = "SELECT id FROM cases WHERE idem = ?1",
    [ST_GET] = "SELECT c.id, c.subject, c.description, c.email, c.product,"
               " c.locale, v.key, c.created_ms, c.visit_id FROM cases c"
               " LEFT JOIN visits v ON v.id = c.visit_id WHERE c.id = ?1",
    [ST_LIST] = "SELECT c.id, c.subject, c.description, c.email, c.product,"
                " c.locale, v.key, c.created_ms FROM cases c"
                " LEFT JOIN visits v ON v.id = c.visit_id"
                " WHERE (c.created_ms >= ?1 AND c.created_ms < ?2"
                " AND (?3 IS NULL OR c.subject LIKE ?3 ESCAPE '\\'"
                " OR c.description LIKE ?3 ESCAPE '\\'"
                " OR c.email LIKE ?3 ESCAPE '\\'))"
                " OR c.id = ?5"
                " ORDER BY c.created_ms DESC, c.id LIMIT ?4",
};

store_status cases_init(struct cases *c, struct storedb *db, struct evwrite *write,
                        struct evread *read, struct outbox *outbox)
{
    struct sdb_stmt *st[ST_COUNT] = {NULL, NULL, NULL, NULL};
    store_status r;

    c->db = db;
    c->write = write;
    c->read = read;
    c->outbox = outbox;
    r = storedb_prepare(db, sql, st, ST_COUNT);
    c->insert = st[ST_INSERT];
    c->get = st[ST_GET];
    c->list = st[ST_LIST];
    c->by_idem = st[ST_BY_IDEM];
    return r;
}

void cases_release(struct cases *c)
{
    struct sdb_stmt *st[ST_COUNT] = {c->insert, c->get, c->list, c->by_idem};

    storedb_finalize(st, ST_COUNT);
    c->insert = c->get = c->list = c->by_idem = NULL;
}

static store_status oom(struct cases *c)
{
    return storedb_fail(c->db, STORE_ERR_NOMEM, "out of memory");
}

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

/* The case columns both case statements select first, as JSON. */
static json_t *case_fields(struct sdb_stmt *st)
{
    static const char *const names[] = {"id",      "subject", "description", "email",
                                        "product", "locale",  "visit"};
    json_t *o = json_object();
    char when[32];
    size_t i;
    int bad = 0;

    if (!o)
        return NULL;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        bad |= json_object_set_new(
            o, names[i], storeval_json_str((const char *)sdb_column_text(st, (int)i)));
    storeval_format_time(sdb_column_int64(st, 7), when, sizeof when);
    bad |= json_object_set_new(o, "created", json_string(when));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

store_status cases_get(struct cases *c, const char *id, json_t **out)
{
    struct sdb_stmt *st = c->get;
    long long vid, created;
    int has_visit, rc;
    store_status r;
    json_t *o, *trail;

    *out = NULL;
    if (!id)
        return STORE_NOT_FOUND;
    if ((r = storedb_bind_text(c->db, st, 1, id))) {
        storedb_done(st);
        return r;
    }
    rc = sdb_step(st);
    if (rc != SDB_ROW) {
        r = rc == SDB_DONE ? STORE_NOT_FOUND : storedb_sqlfail(c->db, "case");
        storedb_done(st);
        return r;
    }
    o = case_fields(st);
    created = sdb_column_int64(st, 7);
    has_visit = !sdb_column_null(st, 8);
    vid = sdb_column_int64(st, 8);
    storedb_done(st);
    if (!o)
        return oom(c);
    trail = json_array();
    if (json_object_set_new(o, "trail", trail)) {
        json_decref(o);
        return oom(c);
    }
    if (has_visit && (r = evread_trail(c->read, vid, created, id, trail))) {
        json_decref(o);
        return r;
    }
    *out = o;
    return STORE_OK;
}

/* The id of the case stored with idempotency key key into id:
 * STORE_OK, STORE_NOT_FOUND, or a database failure. */
static store_status case_by_idem(struct cases *c, const char *key, char *id)
{
    struct sdb_stmt *st = c->by_idem;
    store_status r;
    int rc;

    if ((r = storedb_bind_text(c->db, st, 1, key))) {
        storedb_done(st);
        return r;
    }
    rc = sdb_step(st);
    if (rc == SDB_ROW && sdb_column_text(st, 0)) {
        snprintf(id, EVENTLOG_CASE_ID_SIZE, "%s", (const char *)sdb_column_text(st, 0));
        r = STORE_OK;
    } else {
        r = rc == SDB_DONE ? STORE_NOT_FOUND : storedb_sqlfail(c->db, "case");
    }
    storedb_done(st);
    return r;
}

static int has_idem(const struct eventlog_case *k)
{
    return k->idem && k->idem[0];
}

/* Inserts the case row under a fresh id (written to id), retrying on
 * the unlikely id collision.  *replay is set when the case's
 * idempotency key was taken meanwhile (another front end filed the
 * same submission): id is then that case's. */
static store_status insert_case(struct cases *c, const struct eventlog_case *k, int has_visit,
                                long long vid, char *id, int *replay)
{
    struct sdb_stmt *st = c->insert;
    store_status r;
    int tries;

    *replay = 0;
    for (tries = 0; tries < CASE_ID_TRIES; tries++) {
        new_case_id(id);
        if (has_visit)
            sdb_bind_int64(st, 2, vid);
        else
            sdb_bind_null(st, 2);
        sdb_bind_int64(st, 3, storeval_ms(k->created));
        if ((r = storedb_bind_text(c->db, st, 1, id)) ||
            (r = storedb_bind_text(c->db, st, 4, k->subject)) ||
            (r = storedb_bind_text(c->db, st, 5, k->description ? k->description : "")) ||
            (r = storedb_bind_text(c->db, st, 6, k->email ? k->email : "")) ||
            (r = storedb_bind_text(c->db, st, 7, k->product ? k->product : "")) ||
            (r = storedb_bind_text(c->db, st, 8, k->locale ? k->locale : "")) ||
            (r = storedb_bind_text(c->db, st, 9, has_idem(k) ? k->idem : NULL))) {
            storedb_done(st);
            return r;
        }
        /* A taken id inserts nothing (ON CONFLICT DO NOTHING: a failed
         * statement would abort a PostgreSQL transaction), so we can
         * simply try another id. */
        if (sdb_step(st) != SDB_DONE) {
            r = storedb_sqlfail(c->db, "case");
            storedb_done(st);
            return r;
        }
        storedb_done(st);
        if (sdb_changes(c->db->db) > 0)
            return STORE_OK;
        if (has_idem(k) && (r = case_by_idem(c, k->idem, id)) != STORE_NOT_FOUND) {
            *replay = r == STORE_OK;
            return r;
        }
    }
    return storedb_fail(c->db, STORE_ERR_DB, "case: no unused id after %d tries",
                        CASE_ID_TRIES);
}

static store_status create_txn(struct cases *c, const struct eventlog_case *k, char *id)
{
    int has_visit = k->visit && k->visit[0];
    long long vid = 0;
    json_t *cj = NULL, *payload;
    store_status r;
    int replay;

    /* The same submission again (a reload, a second click, after a
     * restart): its case, nothing new. */
    if (has_idem(k) && (r = case_by_idem(c, k->idem, id)) != STORE_NOT_FOUND)
        return r;
    if (has_visit && (r = evwrite_visit(c->write, k->visit, storeval_ms(k->created), &vid)))
        return r;
    if ((r = insert_case(c, k, has_visit, vid, id, &replay)) || replay)
        return r;
    if (has_visit) {
        struct eventlog_event ev = {0};

        ev.kind = EVENTLOG_KIND_CASE;
        ev.ts = k->created;
        ev.visit = k->visit;
        ev.locale = k->locale;
        ev.case_id = id;
        ev.helpful = -1;
        if ((r = evwrite_event(c->write, &ev)))
            return r;
    }
    /* The payload is the case as eventlog_case_get() gives it; a case
     * just inserted in this transaction is there to be found. */
    if ((r = cases_get(c, id, &cj)))
        return r == STORE_NOT_FOUND ? storedb_fail(c->db, STORE_ERR_DB, "case: lost") : r;
    payload = json_pack("{s:s, s:o}", "type", "case.created", "case", cj);
    if (!payload)
        return oom(c);
    r = outbox_insert(c->outbox, id, payload, storeval_ms(k->created), NULL);
    json_decref(payload);
    return r;
}

store_status cases_create(struct cases *c, const struct eventlog_case *k, char *id,
                          size_t idsize)
{
    char fresh[EVENTLOG_CASE_ID_SIZE];
    store_status r;

    if (!id || idsize < EVENTLOG_CASE_ID_SIZE)
        return storedb_fail(c->db, STORE_ERR_INVALID, "case: id buffer smaller than %d bytes",
                            EVENTLOG_CASE_ID_SIZE);
    id[0] = '\0';
    if (!k || !k->subject || !k->subject[0])
        return storedb_fail(c->db, STORE_ERR_INVALID, "case: subject is required");
    if (!storeval_ts_ok(k->created))
        return storedb_fail(c->db, STORE_ERR_INVALID, "case: time %f is out of range",
                            k->created);
    if ((r = storedb_begin(c->db)))
        return r;
    if ((r = create_txn(c, k, fresh)) || (r = storedb_commit(c->db))) {
        storedb_rollback(c->db);
        return r;
    }
    snprintf(id, idsize, "%s", fresh);
    return STORE_OK;
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

/* The case id q names ("c-cz43ywkaa6 " is C-CZ43YWKAA6) into id, or
 * 0 when q is not one. */
static int case_id_of(const char *q, char id[EVENTLOG_CASE_ID_SIZE])
{
    size_t n = 0;
    while (q && (*q == ' ' || *q == '\t'))
        q++;
    if (!q || (q[0] != 'C' && q[0] != 'c') || q[1] != '-')
        return 0;
    id[n++] = 'C';
    id[n++] = '-';
    for (q += 2; *q && *q != ' ' && *q != '\t'; q++) {
        char ch = *q >= 'a' && *q <= 'z' ? (char)(*q - 'a' + 'A') : *q;
        int base32 = (ch >= 'A' && ch <= 'Z') || (ch >= '2' && ch <= '7');
        if (n + 1 >= EVENTLOG_CASE_ID_SIZE || !base32)
            return 0;
        id[n++] = ch;
    }
    while (*q == ' ' || *q == '\t')
        q++;
    id[n] = '\0';
    return !*q && n > 2;
}

store_status cases_list(struct cases *c, double from_ts, double to_ts, const char *q,
                        int limit, json_t **out)
{
    char id[EVENTLOG_CASE_ID_SIZE];
    struct sdb_stmt *st = c->list;
    char *pat = NULL;
    json_t *arr;
    store_status r;
    int rc = SDB_DONE;

    *out = NULL;
    if (q && q[0] && !(pat = like_pattern(q)))
        return oom(c);
    arr = json_array();
    if (!arr) {
        free(pat);
        return oom(c);
    }
    sdb_bind_int64(st, 1, storeval_bound_ms(from_ts));
    sdb_bind_int64(st, 2, storeval_bound_ms(to_ts));
    sdb_bind_int(st, 4, limit > 0 ? limit : 100);
    r = storedb_bind_text(c->db, st, 3, pat);
    /* A case id finds its case whenever it was filed. */
    if (!r)
        r = storedb_bind_text(c->db, st, 5, case_id_of(q, id) ? id : NULL);
    while (!r && (rc = sdb_step(st)) == SDB_ROW)
        if (json_array_append_new(arr, case_fields(st)))
            r = oom(c);
    if (!r && rc != SDB_DONE)
        r = storedb_sqlfail(c->db, "cases");
    storedb_done(st);
    free(pat);
    if (r) {
        json_decref(arr);
        return r;
    }
    if (!(*out = json_pack("{s:o}", "cases", arr)))
        return oom(c);
    return STORE_OK;
}
