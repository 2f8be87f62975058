/* api_cases.c -- GET /api/cases and GET /api/cases/{id} for agents: the
 * case and everything its visit did before it, so an agent never asks a
 * customer to repeat what they already tried. */
#include "auth.h"
#include "eventlog.h"
#include "reports.h"
#include "ratelimit.h"
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400.0

unsigned api_cases_list(struct request *rq)
{
    int bad;
    const char *from = req_arg(rq, "from", &bad);
    const char *to = req_arg(rq, "to", &bad);
    const char *q = req_arg(rq, "q", &bad);
    if (bad)
        return reply_error(rq, 400, "invalid_parameter", "parameters must be UTF-8 text");
    double tto = (double)((long long)(now_wall() / DAY) + 1) * DAY, tfrom = tto - 31 * DAY;
    if (to && *to && reports_parse_date(to, &tto) != 0)
        return reply_error(rq, 400, "invalid_to", "'to' must be a date like 2026-11-30");
    if (to && *to) /* the last day, included, as in the agent console */
        tto += DAY;
    if (from && *from && reports_parse_date(from, &tfrom) != 0)
        return reply_error(rq, 400, "invalid_from", "'from' must be a date like 2026-11-01");
    if (q && strlen(q) > 200)
        return reply_error(rq, 400, "invalid_parameter", "'q' is longer than 200 bytes");
    json_t *out = NULL;
    pthread_mutex_lock(&rq->app->reader_lock);
    int rc = eventlog_cases_list(rq->app->reader, tfrom, tto, q, 200, &out);
    if (rc != STORE_OK)
        fprintf(stderr, "kb-serve: cases: %s\n", eventlog_errmsg(rq->app->reader));
    pthread_mutex_unlock(&rq->app->reader_lock);
    if (rc != STORE_OK)
        return reply_error(rq, 500, "cases_failed", "the cases could not be read");
    return reply_json(rq, 200, out);
}

unsigned api_case_get(struct request *rq)
{
    const char *id = rq->path + strlen("/api/cases/");
    size_t n = strlen(id);
    if (n == 0 || n >= EVENTLOG_CASE_ID_SIZE + 8 || strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567-") != n)
        return reply_error(rq, 404, "not_found", "no case with this id");
    json_t *out = NULL;
    pthread_mutex_lock(&rq->app->reader_lock);
    int rc = eventlog_case_get(rq->app->reader, id, &out);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        fprintf(stderr, "kb-serve: case %s: %s\n", id, eventlog_errmsg(rq->app->reader));
    pthread_mutex_unlock(&rq->app->reader_lock);
    if (rc == STORE_NOT_FOUND)
        return reply_error(rq, 404, "not_found", "no case with this id");
    if (rc != STORE_OK)
        return reply_error(rq, 500, "cases_failed", "the case could not be read");
    return reply_json(rq, 200, out);
}

int req_case_throttled(struct request *rq)
{
    if (!rq->app->case_limit || req_sees_internal(rq))
        return 0;
    double wait = ratelimit_take(rq->app->case_limit, req_client_addr(rq), now_monotonic());
    if (wait <= 0)
        return 0;
    char secs[32];
    snprintf(secs, sizeof secs, "%.0f", wait < 1 ? 1.0 : wait + 0.5);
    reply_header(rq, "Retry-After", secs);
    return 1;
}
