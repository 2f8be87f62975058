/* reports.c -- the deflection, queries and gaps reports, each an
 * aggregation over the finished visits rp_scan() hands out
 * (reports_private.h); the articles report is in reports_articles.c. */
#include "reports_private.h"

#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL

static store_status oom(struct eventlog *el)
{
    return eventlog_fail(el, STORE_ERR_NOMEM, "report: out of memory");
}

/* Adds key: v to o; returns non-zero if v is NULL (OOM) or the set
 * failed, so a whole object can be built and checked once. */
static int put(json_t *o, const char *key, json_t *v)
{
    return json_object_set_new(o, key, v) != 0;
}

static double ratio(long long num, long long den)
{
    return den ? rp_round4((double)num / (double)den) : 0.0;
}

/* ---- deflection ---------------------------------------------------- */

struct counts {
    long long visits, searches, case_form, confirmed, potential, none,
        pending;
    long long self_service; /* visits that searched or read */
    long long with_case;    /* visits that submitted a case */
};

struct defl {
    long long first_day; /* first interval's start, days since epoch */
    long long step;      /* days per interval */
    size_t n;
    struct counts *iv;
    struct counts total;
};

static long long unit_start(long long day, long long step)
{
    /* Day 0 (1970-01-01) was a Thursday: Monday is 3 days earlier. */
    return step == 7 ? day - (day + 3) % 7 : day;
}

static void count_visit(struct counts *c, const struct rp_visit *v)
{
    c->visits++;
    c->searches += v->searches;
    c->case_form += v->case_form;
    c->self_service += v->searched || v->read;
    c->with_case += v->has_case;
    c->confirmed += v->outcome == RP_CONFIRMED;
    c->potential += v->outcome == RP_POTENTIAL;
    c->none += v->outcome == RP_NONE;
    c->pending += v->outcome == RP_PENDING;
}

static store_status defl_visit(void *ctx, const struct rp_visit *v)
{
    struct defl *d = ctx;
    long long day = v->first_ms / DAY_MS;
    long long i = (unit_start(day, d->step) - d->first_day) / d->step;

    /* The scan only returns visits that started inside the range. */
    if (i >= 0 && (size_t)i < d->n)
        count_visit(&d->iv[i], v);
    count_visit(&d->total, v);
    return STORE_OK;
}

/* The counts as JSON, after a "start" member when start is not NULL. */
static json_t *counts_json(const struct counts *c, const char *start)
{
    long long deflected = c->confirmed + c->potential;
    json_t *o = json_object();
    int bad = !o;

    if (!o)
        return NULL;
    if (start)
        bad |= put(o, "start", json_string(start));
    bad |= put(o, "visits", json_integer(c->visits));
    bad |= put(o, "searches", json_integer(c->searches));
    bad |= put(o, "case_form_visits", json_integer(c->case_form));
    bad |= put(o, "confirmed", json_integer(c->confirmed));
    bad |= put(o, "potential", json_integer(c->potential));
    bad |= put(o, "none", json_integer(c->none));
    bad |= put(o, "pending", json_integer(c->pending));
    bad |= put(o, "deflection_rate",
               json_real(ratio(deflected, deflected + c->none)));
    bad |= put(o, "self_service_score",
               json_real(ratio(c->self_service, c->with_case)));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *defl_json(const struct defl *d, double from_ts, double to_ts)
{
    json_t *o = json_object(), *arr = json_array();
    char date[16];
    size_t i;
    int bad = !o || !arr;

    reports_format_date(from_ts, date, sizeof date);
    bad |= put(o, "from", json_string(date));
    /* The last day the range includes: to_ts itself is excluded. */
    reports_format_date(to_ts - 0.001, date, sizeof date);
    bad |= put(o, "to", json_string(date));
    bad |= put(o, "total", counts_json(&d->total, NULL));
    for (i = 0; !bad && i < d->n; i++) {
        reports_format_date((double)((d->first_day + (long long)i * d->step) *
                                     86400),
                            date, sizeof date);
        bad |= json_array_append_new(arr, counts_json(&d->iv[i], date)) != 0;
    }
    bad |= put(o, "intervals", arr);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

store_status reports_deflection(struct eventlog *el, double from_ts, double to_ts,
                                enum reports_interval interval, double window,
                                double now, json_t **out)
{
    struct defl d;
    long long from_ms, to_ms, last_day;
    store_status r;

    *out = NULL;
    if ((r = rp_check_args(el, from_ts, to_ts, window, now)))
        return r;
    if (interval != REPORTS_DAY && interval != REPORTS_WEEK)
        return eventlog_fail(el, STORE_ERR_INVALID,
                             "report: interval must be day or week");
    memset(&d, 0, sizeof d);
    from_ms = storeval_bound_ms(from_ts);
    to_ms = storeval_bound_ms(to_ts);
    d.step = interval == REPORTS_WEEK ? 7 : 1;
    d.first_day = unit_start(from_ms / DAY_MS, d.step);
    last_day = to_ms > from_ms ? (to_ms - 1) / DAY_MS : from_ms / DAY_MS;
    if ((last_day - d.first_day) / d.step + 1 > REPORTS_MAX_INTERVALS)
        return eventlog_fail(el, STORE_ERR_INVALID, "report: more than %d "
                             "intervals; use a shorter range or weeks",
                             REPORTS_MAX_INTERVALS);
    d.n = (size_t)((last_day - d.first_day) / d.step + 1);
    d.iv = calloc(d.n, sizeof *d.iv);
    if (!d.iv)
        return oom(el);
    r = rp_scan(el, from_ts, to_ts, storeval_ms(window),
                storeval_bound_ms(now), defl_visit, &d);
    if (!r && !(*out = defl_json(&d, from_ts, to_ts)))
        r = oom(el);
    free(d.iv);
    return r;
}

/* ---- queries ------------------------------------------------------- */

struct qent {
    const char *q; /* normalized; owned by the map */
    long long count, clicked, confirmed, potential, none;
    long long latest_ms; /* latest search of the query */
    int latest_results;
    long long seen; /* visit seq that last counted an outcome here */
};

struct qrep {
    struct eventlog *el;
    struct rp_map map;
    struct qent *e;
    size_t cap;
};

/* The entry for a normalized query, created zeroed on first sight. */
static struct qent *qent_get(struct qrep *r, const char *q)
{
    const char *stored;
    size_t idx;
    int created;

    if (rp_reserve(&r->e, &r->cap, r->map.n + 1, sizeof *r->e) ||
        rp_map_get(&r->map, q, strlen(q), &idx, &created, &stored))
        return NULL;
    if (created) {
        memset(&r->e[idx], 0, sizeof r->e[idx]);
        r->e[idx].q = stored;
        r->e[idx].latest_ms = -1;
    }
    return &r->e[idx];
}

static store_status queries_visit(void *ctx, const struct rp_visit *v)
{
    struct qrep *r = ctx;
    size_t i;

    for (i = 0; i < v->n; i++) {
        const struct rp_event *e = &v->ev[i];
        const char *q = rp_str(v, e->query);
        struct qent *qe;

        if (e->kind != EVENTLOG_KIND_SEARCH || !q || !q[0])
            continue;
        if (!(qe = qent_get(r, q)))
            return oom(r->el);
        qe->count++;
        qe->clicked += e->clicked;
        if (e->ts_ms >= qe->latest_ms) {
            qe->latest_ms = e->ts_ms;
            qe->latest_results = e->results;
        }
        if (qe->seen != v->seq) {
            qe->seen = v->seq;
            qe->confirmed += v->outcome == RP_CONFIRMED;
            qe->potential += v->outcome == RP_POTENTIAL;
            qe->none += v->outcome == RP_NONE;
        }
    }
    return STORE_OK;
}

static int qent_cmp(const void *a, const void *b)
{
    const struct qent *x = a, *y = b;

    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->q, y->q);
}

static json_t *queries_json(struct qrep *r, int limit)
{
    json_t *arr = json_array(), *o;
    size_t i, n = r->map.n;
    int bad = !arr;

    if (n > 1)
        qsort(r->e, n, sizeof *r->e, qent_cmp);
    if (limit > 0 && (size_t)limit < n)
        n = (size_t)limit;
    for (i = 0; !bad && i < n; i++) {
        const struct qent *qe = &r->e[i];

        o = json_object();
        bad |= json_array_append_new(arr, o) != 0;
        if (bad)
            break;
        bad |= put(o, "query", json_string(qe->q));
        bad |= put(o, "count", json_integer(qe->count));
        bad |= put(o, "results", qe->latest_results >= 0
                                     ? json_integer(qe->latest_results)
                                     : json_null());
        bad |= put(o, "ctr", json_real(ratio(qe->clicked, qe->count)));
        bad |= put(o, "confirmed", json_integer(qe->confirmed));
        bad |= put(o, "potential", json_integer(qe->potential));
        bad |= put(o, "none", json_integer(qe->none));
    }
    o = bad ? NULL : json_pack("{s:o}", "queries", arr);
    if (bad)
        json_decref(arr);
    return o;
}

store_status reports_queries(struct eventlog *el, double from_ts, double to_ts,
                             double window, double now, int limit, json_t **out)
{
    struct qrep r;
    store_status rc;

    *out = NULL;
    if ((rc = rp_check_args(el, from_ts, to_ts, window, now)))
        return rc;
    memset(&r, 0, sizeof r);
    r.el = el;
    rc = rp_scan(el, from_ts, to_ts, storeval_ms(window),
                 storeval_bound_ms(now), queries_visit, &r);
    if (!rc && !(*out = queries_json(&r, limit)))
        rc = oom(el);
    free(r.e);
    rp_map_free(&r.map);
    return rc;
}

/* ---- gaps ---------------------------------------------------------- */

struct gent {
    const char *q; /* normalized; owned by the map */
    long long count, zero, no_click;
    char **cases; /* distinct subjects, owned */
    size_t ncases;
};

struct grep {
    struct eventlog *el;
    struct rp_map map;
    struct gent *e;
    size_t cap;
    size_t *slot; /* per event of the visit: its gent, or RP_NOSTR */
    size_t slotcap;
};

static int gap_add_case(struct gent *g, const char *subject)
{
    size_t i;

    for (i = 0; i < g->ncases; i++)
        if (strcmp(g->cases[i], subject) == 0)
            return 0;
    if (g->ncases >= REPORTS_GAP_CASES)
        return 0;
    if (!g->cases && !(g->cases = calloc(REPORTS_GAP_CASES, sizeof *g->cases)))
        return -1;
    if (!(g->cases[g->ncases] = strdup(subject)))
        return -1;
    g->ncases++;
    return 0;
}

static int is_gap(const struct rp_event *e)
{
    return e->results == 0 || (e->results > 0 && !e->clicked);
}

static store_status gaps_visit(void *ctx, const struct rp_visit *v)
{
    struct grep *r = ctx;
    size_t i, j, idx;
    int created;

    if (rp_reserve(&r->slot, &r->slotcap, v->n, sizeof *r->slot))
        return oom(r->el);
    for (i = 0; i < v->n; i++) {
        const struct rp_event *e = &v->ev[i];
        const char *q = rp_str(v, e->query);
        const char *stored;
        struct gent *g;

        r->slot[i] = RP_NOSTR;
        if (e->kind != EVENTLOG_KIND_SEARCH || !q || !q[0])
            continue;
        if (rp_reserve(&r->e, &r->cap, r->map.n + 1, sizeof *r->e) ||
            rp_map_get(&r->map, q, strlen(q), &idx, &created, &stored))
            return oom(r->el);
        g = &r->e[idx];
        if (created) {
            memset(g, 0, sizeof *g);
            g->q = stored;
        }
        r->slot[i] = idx;
        g->count++;
        g->zero += e->results == 0;
        g->no_click += e->results > 0 && !e->clicked;
    }
    /* Attach each case's subject to the gap searches before it. */
    for (j = 0; j < v->n; j++) {
        const char *subject = rp_str(v, v->ev[j].subject);

        if (v->ev[j].kind != EVENTLOG_KIND_CASE || !subject)
            continue;
        for (i = 0; i < j; i++)
            if (r->slot[i] != RP_NOSTR && is_gap(&v->ev[i]) &&
                gap_add_case(&r->e[r->slot[i]], subject))
                return oom(r->el);
    }
    return STORE_OK;
}

static int gent_cmp(const void *a, const void *b)
{
    const struct gent *x = a, *y = b;
    long long gx = x->zero + x->no_click, gy = y->zero + y->no_click;

    if (gx != gy)
        return gx > gy ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->q, y->q);
}

static json_t *gaps_json(struct grep *r, int limit)
{
    json_t *arr = json_array(), *o, *cases;
    size_t i, k, n = 0;
    int bad = !arr;

    if (r->map.n > 1)
        qsort(r->e, r->map.n, sizeof *r->e, gent_cmp);
    for (i = 0; !bad && i < r->map.n; i++) {
        const struct gent *g = &r->e[i];

        /* Sorted by gap count, so the first non-gap ends the list. */
        if (g->zero + g->no_click == 0 || (limit > 0 && n == (size_t)limit))
            break;
        n++;
        o = json_object();
        cases = json_array();
        bad |= json_array_append_new(arr, o) != 0 || !cases;
        if (bad) {
            json_decref(cases);
            break;
        }
        bad |= put(o, "query", json_string(g->q));
        bad |= put(o, "count", json_integer(g->count));
        bad |= put(o, "zero_results", json_integer(g->zero));
        bad |= put(o, "no_click", json_integer(g->no_click));
        bad |= put(o, "cases", cases);
        for (k = 0; !bad && k < g->ncases; k++)
            bad |= json_array_append_new(cases,
                                         storeval_json_str(g->cases[k])) != 0;
    }
    o = bad ? NULL : json_pack("{s:o}", "gaps", arr);
    if (bad)
        json_decref(arr);
    return o;
}

store_status reports_gaps(struct eventlog *el, double from_ts, double to_ts,
                          int limit, json_t **out)
{
    struct grep r;
    size_t i, k;
    store_status rc;

    *out = NULL;
    if ((rc = rp_check_args(el, from_ts, to_ts, REPORTS_DEFAULT_WINDOW, 0)))
        return rc;
    memset(&r, 0, sizeof r);
    r.el = el;
    /* Gaps do not depend on outcomes, so window and now are moot. */
    rc = rp_scan(el, from_ts, to_ts, storeval_ms(REPORTS_DEFAULT_WINDOW), 0,
                 gaps_visit, &r);
    if (!rc && !(*out = gaps_json(&r, limit)))
        rc = oom(el);
    for (i = 0; i < r.map.n; i++) {
        for (k = 0; k < r.e[i].ncases; k++)
            free(r.e[i].cases[k]);
        free(r.e[i].cases);
    }
    free(r.e);
    free(r.slot);
    rp_map_free(&r.map);
    return rc;
}
