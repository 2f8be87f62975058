/* api_reports.c -- GET /api/reports/{deflection,queries,gaps,articles}.
 *
 * Reports show what customers searched for and which cases they filed:
 * they answer only to signed-in agents and authors. */
#include "auth.h"
#include "eventlog.h"
#include "reports.h"
#include "routes.h"
#include "ubi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400.0

struct report_args {
    double from, to;
    enum reports_interval interval;
    int limit;
    int csv;
};

static unsigned parse_args(struct request *rq, struct report_args *a)
{
    int bad;
    const char *from = req_arg(rq, "from", &bad);
    const char *to = req_arg(rq, "to", &bad);
    const char *interval = req_arg(rq, "interval", &bad);
    const char *format = req_arg(rq, "format", &bad);
    const char *limit = req_arg(rq, "limit", &bad);
    double now = now_wall();
    a->to = (double)((long long)(now / DAY) + 1) * DAY; /* tomorrow 00:00 UTC */
    a->from = a->to - 31 * DAY;
    if (to && *to && reports_parse_date(to, &a->to) != 0)
        return reply_error(rq, 400, "invalid_to", "'to' must be a date like 2026-11-30");
    /* 'to' names the last day, included, as in kb-report and the agent
     * console: the reports take the midnight after it. */
    if (to && *to)
        a->to += DAY;
    if (from && *from && reports_parse_date(from, &a->from) != 0)
        return reply_error(rq, 400, "invalid_from", "'from' must be a date like 2026-11-01");
    if (a->from >= a->to)
        return reply_error(rq, 400, "invalid_range", "'from' must not be after 'to'");
    if (a->to - a->from > 3660 * DAY)
        return reply_error(rq, 400, "invalid_range", "the range is longer than ten years");
    a->interval = REPORTS_DAY;
    if (interval && strcmp(interval, "week") == 0)
        a->interval = REPORTS_WEEK;
    else if (interval && *interval && strcmp(interval, "day") != 0)
        return reply_error(rq, 400, "invalid_interval", "'interval' must be day or week");
    a->csv = 0;
    if (format && strcmp(format, "csv") == 0)
        a->csv = 1;
    else if (format && *format && strcmp(format, "json") != 0)
        return reply_error(rq, 400, "invalid_format", "'format' must be json or csv");
    a->limit = 100;
    if (limit && *limit) {
        char *end;
        long n = strtol(limit, &end, 10);
        if (*end || n < 1 || n > 10000)
            return reply_error(rq, 400, "invalid_limit", "'limit' must be from 1 to 10000");
        a->limit = (int)n;
    }
    return 0;
}

static unsigned report(struct request *rq, const char *which)
{
    if (!rq->app->reader)
        return reply_error(rq, 503, "events_disabled", "the event store is not available");
    struct report_args a;
    unsigned st = parse_args(rq, &a);
    if (st)
        return st;
    json_t *out = NULL;
    double window = rq->app->cfg.deflection_window, now = now_wall();
    int rc;
    pthread_mutex_lock(&rq->app->reader_lock);
    if (strcmp(which, "deflection") == 0)
        rc = reports_deflection(rq->app->reader, a.from, a.to, a.interval, window, now, &out);
    else if (strcmp(which, "queries") == 0)
        rc = reports_queries(rq->app->reader, a.from, a.to, window, now, a.limit, &out);
    else if (strcmp(which, "gaps") == 0)
        rc = reports_gaps(rq->app->reader, a.from, a.to, a.limit, &out);
    else
        rc = reports_articles(rq->app->reader, a.from, a.to, window, now, &out);
    if (rc != STORE_OK)
        fprintf(stderr, "kb-serve: report %s: %s\n", which, eventlog_errmsg(rq->app->reader));
    pthread_mutex_unlock(&rq->app->reader_lock);
    if (rc != STORE_OK)
        return reply_error(rq, 500, "report_failed", "the report failed; see the server log");
    if (!a.csv)
        return reply_json(rq, 200, out);
    char *csv = NULL;
    rc = reports_to_csv(out, which, &csv);
    json_decref(out);
    if (rc != 0)
        return reply_error(rq, 500, "report_failed", "the report could not be written as CSV");
    strbuf_adds(&rq->out, csv);
    free(csv);
    rq->content_type = "text/csv; charset=utf-8";
    char disp[96];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s.csv\"", which);
    reply_header(rq, "Content-Disposition", disp);
    return 200;
}

unsigned api_report_deflection(struct request *rq)
{
    return report(rq, "deflection");
}

unsigned api_report_queries(struct request *rq)
{
    return report(rq, "queries");
}

unsigned api_report_gaps(struct request *rq)
{
    return report(rq, "gaps");
}

unsigned api_report_articles(struct request *rq)
{
    return report(rq, "articles");
}

/* GET /api/reports/ubi?from=&to=: the search log as UBI 1.3.0 JSON
 * lines (ubi.h), for authors. */
unsigned api_report_ubi(struct request *rq)
{
    if (!rq->app->reader)
        return reply_error(rq, 503, "events_disabled", "the event store is not available");
    struct report_args a;
    unsigned st = parse_args(rq, &a);
    if (st)
        return st;
    pthread_mutex_lock(&rq->app->reader_lock);
    store_status rc = ubi_export(rq->app->reader, a.from, a.to, &rq->out);
    if (rc != STORE_OK)
        fprintf(stderr, "kb-serve: report ubi: %s\n", eventlog_errmsg(rq->app->reader));
    pthread_mutex_unlock(&rq->app->reader_lock);
    if (rc != STORE_OK) {
        strbuf_reset(&rq->out);
        return reply_error(rq, 500, "report_failed", "the report failed; see the server log");
    }
    rq->content_type = "application/x-ndjson; charset=utf-8";
    reply_header(rq, "Content-Disposition", "attachment; filename=\"ubi.jsonl\"");
    return 200;
}
