/* server.c -- libmicrohttpd glue: request contexts, body limits,
 * response headers, error bodies. */
#include "request.h"
#include "server.h"

#include "accesslog.h"
#include "escape.h"
#include "metrics.h"
#include "routes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The slow-request guard.  MHD's connection timeout (--timeout) is an
 * idle timeout: every byte received renews it, so a client sending one
 * byte a second holds a connection, and a per-address slot, for ever.
 * The guard gives a client --timeout seconds to deliver a whole request
 * (headers and body), counted from when the connection began to wait
 * for it: accepted, or done with the previous request.  A thread looks
 * at the waiting connections a few times a second and shuts the socket
 * of a late one down; MHD then sees the end of the stream and closes
 * the connection itself.
 *
 * Every connection has a conn_watch as its MHD socket context, linked
 * in the guard's list from MHD_CONNECTION_NOTIFY_STARTED until
 * MHD_CONNECTION_NOTIFY_CLOSED.  MHD closes the socket only after the
 * CLOSED notification, so under the guard's lock a listed fd is still
 * the connection's own and shutdown() cannot hit a reused descriptor. */
struct conn_watch {
    struct conn_watch *prev, *next;
    int fd;
    int busy;     /* a complete request is being answered */
    int shut;     /* the guard has shut it down */
    double since; /* monotonic seconds: began waiting for a request */
};

struct conn_guard {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* stop */
    pthread_t thread;
    int stopping;
    double limit;        /* seconds a request may take to arrive */
    struct conn_watch *head;
};

#define GUARD_TICK_NS (250L * 1000 * 1000)

static struct request *request_new(struct app *app, struct MHD_Connection *conn,
                                   const char *method, const char *url)
{
    struct request *rq = calloc(1, sizeof *rq);
    if (!rq)
        return NULL;
    rq->app = app;
    rq->conn = conn;
    rq->method = strcmp(method, "HEAD") == 0 ? "GET" : method;
    rq->path = url;
    rq->started = now_monotonic();
    routes_match(rq);
    return rq;
}

static void request_free(struct request *rq)
{
    if (!rq)
        return;
    strbuf_release(&rq->body);
    json_decref(rq->body_object);
    strbuf_release(&rq->out);
    for (size_t i = 0; i < rq->nheaders; i++)
        free(rq->headers[i].value);
    free(rq);
}

static void *guard_run(void *arg)
{
    struct conn_guard *g = arg;
    pthread_mutex_lock(&g->lock);
    while (!g->stopping) {
        double now = now_monotonic();
        for (struct conn_watch *w = g->head; w; w = w->next) {
            if (!w->busy && !w->shut && now - w->since > g->limit) {
                shutdown(w->fd, SHUT_RDWR);
                w->shut = 1;
            }
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += GUARD_TICK_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&g->wake, &g->lock, &until);
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

static struct conn_guard *guard_start(double limit)
{
    struct conn_guard *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->limit = limit;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->wake, NULL);
    if (pthread_create(&g->thread, NULL, guard_run, g) != 0) {
        pthread_mutex_destroy(&g->lock);
        pthread_cond_destroy(&g->wake);
        free(g);
        return NULL;
    }
    return g;
}

/* Call after MHD_stop_daemon(): every connection is closed by then. */
static void guard_stop(struct conn_guard *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->lock);
    g->stopping = 1;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->lock);
    pthread_join(g->thread, NULL);
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->wake);
    free(g);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct app *app = cls;
    struct conn_guard *g = app->guard;
    struct conn_watch *w = *socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        w = ci ? calloc(1, sizeof *w) : NULL;
        if (!w)
            return; /* unguarded: MHD's idle timeout still applies */
        w->fd = ci->connect_fd;
        w->since = now_monotonic();
        pthread_mutex_lock(&g->lock);
        w->next = g->head;
        if (g->head)
            g->head->prev = w;
        g->head = w;
        pthread_mutex_unlock(&g->lock);
        *socket_context = w;
        return;
    }
    if (!w)
        return;
    pthread_mutex_lock(&g->lock);
    if (w->prev)
        w->prev->next = w->next;
    else
        g->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    pthread_mutex_unlock(&g->lock);
    free(w);
    *socket_context = NULL;
}

/* busy = 1: the request has arrived in full; 0: the connection waits
 * for the next one from now on. */
static void guard_mark(struct app *app, struct MHD_Connection *conn, int busy)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn_watch *w = ci ? ci->socket_context : NULL;
    if (!w)
        return;
    pthread_mutex_lock(&app->guard->lock);
    w->busy = busy;
    w->since = now_monotonic();
    pthread_mutex_unlock(&app->guard->lock);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    guard_mark(cls, conn, 0);
    request_free(*req_cls);
    *req_cls = NULL;
}

static int staff_path(const char *p)
{
    static const char *const staff[] = {"/agent", "/author", "/login", "/logout"};
    for (size_t i = 0; i < sizeof staff / sizeof staff[0]; i++) {
        size_t n = strlen(staff[i]);
        if (strncmp(p, staff[i], n) == 0 && (p[n] == '\0' || p[n] == '/' || p[n] == '?'))
            return 1;
    }
    return 0;
}

static enum MHD_Result send_reply(struct request *rq, unsigned status)
{
    size_t len = 0;
    if (status >= 400 && rq->out.len == 0)
        reply_error(rq, status, status == 413 ? "body_too_large" : "error",
                    status == 413 ? "request body too large" : "request failed");
    char *body = strbuf_detach(&rq->out, &len);
    if (!body)
        return MHD_NO;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type",
                            rq->content_type ? rq->content_type
                                             : "text/plain; charset=utf-8");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (!rq->is_api)
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; "
                                "object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    /* No cache, shared or private, keeps an answer made for a signed-in
     * agent or author (internal articles, cases, reports) or any staff
     * page, whatever its status. */
    if (rq->cache_control && rq->auth_kind == AUTH_NONE && !staff_path(rq->path))
        MHD_add_response_header(resp, "Cache-Control", rq->cache_control);
    else if (rq->is_api || rq->auth_kind != AUTH_NONE || staff_path(rq->path))
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    for (size_t i = 0; i < rq->nheaders; i++)
        MHD_add_response_header(resp, rq->headers[i].name, rq->headers[i].value);
    enum MHD_Result ret = MHD_queue_response(rq->conn, status, resp);
    MHD_destroy_response(resp);
    metrics_request(rq->app->metrics, rq, status, now_monotonic() - rq->started);
    if (rq->app->access_log)
        access_log_request(rq->app->access_log, rq, rq->path, status, len,
                           (rq->route && rq->route->role != ROLE_NONE) || staff_path(rq->path));
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    struct app *app = cls;
    (void)version;
    struct request *rq = *req_cls;
    if (!rq) {
        rq = request_new(app, conn, method, url);
        if (!rq)
            return MHD_NO;
        *req_cls = rq;
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* Keep reading an oversized body (so the reply can be sent on a
         * clean connection) but store no more of it. */
        if (rq->body.len + *upload_data_size > app->cfg.max_body)
            rq->body_too_large = 1;
        else
            strbuf_add(&rq->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    guard_mark(app, conn, 1);
    /* A client that sends JSON reads JSON errors, whatever the path. */
    const char *ct = req_header(rq, "Content-Type");
    if (ct && strncasecmp(ct, "application/json", 16) == 0 &&
        (rq->body_too_large || strbuf_failed(&rq->body)))
        rq->is_api = 1;
    unsigned status;
    if (rq->body_too_large)
        status = reply_error(rq, 413, "body_too_large", "request body too large");
    else if (strbuf_failed(&rq->body))
        status = reply_error(rq, 503, "overloaded", "out of memory; try again");
    else
        status = routes_dispatch(rq);
    return send_reply(rq, status);
}

static void on_panic(void *cls, const char *file, unsigned line, const char *reason)
{
    (void)cls;
    fprintf(stderr, "kb-serve: fatal error in the HTTP library at %s:%u: %s\n",
            file ? file : "?", line, reason ? reason : "");
    abort();
}

/* The listening socket, made here rather than by libmicrohttpd so that
 * a failure names the address and the reason ("address in use"), and
 * so that a name ("localhost") works: its first address that binds,
 * IPv4 before IPv6 (Debian's /etc/hosts gives localhost both 127.0.0.1
 * and ::1; a browser tries both, but most tools and proxies that are
 * told "localhost" or 127.0.0.1 reach the IPv4 one).
 * opt names the option in messages.  Returns the socket, or -1 with the
 * reason in err. */
static int listen_socket(const char *opt, const char *host, unsigned port, unsigned *flags,
                         char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    char service[16];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(service, sizeof service, "%u", port);
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "%s: cannot resolve '%s': %s", opt, host, gai_strerror(gai));
        return -1;
    }
    int fd = -1, saved = 0;
    for (int pass = 0; pass < 2 && fd < 0; pass++) {
        for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
            if (ai->ai_family != (pass == 0 ? AF_INET : AF_INET6))
                continue;
            fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
            if (fd < 0) {
                saved = errno;
                continue;
            }
            int one = 1;
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            if (ai->ai_family == AF_INET6)
                setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
            if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
                saved = errno;
                close(fd);
                fd = -1;
                continue;
            }
            if (ai->ai_family == AF_INET6)
                *flags |= MHD_USE_IPv6;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        int v6 = strchr(host, ':') != NULL;
        snprintf(err, errlen, "cannot listen on %s%s%s:%u: %s", v6 ? "[" : "", host,
                 v6 ? "]" : "", port,
                 saved == EADDRINUSE ? "address in use (is another server running there?)"
                 : saved == EACCES  ? "permission denied (ports below 1024 need privileges)"
                 : saved == EADDRNOTAVAIL ? "no such address on this machine"
                                          : strerror(saved));
    }
    return fd;
}

int server_start(struct app *app, char *err, size_t errlen)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    int lfd = listen_socket("--listen", app->cfg.listen_host, app->cfg.port, &flags, err, errlen);
    if (lfd < 0)
        return -1;
    /* poll(), not epoll: under 256 busy connections libmicrohttpd
     * 0.9.75's edge-triggered epoll mode now and then left a worker
     * thread asleep with whole requests unread in its sockets until the
     * timeout closed them (bench/soak.sh found it); poll() is level-
     * triggered, and at --conn-limit's scale costs the same. */
    flags |= MHD_USE_POLL;
    MHD_set_panic_func(on_panic, NULL);
    app->guard = guard_start((double)app->cfg.timeout);
    if (!app->guard) {
        close(lfd);
        snprintf(err, errlen, "cannot start the slow-request guard thread");
        return -1;
    }
    app->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, app,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)lfd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)app->cfg.threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)app->cfg.conn_limit,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)app->cfg.per_ip_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)app->cfg.timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, app,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, app,
        MHD_OPTION_END);
    if (!app->daemon) {
        close(lfd);
        guard_stop(app->guard);
        app->guard = NULL;
        snprintf(err, errlen, "cannot start the HTTP server on %s:%u", app->cfg.listen_host,
                 app->cfg.port);
        return -1;
    }
    if (app->cfg.metrics_host) {
        unsigned mflags = 0;
        int mfd = listen_socket("--metrics-listen", app->cfg.metrics_host,
                                app->cfg.metrics_port, &mflags, err, errlen);
        if (mfd < 0 || metrics_listen_start(app, mfd, mflags, err, errlen) != 0) {
            server_stop(app);
            return -1;
        }
    }
    return 0;
}

unsigned server_port(const struct app *app)
{
    return req_daemon_port(app->daemon);
}

void server_stop(struct app *app)
{
    metrics_listen_stop(app);
    if (app->daemon)
        MHD_stop_daemon(app->daemon);
    app->daemon = NULL;
    guard_stop(app->guard);
    app->guard = NULL;
}
