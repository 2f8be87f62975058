/* routes.h -- how a request finds its handler: a table of routes
 * (method, path or path prefix, handler), given to the server by the
 * program (cmd/serve_routes.c holds kb-serve's, the whole URL space on
 * one screen), and the JSON API handlers of this layer. */
#ifndef KB_ROUTES_H
#define KB_ROUTES_H

#include "request.h"

typedef unsigned (*route_fn)(struct request *rq);

enum route_match { ROUTE_EXACT, ROUTE_PREFIX };

struct route {
    const char *method;
    const char *path;
    enum route_match match;
    route_fn fn;
};

/* Finds the handler for rq->method/rq->path in rq->app's table and runs
 * it; answers 404 and 405 (with Allow) itself.  Returns the HTTP
 * status. */
unsigned routes_dispatch(struct request *rq);

/* api.c */
unsigned api_healthz(struct request *rq);
unsigned api_search(struct request *rq);
unsigned api_suggest(struct request *rq);
unsigned api_article(struct request *rq);

/* api_events.c */
unsigned api_events_post(struct request *rq);
unsigned api_feedback_post(struct request *rq);
unsigned api_cases_post(struct request *rq);

/* api_reports.c */
unsigned api_report_deflection(struct request *rq);
unsigned api_report_queries(struct request *rq);
unsigned api_report_gaps(struct request *rq);
unsigned api_report_articles(struct request *rq);

/* api_cases.c */
unsigned api_cases_list(struct request *rq);
unsigned api_case_get(struct request *rq);

/* auth.c */
unsigned api_me(struct request *rq);

/* sitemap.c */
unsigned api_sitemap(struct request *rq);

/* admin.c */
unsigned api_reindex_start(struct request *rq);
unsigned api_reindex_get(struct request *rq);
unsigned api_content_report(struct request *rq);

#endif
