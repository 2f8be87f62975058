/* test_ubi.c -- the search log as User Behavior Insights JSON lines:
 * every record checked against UBI 1.3.0's rules, written out here from
 * its published schema (query.request.schema.json and
 * event.schema.json): a query needs user_query (string); query_id,
 * client_id, application, object_id_field are strings of at most 100
 * characters; timestamp an ISO 8601 date-time; query_response_hit_ids
 * an array of strings; query_attributes an object.  An event needs
 * action_name (string, at most 100) and timestamp; event_attributes is
 * an object that requires position; position holds ordinal with an
 * integer index (or xy with numbers x and y); object, when present,
 * requires object_id (a string of at most 256, or an integer) and its
 * object_id_field is a string of at most 100.  And the ids join: every
 * event's query_id names a query of the same client_id.  kb-report ubi
 * prints the same lines as the store function. */
#include "eventlog.h"
#include "harness.h"
#include "testutil.h"
#include "ubi.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int short_string(json_t *v, size_t max)
{
    return json_is_string(v) && json_string_length(v) <= max;
}

/* YYYY-MM-DDTHH:MM:SS[.fff](Z|+hh:mm): the date-time of RFC 3339 that
 * OpenSearch accepts (it wants a zone). */
static int date_time(json_t *v)
{
    const char *s = json_string_value(v);
    if (!s || strlen(s) < 20)
        return 0;
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return 0;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return strcmp(p, "Z") == 0 || (strlen(p) == 6 && (p[0] == '+' || p[0] == '-') &&
                                   p[3] == ':');
}

static int valid_query(json_t *q)
{
    if (!json_is_object(q) || !json_is_string(json_object_get(q, "user_query")))
        return 0;
    const char *str100[] = {"query_id", "client_id", "application", "object_id_field"};
    for (size_t i = 0; i < 4; i++) {
        json_t *v = json_object_get(q, str100[i]);
        if (v && !short_string(v, 100))
            return 0;
    }
    json_t *t = json_object_get(q, "timestamp");
    if (t && !date_time(t))
        return 0;
    json_t *hits = json_object_get(q, "query_response_hit_ids"), *h;
    size_t i;
    if (hits && !json_is_array(hits))
        return 0;
    json_array_foreach(hits, i, h) if (!json_is_string(h)) return 0;
    json_t *qa = json_object_get(q, "query_attributes");
    return !qa || json_is_object(qa);
}

static int valid_position(json_t *p)
{
    if (!json_is_object(p))
        return 0;
    json_t *ord = json_object_get(p, "ordinal"), *xy = json_object_get(p, "xy");
    int by_ordinal = json_is_object(ord) && json_is_integer(json_object_get(ord, "index"));
    int by_xy = json_is_object(xy) && json_is_number(json_object_get(xy, "x")) &&
                json_is_number(json_object_get(xy, "y"));
    return by_ordinal != by_xy; /* oneOf */
}

static int valid_event(json_t *e)
{
    if (!json_is_object(e) || !short_string(json_object_get(e, "action_name"), 100) ||
        !date_time(json_object_get(e, "timestamp")))
        return 0;
    const char *str100[] = {"query_id", "client_id", "application", "session_id",
                            "user_id", "message_type"};
    for (size_t i = 0; i < 6; i++) {
        json_t *v = json_object_get(e, str100[i]);
        if (v && !short_string(v, 100))
            return 0;
    }
    json_t *a = json_object_get(e, "event_attributes");
    if (!a)
        return 1;
    if (!json_is_object(a) || !valid_position(json_object_get(a, "position")))
        return 0;
    json_t *o = json_object_get(a, "object");
    if (!o)
        return 1;
    json_t *id = json_object_get(o, "object_id"), *f = json_object_get(o, "object_id_field");
    if (!json_is_object(o) || !(short_string(id, 256) || json_is_integer(id)))
        return 0;
    return !f || short_string(f, 100);
}

static struct eventlog_event ev(enum eventlog_kind kind, double ts, const char *visit)
{
    struct eventlog_event e = {
        .kind = kind, .ts = ts, .visit = visit, .locale = "en-us",
        .rank = -1, .results = -1, .latency_us = -1, .helpful = -1,
    };
    return e;
}

int main(void)
{
    struct harness h = {0, 0};
    char dir[512], db[600];
    CHECK_INT_EQ(&h, tu_mkdtemp(dir, sizeof dir, "ubi"), 0);
    snprintf(db, sizeof db, "%s/kb.db", dir);
    struct eventlog *el = NULL;
    CHECK_INT_EQ(&h, eventlog_open(db, &el), STORE_OK);

    double t = (double)time(NULL) - 3600.0;
    const char *shown[] = {"billing/refunds", "billing/invoices"};
    struct eventlog_event e[12];
    size_t n = 0;
    const char *hits[] = {"billing/refunds", "faq/billing"};
    e[n] = ev(EVENTLOG_KIND_SEARCH, t, "visit-one-0001"), e[n].query = "refund",
    e[n].articles = hits, e[n].narticles = 2, e[n++].results = 2;
    e[n] = ev(EVENTLOG_KIND_CLICK, t + 1, "visit-one-0001"), e[n].query = "refund",
    e[n].article = "billing/refunds", e[n].section = "how-to-ask", e[n++].rank = 1;
    e[n] = ev(EVENTLOG_KIND_VIEW, t + 2, "visit-one-0001"), e[n++].article = "billing/refunds";
    e[n] = ev(EVENTLOG_KIND_VOTE, t + 3, "visit-one-0001"), e[n].article = "billing/refunds",
    e[n++].helpful = 1;
    e[n] = ev(EVENTLOG_KIND_SEARCH, t + 4, "visit-one-0001"), e[n].query = "late fee \"2%\"",
    e[n++].results = 0;
    e[n] = ev(EVENTLOG_KIND_DEFLECT, t + 5, "visit-one-0001"), e[n].article = "billing/refunds",
    e[n++].source = "article";
    e[n] = ev(EVENTLOG_KIND_VIEW, t + 10, "visit-two-0002"), e[n++].article = "billing/invoices";
    e[n] = ev(EVENTLOG_KIND_SUGGEST, t + 11, "visit-two-0002"), e[n].query = "invoice",
    e[n].articles = shown, e[n++].narticles = 2;
    e[n] = ev(EVENTLOG_KIND_CASE, t + 12, "visit-two-0002"), e[n++].case_id = "C-TEST1";
    CHECK_INT_EQ(&h, eventlog_record_many(el, e, n), STORE_OK);

    struct strbuf out = STRBUF_INIT;
    CHECK_INT_EQ(&h, ubi_export(el, t - 86400, t + 86400, &out), STORE_OK);
    eventlog_close(el);

    CHECK(&h, strstr(out.buf ? out.buf : "", "\"query_response_hit_ids\":[\"billing/refunds\","
                                             "\"billing/invoices\"]") != NULL);
    json_t *queries = json_object(); /* query_id -> client_id */
    size_t nq = 0, ne = 0, bad = 0, clicks = 0, refund_seen = 0;
    json_t *events = json_array();
    for (char *line = out.buf, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        CHECK(&h, nl != NULL);
        if (!nl)
            break;
        *nl = '\0';
        json_t *j = json_loads(line, 0, NULL);
        CHECK(&h, json_is_object(j) && json_object_size(j) == 1);
        json_t *q = json_object_get(j, "ubi_queries"), *ee = json_object_get(j, "ubi_events");
        if (q) {
            nq++;
            bad += !valid_query(q);
            /* The fields the issue names are there. */
            CHECK(&h, json_is_string(json_object_get(q, "query_id")) &&
                          json_is_string(json_object_get(q, "client_id")) &&
                          json_is_array(json_object_get(q, "query_response_hit_ids")) &&
                          json_is_string(json_object_get(q, "application")));
            /* A search's own hits, in the order returned. */
            if (strcmp(json_string_value(json_object_get(q, "user_query")), "refund") == 0) {
                json_t *ids = json_object_get(q, "query_response_hit_ids");
                CHECK_INT_EQ(&h, json_array_size(ids), 2);
                CHECK_STR_EQ(&h, json_string_value(json_array_get(ids, 0)), "billing/refunds");
                CHECK_STR_EQ(&h, json_string_value(json_array_get(ids, 1)), "faq/billing");
                refund_seen++;
            }
            json_object_set(queries, json_string_value(json_object_get(q, "query_id")),
                            json_object_get(q, "client_id"));
        } else if (ee) {
            ne++;
            bad += !valid_event(ee);
            json_array_append(events, ee);
        } else {
            bad++;
        }
        if (!valid_query(q) && !valid_event(ee))
            fprintf(stderr, "invalid record: %s\n", line);
        json_decref(j);
    }
    CHECK_INT_EQ(&h, nq, 3);
    CHECK_INT_EQ(&h, refund_seen, 1);
    CHECK_INT_EQ(&h, ne, 6);
    CHECK_INT_EQ(&h, bad, 0);

    /* The ids join: every event's query_id is a query of its client. */
    size_t i;
    json_t *x;
    json_array_foreach(events, i, x)
    {
        const char *qid = json_string_value(json_object_get(x, "query_id"));
        const char *action = json_string_value(json_object_get(x, "action_name"));
        json_t *attrs = json_object_get(x, "event_attributes");
        if (qid)
            CHECK_STR_EQ(&h, json_string_value(json_object_get(queries, qid)),
                         json_string_value(json_object_get(x, "client_id")));
        if (strcmp(action, "click") == 0) {
            clicks++;
            CHECK_STR_EQ(&h, qid, "visit-one-0001.1");
            CHECK_INT_EQ(&h,
                         json_integer_value(json_object_get(
                             json_object_get(json_object_get(attrs, "position"), "ordinal"),
                             "index")),
                         1);
            CHECK_STR_EQ(&h, json_string_value(json_object_get(
                                 json_object_get(attrs, "object"), "object_id")),
                         "billing/refunds");
        }
        if (strcmp(action, "deflection") == 0)
            CHECK_STR_EQ(&h, qid, "visit-one-0001.2");
        if (strcmp(action, "case") == 0) {
            CHECK_STR_EQ(&h, qid, "visit-two-0002.1");
            CHECK_STR_EQ(&h, json_string_value(json_object_get(
                                 json_object_get(attrs, "object"), "object_id_field")),
                         "case_id");
        }
        if (strcmp(action, "view") == 0 && !qid)
            CHECK_STR_EQ(&h, json_string_value(json_object_get(x, "client_id")),
                         "visit-two-0002");
    }
    CHECK_INT_EQ(&h, clicks, 1);

    /* The validator can fail: records that break the rules. */
    json_t *broken = json_loads("{\"action_name\":\"click\",\"timestamp\":\"yesterday\"}", 0, NULL);
    CHECK(&h, !valid_event(broken));
    json_decref(broken);
    broken = json_loads("{\"action_name\":\"click\",\"timestamp\":\"2026-01-02T03:04:05Z\","
                        "\"event_attributes\":{\"object\":{\"object_id\":\"a\"}}}", 0, NULL);
    CHECK(&h, !valid_event(broken));
    json_decref(broken);
    broken = json_loads("{\"query_id\":\"q\",\"query_response_hit_ids\":[1]}", 0, NULL);
    CHECK(&h, !valid_query(broken));
    json_decref(broken);

    /* kb-report ubi prints the same lines. */
    char *argv[] = {KB_REPORT_BIN, "--db", db, "ubi", NULL};
    char *cli = NULL;
    CHECK_INT_EQ(&h, tu_run(argv, &cli, NULL), 0);
    json_decref(queries);
    json_decref(events);
    strbuf_release(&out);
    struct eventlog *again = NULL;
    CHECK_INT_EQ(&h, eventlog_open(db, &again), STORE_OK);
    CHECK_INT_EQ(&h, ubi_export(again, t - 86400, t + 86400, &out), STORE_OK);
    eventlog_close(again);
    CHECK_STR_EQ(&h, cli, out.buf);
    char *csv_argv[] = {KB_REPORT_BIN, "--db", db, "ubi", "--csv", NULL};
    CHECK_INT_EQ(&h, tu_run(csv_argv, NULL, NULL), 2);
    free(cli);
    strbuf_release(&out);
    tu_rmrf(dir);
    TEST_MAIN_END(&h);
}
