/* routes.c -- finding a request's route in the program's table, and
 * running it: kind, role check, handler. */
#include "routes.h"

#include "auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int path_matches(const struct route *r, const char *path)
{
    if (r->match == ROUTE_EXACT)
        return strcmp(r->path, path) == 0;
    return strncmp(r->path, path, strlen(r->path)) == 0;
}

static int has_handler(const struct route *r)
{
    return r->fn != NULL;
}

void routes_match(struct request *rq)
{
    const struct app *app = rq->app;
    const struct route *same_path = NULL, *space = NULL;
    rq->route = NULL;
    for (size_t i = 0; i < app->nroutes; i++) {
        const struct route *r = &app->routes[i];
        if (!path_matches(r, rq->path))
            continue;
        if (!has_handler(r)) {
            if (!space)
                space = r;
        } else if (strcmp(r->method, rq->method) == 0) {
            rq->route = r;
            break;
        } else if (!same_path) {
            same_path = r;
        }
    }
    const struct route *k = rq->route ? rq->route : same_path ? same_path : space;
    enum route_kind kind = k ? k->kind : ROUTE_PAGE;
    if (kind == ROUTE_FORM) {
        /* Sign-in and sign-out speak JSON to a client that posts JSON
         * to them; any other method there is answered as a page. */
        const char *ct = rq->route ? req_header(rq, "Content-Type") : NULL;
        rq->is_api = ct && strncasecmp(ct, "application/json", 16) == 0;
    } else {
        rq->is_api = kind == ROUTE_API;
    }
}

/* 405 for a path that other methods take, with their list in Allow;
 * else 404. */
static unsigned no_route(struct request *rq)
{
    int path_known = 0;
    char allow[64] = "";
    for (size_t i = 0; i < rq->app->nroutes; i++) {
        const struct route *r = &rq->app->routes[i];
        if (!has_handler(r) || !path_matches(r, rq->path))
            continue;
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

unsigned routes_dispatch(struct request *rq)
{
    const struct route *r = rq->route;
    if (!r)
        return no_route(rq);
    if (r->role != ROLE_NONE) {
        unsigned st;
        if (strcmp(r->method, "POST") == 0 && rq->body.len) {
            /* Read now, kept on rq for the handler's req_body_object(). */
            json_t *body;
            if ((st = req_body_object(rq, &body)))
                return st;
            json_decref(body);
        }
        st = r->kind == ROUTE_PAGE ? auth_require_page(rq, r->role)
                                   : auth_require(rq, r->role);
        if (st)
            return st;
    }
    return r->fn(rq);
}
