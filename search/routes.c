/* routes.c -- the URL space of kb-serve. */
#include "routes.h"

#include <stdio.h>
#include <string.h>

enum match { ROUTE_EXACT, ROUTE_PREFIX };

struct route {
    const char *method;
    const char *path;
    enum match match;
    route_fn fn;
};

static const struct route routes[] = {
    {"GET", "/healthz", ROUTE_EXACT, api_healthz},
    {"GET", "/api/search", ROUTE_EXACT, api_search},
    {"GET", "/api/suggest", ROUTE_EXACT, api_suggest},
    {"GET", "/api/articles/", ROUTE_PREFIX, api_article},
    {"POST", "/api/events", ROUTE_EXACT, api_events_post},
    {"POST", "/api/feedback", ROUTE_EXACT, api_feedback_post},
    {"POST", "/api/cases", ROUTE_EXACT, api_cases_post},
    {"GET", "/api/reports/deflection", ROUTE_EXACT, api_report_deflection},
    {"GET", "/api/reports/queries", ROUTE_EXACT, api_report_queries},
    {"GET", "/api/reports/gaps", ROUTE_EXACT, api_report_gaps},
    {"GET", "/api/reports/articles", ROUTE_EXACT, api_report_articles},
    {"GET", "/api/cases", ROUTE_EXACT, api_cases_list},
    {"GET", "/api/cases/", ROUTE_PREFIX, api_case_get},
    {"GET", "/api/me", ROUTE_EXACT, api_me},
    {"POST", "/api/admin/reindex", ROUTE_EXACT, api_reindex_start},
    {"GET", "/api/admin/reindex/", ROUTE_PREFIX, api_reindex_get},
    {"GET", "/api/admin/content-report", ROUTE_EXACT, api_content_report},
    {"GET", "/sitemap.xml", ROUTE_EXACT, page_sitemap},
    {"GET", "/login", ROUTE_EXACT, page_login},
    {"POST", "/login", ROUTE_EXACT, post_login},
    {"POST", "/logout", ROUTE_EXACT, post_logout},
    {"GET", "/", ROUTE_EXACT, page_home},
    {"GET", "/search", ROUTE_EXACT, page_search},
    {"GET", "/articles/", ROUTE_PREFIX, page_article},
    {"GET", "/static/", ROUTE_PREFIX, page_static},
    {"POST", "/articles/", ROUTE_PREFIX, page_article_post},
    {"GET", "/contact", ROUTE_EXACT, page_contact},
    {"POST", "/contact", ROUTE_EXACT, page_contact_post},
    {"GET", "/api/html/articles/", ROUTE_PREFIX, api_article_html},
    {"GET", "/agent", ROUTE_EXACT, page_agent},
    {"GET", "/agent/cases/", ROUTE_PREFIX, page_agent_case},
    {"GET", "/author", ROUTE_EXACT, page_author},
    {"POST", "/author/reindex", ROUTE_EXACT, page_reindex_post},
    {"GET", "/author/reindex/", ROUTE_PREFIX, page_reindex_get},
};

static int path_matches(const struct route *r, const char *path)
{
    if (r->match == ROUTE_EXACT)
        return strcmp(r->path, path) == 0;
    return strncmp(r->path, path, strlen(r->path)) == 0;
}

unsigned routes_dispatch(struct request *rq)
{
    int path_known = 0;
    char allow[64] = "";
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const struct route *r = &routes[i];
        if (!path_matches(r, rq->path))
            continue;
        if (strcmp(r->method, rq->method) == 0)
            return r->fn(rq);
        path_known = 1;
        if (!strstr(allow, r->method)) {
            size_t n = strlen(allow);
            snprintf(allow + n, sizeof allow - n, "%s%s", n ? ", " : "", r->method);
        }
    }
    if (path_known) {
        reply_header(rq, "Allow", allow);
        return reply_error(rq, 405, "method_not_allowed",
                           "this path does not accept that method");
    }
    return reply_error(rq, 404, "not_found", "no such path");
}
