/* server.h -- the HTTP side of kb-serve: the application state, the
 * per-request context and the helpers handlers use to answer.
 *
 * Handlers (routes.h) read the request through req_arg() and friends,
 * write their body into rq->out, set rq->content_type and return the
 * HTTP status.  A non-2xx status with an empty body is turned into a
 * JSON error (API paths) or an HTML error page (pages) by the
 * dispatcher. */
#ifndef KB_SERVER_H
#define KB_SERVER_H

#include "handle_pool.h"
#include "strbuf.h"
#include "template.h"

#include <jansson.h>
#include <stddef.h>

struct app_config {
    const char *index_dir;
    const char *web_dir;
    const char *default_locale;
    const char *listen_host; /* numeric IPv4 or IPv6 address */
    unsigned port;           /* 0: any free port */
    unsigned threads;        /* worker threads */
    size_t max_body;         /* request body limit in bytes */
    unsigned conn_limit;     /* open connections in all */
    unsigned per_ip_limit;   /* open connections from one address */
    unsigned timeout;        /* idle connection timeout, seconds */
};

struct app {
    struct app_config cfg;
    struct handle_pool *pool;
    struct templates *tpl;
    char static_root[4096]; /* realpath of <web>/static */
    struct MHD_Daemon *daemon;
};

#define REQ_MAX_HEADERS 6

struct request {
    struct app *app;
    struct MHD_Connection *conn;
    const char *method; /* "HEAD" is served as "GET" */
    const char *path;
    struct strbuf body; /* request body, up to cfg.max_body */
    int body_too_large;
    struct strbuf out;  /* response body */
    const char *content_type;
    const char *error_code; /* set by reply_error */
    struct {
        const char *name;
        char *value; /* owned */
    } headers[REQ_MAX_HEADERS];
    size_t nheaders;
    int is_api;
};

/* Starts listening; returns 0, or -1 with err filled. */
int server_start(struct app *app, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
unsigned server_port(const struct app *app);
void server_stop(struct app *app);

/* A query-string argument, or NULL when missing.  *bad is set to 1 when
 * the value holds a NUL byte or is not valid UTF-8 (then NULL is
 * returned). */
const char *req_arg(struct request *rq, const char *name, int *bad);
/* A request header, or NULL. */
const char *req_header(struct request *rq, const char *name);

/* Adds a response header (value copied). */
void reply_header(struct request *rq, const char *name, const char *value);

/* Serialises o (reference stolen) as the JSON body; returns status. */
unsigned reply_json(struct request *rq, unsigned status, json_t *o);

/* A JSON error {"error":code,"message":msg} on API paths, an HTML error
 * page elsewhere; returns status. */
unsigned reply_error(struct request *rq, unsigned status, const char *code,
                     const char *msg);

#endif
