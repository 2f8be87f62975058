/* routes.c -- finding a request's handler in the program's route
 * table. */
#include "routes.h"

#include <stdio.h>
#include <string.h>

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
    for (size_t i = 0; i < rq->app->nroutes; i++) {
        const struct route *r = &rq->app->routes[i];
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
