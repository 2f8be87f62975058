/* routes.h -- how a request finds its handler: a table of routes, each
 * saying its method, path or path prefix, kind (API or page), the role
 * it needs and its handler, given to the server by the program
 * (cmd/serve_routes.c holds kb-serve's: the whole URL space and its
 * access rules on one screen); and the JSON API handlers of this
 * layer. */
#ifndef KB_ROUTES_H
#define KB_ROUTES_H

#include "request.h"

/* A handler: reads rq, writes rq->out, returns the HTTP status.  It
 * runs only after the dispatcher's role check has passed. */
typedef unsigned (*route_fn)(struct request *rq);

enum route_match {
    ROUTE_EXACT, /* the path is the route's path */
    ROUTE_PREFIX /* the path begins with it ("/api/articles/" + id) */
};

/* What a route answers, and so how its errors and refusals look. */
enum route_kind {
    ROUTE_API,  /* JSON: errors {"error","message"}; 401/403 as JSON */
    ROUTE_PAGE, /* for browsers (HTML, static files, the sitemap): error
                   pages; nobody signed in: 303 to /login?next=PATH;
                   too low a role: the forbidden page */
    ROUTE_FORM  /* sign-in and sign-out: JSON to a client that posts
                   JSON (Content-Type: application/json) to the route,
                   else like a page, but 401/403 as error pages, never
                   a redirect */
};

struct route {
    const char *method;     /* "GET" (HEAD is served as GET) or "POST";
                               "*" for a part of the URL space that only
                               sets the kind of its 404s (fn is NULL) */
    const char *path;
    enum route_match match;
    enum route_kind kind;
    enum account_role role; /* ROLE_NONE: anyone; ROLE_AGENT: agents and
                               authors; ROLE_AUTHOR: authors only */
    route_fn fn;
};

/* Looks rq->method and rq->path up in rq->app's table and sets
 * rq->route (NULL when no route takes this method there) and
 * rq->is_api from the kind: the matched route's, else that of a route
 * for the path with another method (the 405), else of the "*" part of
 * the URL space the path is in (the 404), else a page.  Called once per
 * request when its headers are in, before anything is answered. */
void routes_match(struct request *rq);

/* Runs rq->route: 404, or 405 with Allow, when there is none; else the
 * role check (auth.h: auth_require, auth_require_page) and the handler.
 * A POST to a route with a role has its body read first
 * (req_body_object), so a body that cannot be read is refused (400,
 * 415) whoever sends it.  Returns the HTTP status. */
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
unsigned api_report_ubi(struct request *rq);

/* api_cases.c */
unsigned api_cases_list(struct request *rq);
unsigned api_case_get(struct request *rq);

/* sitemap.c */
unsigned api_sitemap(struct request *rq);

/* openapi.c */
unsigned api_openapi(struct request *rq);

/* admin.c */
unsigned api_reindex_start(struct request *rq);
unsigned api_reindex_get(struct request *rq);
unsigned api_content_report(struct request *rq);

#endif
