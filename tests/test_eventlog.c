/* test_eventlog.c -- the service database: the store's status and
 * message convention, the schema steps of every owner, events, cases,
 * outbox, retention, UTF-8 cleaning, concurrent writers, and the
 * accounts' answers on the same file. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "accounts.h"
#include "eventlog.h"
#include "harness.h"
#include "storeval.h"

#define T0 1767225600.0 /* 2026-01-01T00:00:00Z */

struct tmpdir {
    char dir[64];
    char db[128];
};

static int tmpdir_make(struct tmpdir *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/kb-eventlog-XXXXXX");
    if (!mkdtemp(t->dir))
        return -1;
    snprintf(t->db, sizeof t->db, "%s/events.db", t->dir);
    return 0;
}

static void tmpdir_remove(struct tmpdir *t)
{
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    char path[160];
    size_t i;

    for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        snprintf(path, sizeof path, "%s%s", t->db, sfx[i]);
        unlink(path);
    }
    rmdir(t->dir);
}

static struct eventlog_event mk(enum eventlog_kind kind, double ts,
                                const char *visit)
{
    struct eventlog_event e;

    memset(&e, 0, sizeof e);
    e.kind = kind;
    e.ts = ts;
    e.visit = visit;
    e.results = -1;
    e.latency_us = -1;
    e.helpful = -1;
    return e;
}

static void rec(struct harness *h, struct eventlog *el,
                const struct eventlog_event *e)
{
    int rc = eventlog_record(el, e);

    if (rc)
        fprintf(stderr, "record: %s\n", eventlog_errmsg(el));
    CHECK_INT_EQ(h, rc, STORE_OK);
}

static char *dump(const json_t *j)
{
    return j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

static long long sql_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    long long v = -1;

    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return v;
}

static void test_migrations(struct harness *h)
{
    struct tmpdir t;
    struct eventlog *el = NULL;
    char sql[64];
    sqlite3 *db;

    CHECK_INT_EQ(h, tmpdir_make(&t), 0);
    CHECK_INT_EQ(h, eventlog_open(t.db, &el), STORE_OK);
    CHECK(h, el != NULL);
    eventlog_close(el);
    CHECK_INT_EQ(h, sql_int(t.db, "PRAGMA user_version"),
                 eventlog_schema_version());
    CHECK_INT_EQ(h, eventlog_schema_version(), 5);
    /* Every owner's tables, whichever handle opened the file first. */
    CHECK_INT_EQ(h, sql_int(t.db, "SELECT count(*) FROM sqlite_schema WHERE "
                                  "name IN ('events','visits','cases',"
                                  "'outbox','users','tokens','sessions',"
                                  "'login_failures')"), 8);

    /* Re-open: nothing to migrate, the file stays in WAL mode. */
    CHECK_INT_EQ(h, eventlog_open(t.db, &el), STORE_OK);
    eventlog_close(el);
    CHECK_INT_EQ(h, sql_int(t.db, "PRAGMA user_version"),
                 eventlog_schema_version());
    CHECK_INT_EQ(h, sql_int(t.db, "SELECT journal_mode = 'wal' FROM "
                                  "pragma_journal_mode"), 1);

    /* A file at version 1 gets only the later migrations. */
    CHECK_INT_EQ(h, sqlite3_open(t.db, &db), SQLITE_OK);
    CHECK_INT_EQ(h, sqlite3_exec(db, "DROP TABLE outbox; DROP TABLE sessions;"
                                     " DROP TABLE tokens; DROP TABLE login_failures;"
                                     " DROP TABLE users; DROP TABLE learn_removed;"
                                     " DROP INDEX cases_idem; ALTER TABLE cases DROP COLUMN idem;"
                                     " PRAGMA user_version"
                                     " = 1", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    CHECK_INT_EQ(h, eventlog_open(t.db, &el), STORE_OK);
    eventlog_close(el);
    CHECK_INT_EQ(h, sql_int(t.db, "SELECT count(*) FROM sqlite_schema WHERE "
                                  "name IN ('outbox','users')"), 2);
    CHECK_INT_EQ(h, sql_int(t.db, "PRAGMA user_version"),
                 eventlog_schema_version());

    /* A file from a newer program is refused with a reason. */
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
             eventlog_schema_version() + 1);
    CHECK_INT_EQ(h, sqlite3_open(t.db, &db), SQLITE_OK);
    CHECK_INT_EQ(h, sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    /* The handle of a failed open holds the reason and refuses work. */
    CHECK_INT_EQ(h, eventlog_open(t.db, &el), STORE_ERR_SCHEMA);
    CHECK(h, el != NULL);
    CHECK_CONTAINS(h, eventlog_errmsg(el), "newer than this program");
    CHECK_CONTAINS(h, eventlog_errmsg(el), t.db);
    CHECK_INT_EQ(h, eventlog_record(el, &(struct eventlog_event){
                                            .kind = EVENTLOG_KIND_CASE_FORM,
                                            .ts = T0, .visit = "v"}),
                 STORE_ERR_INVALID);
    CHECK_CONTAINS(h, eventlog_errmsg(el), "newer than this program");
    eventlog_close(el);
    tmpdir_remove(&t);

    CHECK_INT_EQ(h, eventlog_open(NULL, &el), STORE_ERR_INVALID);
    CHECK_CONTAINS(h, eventlog_errmsg(el), "no event log path");
    eventlog_close(el);
    eventlog_close(NULL);
    CHECK_STR_EQ(h, eventlog_errmsg(NULL), "out of memory");
}

static void test_roundtrip(struct harness *h)
{
    static const char *const shown[] = {"printers", "drivers"};
    struct eventlog *el;
    struct eventlog_event e;
    json_t *arr = NULL;
    char *s;
    long long n = -1;

    CHECK_INT_EQ(h, eventlog_open(":memory:", &el), STORE_OK);
    e = mk(EVENTLOG_KIND_SEARCH, T0, "v1");
    e.locale = "en-us";
    e.query = "Reset password";
    e.results = 3;
    e.latency_us = 1234;
    e.article = "ignored"; /* not a search field */
    rec(h, el, &e);
    e = mk(EVENTLOG_KIND_CLICK, T0 + 1, "v1");
    e.query = "reset password";
    e.article = "passwords";
    e.section = "steps";
    e.rank = 2;
    rec(h, el, &e);
    e = mk(EVENTLOG_KIND_VIEW, T0 + 2, "v1");
    e.article = "passwords";
    e.section = ""; /* no section */
    rec(h, el, &e);
    e = mk(EVENTLOG_KIND_VOTE, T0 + 3, "v1");
    e.article = "passwords";
    e.section = "steps";
    e.helpful = 0;
    e.reason = "did_not_answer";
    e.comment = "too short";
    rec(h, el, &e);
    rec(h, el, &(struct eventlog_event){.kind = EVENTLOG_KIND_CASE_FORM,
                                         .ts = T0 + 4.25, .visit = "v1"});
    e = mk(EVENTLOG_KIND_SUGGEST, T0 + 5, "v1");
    e.query = "printer";
    e.articles = shown;
    e.narticles = 2;
    rec(h, el, &e);
    e = mk(EVENTLOG_KIND_DEFLECT, T0 + 6, "v1");
    e.article = "printers";
    e.source = "case_form";
    rec(h, el, &e);
    e = mk(EVENTLOG_KIND_CASE, T0 + 7, "v1");
    e.case_id = "EXT-1";
    rec(h, el, &e);

    CHECK_INT_EQ(h, eventlog_count(el, -1, "v1", &n), 0);
    CHECK_INT_EQ(h, n, 8);
    CHECK_INT_EQ(h, eventlog_count(el, EVENTLOG_KIND_SEARCH, NULL, &n), 0);
    CHECK_INT_EQ(h, n, 1);
    CHECK_INT_EQ(h, eventlog_visit_events(el, "v1", &arr), 0);
    CHECK_INT_EQ(h, json_array_size(arr), 8);
    s = dump(json_array_get(arr, 0));
    CHECK_STR_EQ(h, s, "{\"latency_us\":1234,\"locale\":\"en-us\",\"query\":"
                       "\"Reset password\",\"results\":3,\"time\":"
                       "\"2026-01-01T00:00:00.000Z\",\"type\":\"search\"}");
    free(s);
    s = dump(json_array_get(arr, 1));
    CHECK_STR_EQ(h, s, "{\"article\":\"passwords\",\"query\":\"reset "
                       "password\",\"rank\":2,\"section\":\"steps\",\"time\":"
                       "\"2026-01-01T00:00:01.000Z\",\"type\":\"click\"}");
    free(s);
    s = dump(json_array_get(arr, 2));
    CHECK_STR_EQ(h, s, "{\"article\":\"passwords\",\"time\":"
                       "\"2026-01-01T00:00:02.000Z\",\"type\":\"view\"}");
    free(s);
    s = dump(json_array_get(arr, 3));
    CHECK_STR_EQ(h, s, "{\"article\":\"passwords\",\"comment\":\"too short\","
                       "\"helpful\":false,\"reason\":\"did_not_answer\","
                       "\"section\":\"steps\",\"time\":"
                       "\"2026-01-01T00:00:03.000Z\",\"type\":\"vote\"}");
    free(s);
    s = dump(json_array_get(arr, 4));
    CHECK_STR_EQ(h, s, "{\"time\":\"2026-01-01T00:00:04.250Z\",\"type\":"
                       "\"case_form\"}");
    free(s);
    s = dump(json_array_get(arr, 5));
    CHECK_STR_EQ(h, s, "{\"articles\":[\"printers\",\"drivers\"],\"query\":"
                       "\"printer\",\"time\":\"2026-01-01T00:00:05.000Z\","
                       "\"type\":\"suggest\"}");
    free(s);
    s = dump(json_array_get(arr, 6));
    CHECK_STR_EQ(h, s, "{\"article\":\"printers\",\"source\":\"case_form\","
                       "\"time\":\"2026-01-01T00:00:06.000Z\",\"type\":"
                       "\"deflect\"}");
    free(s);
    s = dump(json_array_get(arr, 7));
    CHECK_STR_EQ(h, s, "{\"case_id\":\"EXT-1\",\"time\":"
                       "\"2026-01-01T00:00:07.000Z\",\"type\":\"case\"}");
    free(s);
    json_decref(arr);

    CHECK_INT_EQ(h, eventlog_visit_events(el, "nobody", &arr), 0);
    CHECK_INT_EQ(h, json_array_size(arr), 0);
    json_decref(arr);
    eventlog_close(el);
}

static void test_validation(struct harness *h)
{
    struct eventlog *el;
    struct eventlog_event e, batch[3];
    long long n = -1;

    CHECK_INT_EQ(h, eventlog_open(":memory:", &el), STORE_OK);
    e = mk(EVENTLOG_KIND_VIEW, T0, NULL);
    e.article = "a";
    CHECK_INT_EQ(h, eventlog_record(el, &e), STORE_ERR_INVALID);
    CHECK_CONTAINS(h, eventlog_errmsg(el), "visit is required");
    e.visit = "v";
    e.ts = NAN;
    CHECK_INT_EQ(h, eventlog_record(el, &e), STORE_ERR_INVALID);
    CHECK_CONTAINS(h, eventlog_errmsg(el), "out of range");
    e = mk(EVENTLOG_KIND_VOTE, T0, "v");
    e.article = "a";
    e.helpful = 2;
    CHECK_INT_EQ(h, eventlog_record(el, &e), STORE_ERR_INVALID);
    e.helpful = 0;
    e.reason = "meh";
    CHECK_INT_EQ(h, eventlog_record(el, &e), STORE_ERR_INVALID);
    CHECK_CONTAINS(h, eventlog_errmsg(el), "reason must be");
    e = mk(EVENTLOG_KIND_DEFLECT, T0, "v");
    e.source = "email";
    CHECK_INT_EQ(h, eventlog_record(el, &e), STORE_ERR_INVALID);
    e = mk((enum eventlog_kind)99, T0, "v");
    CHECK_INT_EQ(h, eventlog_record(el, &e), STORE_ERR_INVALID);
    CHECK_CONTAINS(h, eventlog_errmsg(el), "unknown event kind");
    e = mk(EVENTLOG_KIND_SEARCH, T0, "v");
    CHECK_INT_EQ(h, eventlog_record(el, &e), STORE_ERR_INVALID);
    CHECK_CONTAINS(h, eventlog_errmsg(el), "query is required");

    /* A batch is all or nothing. */
    batch[0] = mk(EVENTLOG_KIND_CASE_FORM, T0, "v");
    batch[1] = mk(EVENTLOG_KIND_VIEW, T0, "v"); /* no article */
    batch[2] = mk(EVENTLOG_KIND_CASE_FORM, T0, "v");
    CHECK_INT_EQ(h, eventlog_record_many(el, batch, 3), STORE_ERR_INVALID);
    CHECK_CONTAINS(h, eventlog_errmsg(el), "event 1:");
    batch[1].article = "a";
    CHECK_INT_EQ(h, eventlog_record_many(el, batch, 3), STORE_OK);
    CHECK_INT_EQ(h, eventlog_count(el, -1, NULL, &n), 0);
    CHECK_INT_EQ(h, n, 3);
    CHECK_INT_EQ(h, eventlog_kind_parse("suggest"), EVENTLOG_KIND_SUGGEST);
    CHECK_INT_EQ(h, eventlog_kind_parse("nope"), -1);
    CHECK(h, eventlog_kind_name(EVENTLOG_KIND_COUNT) == NULL);
    CHECK_INT_EQ(h, eventlog_count(el, 42, NULL, &n), STORE_ERR_INVALID);
    CHECK_CONTAINS(h, eventlog_errmsg(el), "unknown event kind 42");
    eventlog_close(el);
}

static void test_cases(struct harness *h)
{
    struct eventlog *el;
    struct eventlog_event e;
    struct eventlog_case c = {0};
    char id[EVENTLOG_CASE_ID_SIZE], id2[EVENTLOG_CASE_ID_SIZE];
    json_t *cj = NULL, *trail;
    size_t i;

    CHECK_INT_EQ(h, eventlog_open(":memory:", &el), STORE_OK);
    e = mk(EVENTLOG_KIND_SEARCH, T0, "v1");
    e.query = "refund";
    e.results = 0;
    rec(h, el, &e);
    e = mk(EVENTLOG_KIND_VOTE, T0 + 1, "v1");
    e.article = "refunds";
    e.helpful = 0;
    e.reason = "not_related";
    rec(h, el, &e);
    rec(h, el, &(struct eventlog_event){.kind = EVENTLOG_KIND_CASE_FORM,
                                         .ts = T0 + 2, .visit = "v1"});
    e = mk(EVENTLOG_KIND_VIEW, T0 + 9, "v1"); /* after the case */
    e.article = "later";
    rec(h, el, &e);
    e = mk(EVENTLOG_KIND_VIEW, T0 + 1, "v2"); /* another visit */
    e.article = "other";
    rec(h, el, &e);

    c.subject = "Refund not received";
    c.description = "Paid twice";
    c.email = "a@example.com";
    c.product = "billing";
    c.locale = "en-us";
    c.visit = "v1";
    c.created = T0 + 3;
    CHECK_INT_EQ(h, eventlog_case_create(el, &c, id, sizeof id), 0);
    CHECK_INT_EQ(h, strlen(id), 12);
    CHECK(h, strncmp(id, "C-", 2) == 0);
    for (i = 2; i < strlen(id); i++)
        CHECK(h, strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", id[i]) != NULL);
    c.subject = "Still waiting";
    c.created = T0 + 20;
    CHECK_INT_EQ(h, eventlog_case_create(el, &c, id2, sizeof id2), 0);
    CHECK(h, strcmp(id, id2) != 0);

    CHECK_INT_EQ(h, eventlog_case_get(el, id, &cj), STORE_OK);
    CHECK_STR_EQ(h, json_string_value(json_object_get(cj, "id")), id);
    CHECK_STR_EQ(h, json_string_value(json_object_get(cj, "subject")),
                 "Refund not received");
    CHECK_STR_EQ(h, json_string_value(json_object_get(cj, "email")),
                 "a@example.com");
    CHECK_STR_EQ(h, json_string_value(json_object_get(cj, "visit")), "v1");
    CHECK_STR_EQ(h, json_string_value(json_object_get(cj, "created")),
                 "2026-01-01T00:00:03.000Z");
    trail = json_object_get(cj, "trail");
    /* Not the later view, not v2's view, not the case's own event. */
    CHECK_INT_EQ(h, json_array_size(trail), 3);
    CHECK_STR_EQ(h, json_string_value(json_object_get(
                        json_array_get(trail, 0), "type")), "search");
    CHECK_STR_EQ(h, json_string_value(json_object_get(
                        json_array_get(trail, 1), "reason")), "not_related");
    CHECK_STR_EQ(h, json_string_value(json_object_get(
                        json_array_get(trail, 2), "type")), "case_form");
    json_decref(cj);
    /* The second case's trail holds the first case and the view. */
    CHECK_INT_EQ(h, eventlog_case_get(el, id2, &cj), STORE_OK);
    trail = json_object_get(cj, "trail");
    CHECK_INT_EQ(h, json_array_size(trail), 5);
    CHECK_STR_EQ(h, json_string_value(json_object_get(
                        json_array_get(trail, 3), "case_id")), id);
    CHECK_STR_EQ(h, json_string_value(json_object_get(
                        json_array_get(trail, 4), "article")), "later");
    json_decref(cj);

    CHECK_INT_EQ(h, eventlog_case_get(el, "C-NOPE", &cj), STORE_NOT_FOUND);
    CHECK(h, cj == NULL);

    c.visit = NULL;
    c.subject = "No visit";
    CHECK_INT_EQ(h, eventlog_case_create(el, &c, id, sizeof id), 0);
    CHECK_INT_EQ(h, eventlog_case_get(el, id, &cj), STORE_OK);
    CHECK(h, json_is_null(json_object_get(cj, "visit")));
    CHECK_INT_EQ(h, json_array_size(json_object_get(cj, "trail")), 0);
    json_decref(cj);

    c.subject = "";
    CHECK_INT_EQ(h, eventlog_case_create(el, &c, id, sizeof id),
                 STORE_ERR_INVALID);
    CHECK_CONTAINS(h, eventlog_errmsg(el), "subject is required");
    c.subject = "x";
    CHECK_INT_EQ(h, eventlog_case_create(el, &c, id, 5), STORE_ERR_INVALID);
    eventlog_close(el);
}

static void add_case(struct harness *h, struct eventlog *el,
                     const char *subject, const char *email, double t)
{
    struct eventlog_case c = {0};
    char id[EVENTLOG_CASE_ID_SIZE];

    c.subject = subject;
    c.email = email;
    c.description = "";
    c.created = t;
    CHECK_INT_EQ(h, eventlog_case_create(el, &c, id, sizeof id), 0);
}

static size_t list_count(struct harness *h, struct eventlog *el, double from,
                         double to, const char *q, int limit,
                         const char *first_subject)
{
    json_t *out = NULL, *cases;
    size_t n;

    CHECK_INT_EQ(h, eventlog_cases_list(el, from, to, q, limit, &out), 0);
    cases = json_object_get(out, "cases");
    n = json_array_size(cases);
    if (first_subject)
        CHECK_STR_EQ(h, json_string_value(json_object_get(
                            json_array_get(cases, 0), "subject")),
                     first_subject);
    json_decref(out);
    return n;
}

static void test_cases_list(struct harness *h)
{
    struct eventlog *el;

    CHECK_INT_EQ(h, eventlog_open(":memory:", &el), STORE_OK);
    add_case(h, el, "Printer jams", "ann@example.com", T0);
    add_case(h, el, "Discount 100% off", "bob@example.com", T0 + 10);
    add_case(h, el, "Discount 100 off", "carl_x@example.com", T0 + 20);
    add_case(h, el, "printer offline", "dan@example.com", T0 + 30);

    CHECK_INT_EQ(h, list_count(h, el, T0, T0 + 100, NULL, 0,
                               "printer offline"), 4);
    CHECK_INT_EQ(h, list_count(h, el, T0, T0 + 100, "PRINTER", 0, NULL), 2);
    CHECK_INT_EQ(h, list_count(h, el, T0, T0 + 100, "100%", 0,
                               "Discount 100% off"), 1);
    CHECK_INT_EQ(h, list_count(h, el, T0, T0 + 100, "l_x", 0, NULL), 1);
    CHECK_INT_EQ(h, list_count(h, el, T0, T0 + 100, "_", 0, NULL), 1);
    CHECK_INT_EQ(h, list_count(h, el, T0, T0 + 100, "bob@", 0, NULL), 1);
    CHECK_INT_EQ(h, list_count(h, el, T0 + 10, T0 + 30, NULL, 0,
                               "Discount 100 off"), 2);
    CHECK_INT_EQ(h, list_count(h, el, T0, T0 + 100, NULL, 3, NULL), 3);
    eventlog_close(el);
}

static void test_prune(struct harness *h)
{
    struct eventlog *el;
    struct eventlog_event e;
    struct eventlog_case c = {0};
    char id[EVENTLOG_CASE_ID_SIZE], id2[EVENTLOG_CASE_ID_SIZE];
    long long deleted = -1, n = -1, oid;
    json_t *cj = NULL, *p = NULL;

    CHECK_INT_EQ(h, eventlog_open(":memory:", &el), STORE_OK);
    e = mk(EVENTLOG_KIND_CASE_FORM, T0, "old");
    rec(h, el, &e);
    e = mk(EVENTLOG_KIND_CASE_FORM, T0 + 50, "straddle");
    rec(h, el, &e);
    e = mk(EVENTLOG_KIND_CASE_FORM, T0 + 150, "straddle");
    rec(h, el, &e);
    c.subject = "old case";
    c.visit = "old";
    c.created = T0 + 1;
    CHECK_INT_EQ(h, eventlog_case_create(el, &c, id, sizeof id), 0);
    c.subject = "new case";
    c.visit = "straddle";
    c.created = T0 + 160;
    CHECK_INT_EQ(h, eventlog_case_create(el, &c, id2, sizeof id2), 0);

    /* Deleted: 3 events (2 of "old", 1 of "straddle") and 1 case. */
    CHECK_INT_EQ(h, eventlog_prune(el, T0 + 100, &deleted), 0);
    CHECK_INT_EQ(h, deleted, 4);
    CHECK_INT_EQ(h, eventlog_count(el, -1, NULL, &n), 0);
    CHECK_INT_EQ(h, n, 2);
    CHECK_INT_EQ(h, eventlog_case_get(el, id, &cj), STORE_NOT_FOUND);
    CHECK_INT_EQ(h, eventlog_case_get(el, id2, &cj), STORE_OK);
    json_decref(cj);
    /* The old case's webhook went with it; the new one is still due. */
    CHECK_INT_EQ(h, eventlog_outbox_next(el, T0 + 1000, &p, &oid), 0);
    CHECK_STR_EQ(h, json_string_value(json_object_get(
                        json_object_get(p, "case"), "id")), id2);
    json_decref(p);
    CHECK_INT_EQ(h, eventlog_outbox_next(el, T0 + 1000, &p, &oid),
                 STORE_NOT_FOUND);
    CHECK(h, p == NULL);
    CHECK_INT_EQ(h, eventlog_prune(el, NAN, NULL), STORE_ERR_INVALID);
    CHECK_INT_EQ(h, eventlog_prune(el, T0 + 1000, NULL), 0);
    CHECK_INT_EQ(h, eventlog_count(el, -1, NULL, &n), 0);
    CHECK_INT_EQ(h, n, 0);
    eventlog_close(el);
}

static void test_outbox(struct harness *h)
{
    struct eventlog *el;
    struct eventlog_case c = {0};
    char id[EVENTLOG_CASE_ID_SIZE];
    long long oid = 0, oid2 = 0;
    double next = 0, now;
    json_t *p = NULL;
    int i;

    CHECK_INT_EQ(h, eventlog_open(":memory:", &el), STORE_OK);
    CHECK_INT_EQ(h, eventlog_outbox_next(el, 1000, &p, &oid),
                 STORE_NOT_FOUND);
    c.subject = "Webhook me";
    c.visit = "v";
    c.created = 1000;
    CHECK_INT_EQ(h, eventlog_case_create(el, &c, id, sizeof id), 0);
    CHECK_INT_EQ(h, eventlog_outbox_next(el, 999, &p, &oid),
                 STORE_NOT_FOUND);
    CHECK_INT_EQ(h, eventlog_outbox_next(el, 1000, &p, &oid), STORE_OK);
    CHECK_STR_EQ(h, json_string_value(json_object_get(p, "type")),
                 "case.created");
    CHECK_STR_EQ(h, json_string_value(json_object_get(
                        json_object_get(p, "case"), "subject")), "Webhook me");
    json_decref(p);
    /* Claimed: hidden from other workers... */
    CHECK_INT_EQ(h, eventlog_outbox_next(el, 1000, &p, &oid2),
                 STORE_NOT_FOUND);
    /* ...until the lease runs out. */
    CHECK_INT_EQ(h, eventlog_outbox_next(el, 1000 + EVENTLOG_OUTBOX_LEASE,
                                         &p, &oid2), STORE_OK);
    CHECK_INT_EQ(h, oid2, oid);
    json_decref(p);

    /* Backoff 2, 4, 8, ... seconds, capped at an hour. */
    now = 2000;
    CHECK_INT_EQ(h, eventlog_outbox_retry(el, oid, now, &next), 0);
    CHECK(h, next == now + 2);
    CHECK_INT_EQ(h, eventlog_outbox_next(el, now + 1, &p, &oid2),
                 STORE_NOT_FOUND);
    CHECK_INT_EQ(h, eventlog_outbox_next(el, now + 2, &p, &oid2), 0);
    json_decref(p);
    now += 2;
    CHECK_INT_EQ(h, eventlog_outbox_retry(el, oid, now, &next), 0);
    CHECK(h, next == now + 4);
    CHECK_INT_EQ(h, eventlog_outbox_retry(el, oid, now, &next), 0);
    CHECK(h, next == now + 8);
    for (i = 0; i < 20; i++)
        CHECK_INT_EQ(h, eventlog_outbox_retry(el, oid, now, &next), 0);
    CHECK(h, next == now + EVENTLOG_OUTBOX_MAX_DELAY);

    CHECK_INT_EQ(h, eventlog_outbox_done(el, oid, now), 0);
    CHECK_INT_EQ(h, eventlog_outbox_next(el, now + 1e6, &p, &oid2),
                 STORE_NOT_FOUND);
    CHECK_INT_EQ(h, eventlog_outbox_retry(el, oid, now, NULL),
                 STORE_NOT_FOUND);
    CHECK_INT_EQ(h, eventlog_outbox_done(el, 12345, now), STORE_NOT_FOUND);

    /* A payload queued by hand. */
    p = json_pack("{s:s}", "ping", "pong");
    CHECK_INT_EQ(h, eventlog_outbox_add(el, id, p, now, &oid2), 0);
    json_decref(p);
    CHECK_INT_EQ(h, eventlog_outbox_next(el, now, &p, &oid), 0);
    CHECK_INT_EQ(h, oid, oid2);
    CHECK_STR_EQ(h, json_string_value(json_object_get(p, "ping")), "pong");
    json_decref(p);
    CHECK_INT_EQ(h, eventlog_outbox_add(el, "C-NOSUCHCASE", json_null(), now,
                                        NULL), STORE_ERR_INVALID);
    p = json_pack("{s:s}", "ping", "pong");
    CHECK_INT_EQ(h, eventlog_outbox_add(el, "C-NOSUCHCASE", p, now, NULL),
                 STORE_ERR_DB);
    CHECK_CONTAINS(h, eventlog_errmsg(el), "FOREIGN KEY");
    CHECK_INT_EQ(h, eventlog_outbox_add(el, id, p, -1, NULL),
                 STORE_ERR_INVALID);
    json_decref(p);
    eventlog_close(el);
}

static void test_utf8(struct harness *h)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "plain"},
        {"caf\xC3\xA9 \xF0\x9F\x98\x80", "caf\xC3\xA9 \xF0\x9F\x98\x80"},
        {"a\xFF" "b", "a\xEF\xBF\xBD" "b"},
        {"end\xE2\x82", "end\xEF\xBF\xBD"},
        {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"\xF4\x90\x80\x80",
         "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"\xE2\x82x", "\xEF\xBF\xBDx"},
        {"\x80", "\xEF\xBF\xBD"},
    };
    struct eventlog *el;
    struct eventlog_event e;
    json_t *arr = NULL, *j;
    char one[2], *c, *s;
    size_t i;
    int b, all_valid = 1;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        c = storeval_utf8_clean(cases[i].in);
        CHECK_STR_EQ(h, c, cases[i].want);
        free(c);
    }
    /* Every single byte comes out as valid UTF-8. */
    for (b = 1; b < 256; b++) {
        one[0] = (char)b;
        one[1] = '\0';
        c = storeval_utf8_clean(one);
        j = c ? json_string(c) : NULL;
        all_valid &= j != NULL;
        json_decref(j);
        free(c);
    }
    CHECK(h, all_valid);
    CHECK(h, storeval_utf8_clean(NULL) == NULL);

    CHECK_INT_EQ(h, eventlog_open(":memory:", &el), STORE_OK);
    e = mk(EVENTLOG_KIND_SEARCH, T0, "bad\xFFvisit");
    e.query = "caf\xE9 \xC3";
    e.locale = "\xFE";
    e.results = 1;
    rec(h, el, &e);
    CHECK_INT_EQ(h, eventlog_visit_events(el, "bad\xFFvisit", &arr), 0);
    CHECK_INT_EQ(h, json_array_size(arr), 1);
    s = dump(arr);
    CHECK_CONTAINS(h, s, "\"query\":\"caf\xEF\xBF\xBD \xEF\xBF\xBD\"");
    free(s);
    json_decref(arr);
    eventlog_close(el);
}

#define PER_THREAD 2000

struct writer {
    struct eventlog *el;
    const char *visit;
    int failures;
};

static void *write_events(void *arg)
{
    struct writer *w = arg;
    struct eventlog_event e;
    int i;

    for (i = 0; i < PER_THREAD; i++) {
        e = mk(EVENTLOG_KIND_SEARCH, T0 + i, w->visit);
        e.query = "concurrent";
        e.results = i;
        if (eventlog_record(w->el, &e)) {
            fprintf(stderr, "%s: %s\n", w->visit, eventlog_errmsg(w->el));
            w->failures++;
        }
    }
    return NULL;
}

static void test_threads(struct harness *h)
{
    struct tmpdir t;
    struct writer w[2] = {{NULL, "thread-a", 0}, {NULL, "thread-b", 0}};
    pthread_t th[2];
    long long n = -1;
    int i;

    CHECK_INT_EQ(h, tmpdir_make(&t), 0);
    for (i = 0; i < 2; i++)
        CHECK_INT_EQ(h, eventlog_open(t.db, &w[i].el), STORE_OK);
    for (i = 0; i < 2; i++)
        CHECK_INT_EQ(h, pthread_create(&th[i], NULL, write_events, &w[i]), 0);
    for (i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT_EQ(h, w[i].failures, 0);
    }
    CHECK_INT_EQ(h, eventlog_count(w[0].el, -1, NULL, &n), 0);
    CHECK_INT_EQ(h, n, 2 * PER_THREAD);
    CHECK_INT_EQ(h, eventlog_count(w[1].el, -1, "thread-a", &n), 0);
    CHECK_INT_EQ(h, n, PER_THREAD);
    for (i = 0; i < 2; i++)
        eventlog_close(w[i].el);
    /* Durable across a fresh open too. */
    CHECK_INT_EQ(h, sql_int(t.db, "SELECT count(*) FROM events"),
                 2 * PER_THREAD);
    tmpdir_remove(&t);
}

static void test_status(struct harness *h)
{
    int i, j, distinct = 1;

    CHECK_STR_EQ(h, store_status_str(STORE_OK), "ok");
    CHECK_STR_EQ(h, store_status_str(STORE_NOT_FOUND), "not found");
    for (i = 0; i < STORE_STATUS_COUNT; i++)
        for (j = i + 1; j < STORE_STATUS_COUNT; j++)
            distinct &= strcmp(store_status_str((store_status)i),
                               store_status_str((store_status)j)) != 0;
    CHECK(h, distinct);
    CHECK_STR_EQ(h, store_status_str(STORE_STATUS_COUNT), "unknown status");
    CHECK_STR_EQ(h, store_status_str((store_status)-1), "unknown status");
}

int main(void)
{
    struct harness h = {0, 0};

    test_status(&h);
    test_migrations(&h);
    test_roundtrip(&h);
    test_validation(&h);
    test_cases(&h);
    test_cases_list(&h);
    test_prune(&h);
    test_outbox(&h);
    test_utf8(&h);
    test_threads(&h);
    TEST_MAIN_END(&h);
}
