/* request.h -- the application state every handler sees, the
 * per-request context and the helpers handlers use to answer.
 *
 * Handlers (routes.h) read the request through req_arg() and friends,
 * write their body into rq->out, set rq->content_type and return the
 * HTTP status.  A non-2xx status with an empty body is turned into a
 * JSON error (API paths) or an HTML error page (pages) by the
 * dispatcher. */
#ifndef KB_REQUEST_H
#define KB_REQUEST_H

#include "handle_pool.h"
#include "strbuf.h"

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>

#include "accounts.h"

struct eventq;
struct eventlog;
struct maint;
struct reindex;
struct synonyms_watch;
struct i18n_table;
struct popular_cache;
struct conn_guard;
struct ratelimit;
struct templates;
struct route;
struct request;
struct metrics;

/* --trusted-proxy: peers whose X-Forwarded-For names the client. */
#define APP_MAX_PROXIES 16
struct trusted_proxies {
    size_t n;
    struct {
        int family; /* AF_INET or AF_INET6 */
        unsigned char addr[16];
    } peer[APP_MAX_PROXIES];
};

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
    unsigned timeout;        /* idle connection timeout, and the time a
                                client has to send a whole request, seconds */
    const char *db_path;     /* service database (events, cases) */
    double deflection_window; /* seconds a visit has to file a case */
    unsigned retention_days; /* 0: keep events forever */
    const char *case_webhook; /* URL each new case is POSTed to, or NULL */
    const char *content_dir;  /* for POST /api/admin/reindex, or NULL */
    const char *indexer;      /* the kb-index program */
    int secure_cookies;       /* served over TLS (by a proxy): Secure cookies */
    const char *synonyms_path; /* --synonyms FILE (query-time synonyms), or NULL */
    size_t cache_bytes;       /* --cache-mb: repeated searches' results; 0 off */
    const char *public_url;   /* --public-url: absolute links (sitemap), no '/' at the end */
    unsigned case_limit;      /* --case-limit: cases per hour from one address; 0 off */
    struct trusted_proxies proxies; /* --trusted-proxy */
    const char *access_log_path; /* --access-log FILE or "-", or NULL */
    const char *metrics_host; /* --metrics-listen's address, or NULL: none */
    unsigned metrics_port;    /* --metrics-listen's port; 0: any free port */
};

struct app {
    struct app_config cfg;
    struct handle_pool *pool;
    struct templates *tpl;
    char static_root[4096]; /* realpath of <web>/static */
    struct MHD_Daemon *daemon;
    struct conn_guard *guard;  /* closes connections whose request is late */
    struct eventq *events;     /* the one writer of the service database */
    struct eventlog *reader;   /* reports and case reads, under reader_lock */
    pthread_mutex_t reader_lock;
    struct maint *maint;       /* webhook delivery and retention */
    struct accounts *accounts; /* users and sessions, under accounts_lock */
    pthread_mutex_t accounts_lock;
    struct reindex *reindex;   /* background reindex jobs */
    struct synonyms_watch *synonyms; /* reloaded when the file changes, or NULL */
    struct i18n_table *i18n;   /* the pages' UI strings, read-only once loaded */
    struct popular_cache *popular; /* page_popular.c's lists, under their own lock */
    kb_cache *results;         /* shared search results, or NULL (--cache-mb 0) */
    const struct route *routes; /* the program's route table (routes.h) */
    size_t nroutes;
    /* Renders the HTML page for an error into rq->out (the pages layer
     * gives one); NULL: a bare page. */
    void (*error_page)(struct request *rq, unsigned status, const char *code,
                       const char *msg);
    /* Answers a signed-in agent who asks for an author page: renders
     * the forbidden page into rq->out and returns its status (the pages
     * layer gives one); NULL: reply_error's 403 page. */
    unsigned (*forbidden_page)(struct request *rq);
    struct ratelimit *case_limit; /* cases filed per client address, or NULL */
    struct idem *idem;         /* forms already carried out (idem.h) */
    char db_path[4096];        /* cfg.db_path when not given: INDEX.db */
    char indexer[4096];        /* cfg.indexer when not given: next to the program */
    int libs_ready;            /* libsodium and libcurl initialised */
    struct templates **tpl_retired; /* replaced by SIGHUP, freed at close */
    struct access_log *access_log;  /* --access-log's writer, or NULL */
    struct metrics *metrics;        /* GET /metrics's counters (metrics.h) */
    struct revcache *revcache;      /* staff pages' per-revision values (revcache.h) */
    size_t ntpl_retired;
};

/* The templates in use: a SIGHUP (app_reload) may replace them while
 * requests render; the ones replaced stay valid until the app closes. */
static inline const struct templates *app_templates(const struct app *app)
{
    return __atomic_load_n(&app->tpl, __ATOMIC_ACQUIRE);
}

#define REQ_MAX_HEADERS 8

struct request {
    struct app *app;
    struct MHD_Connection *conn;
    const char *method; /* "HEAD" is served as "GET" */
    const char *path;
    const struct route *route; /* routes_match()'s, or NULL: 404 or 405 */
    struct strbuf body; /* request body, up to cfg.max_body */
    int body_too_large;
    json_t *body_object; /* req_body_object()'s result, kept for a second call */
    struct strbuf out;  /* response body */
    const char *content_type;
    const char *error_code; /* set by reply_error */
    const char *cache_control; /* a handler whose answer is the same for
                                  every asker sets it (openapi.c); else,
                                  and for a signed-in request, API
                                  answers are no-store */
    struct {
        const char *name;
        char *value; /* owned */
    } headers[REQ_MAX_HEADERS];
    size_t nheaders;
    int is_api;
    char visit[64];    /* the visit id, once req_visit() was called */
    int visit_is_new;  /* set the cookie on the response */
    double started;    /* monotonic seconds at arrival */
    int user_resolved; /* req_user() looked at the credentials */
    int auth_kind;     /* AUTH_NONE, AUTH_SESSION or AUTH_TOKEN */
    int auth_problem;  /* credentials given but not valid */
    struct account user;
    char client[64];   /* req_client_addr(), once called */
};

enum { AUTH_NONE = 0, AUTH_SESSION = 1, AUTH_TOKEN = 2 };

/* A query-string argument, or NULL when missing.  *bad is set to 1 when
 * the value holds a NUL byte or is not valid UTF-8 (then NULL is
 * returned). */
const char *req_arg(struct request *rq, const char *name, int *bad);
/* A request header, or NULL. */
const char *req_header(struct request *rq, const char *name);
/* A cookie of the request, or NULL. */
const char *req_cookie(struct request *rq, const char *name);

/* The visit (browser session) id: the X-KB-Visit header or the kb_visit
 * cookie when well formed, else a new random one that the response
 * sets as an HttpOnly, SameSite=Lax cookie. */
const char *req_visit(struct request *rq);

/* 1 when the client (req_client_addr) is on this machine: a loopback
 * address.  A request a --trusted-proxy on this machine passes on is
 * the proxy's client's, not local. */
int req_is_loopback(struct request *rq);

/* 1 when the request names a client in a forwarding header
 * (X-Forwarded-For, Forwarded, X-Real-IP) but its peer is not a
 * --trusted-proxy: it came through a proxy kb-serve was not told of,
 * so its peer address says nothing of who asks. */
int req_forwarded_untrusted(struct request *rq);

/* The client's address, for throttles and logs: the peer's address,
 * or, when the peer is a --trusted-proxy, the right-most address in
 * X-Forwarded-For that is not a trusted proxy (what the nearest
 * trusted proxy saw; entries further left are the client's own word).
 * Owned by rq. */
const char *req_client_addr(struct request *rq);

/* 1 when the client (req_client_addr) has filed more cases than
 * --case-limit allows; then a Retry-After header is set.  Staff are
 * never limited. */
int req_case_throttled(struct request *rq);

/* The port libmicrohttpd daemon d listens on (the one bound for port
 * 0); 0 when it cannot be told. */
unsigned req_daemon_port(struct MHD_Daemon *d);

/* Parses --trusted-proxy ADDR[,ADDR...] (numeric IPv4/IPv6).  0, or -1
 * with err filled. */
int trusted_proxies_parse(const char *list, struct trusted_proxies *out, char *err,
                          size_t errlen);

/* The request body as a JSON object: a JSON body, or a form
 * (application/x-www-form-urlencoded) turned into string members.
 * Returns 0 with *out (caller json_decref()s), or an HTTP 4xx status
 * after reply_error().  The body is parsed once: a later call returns
 * the same object (one more reference). */
unsigned req_body_object(struct request *rq, json_t **out);

/* Monotonic clock and wall clock, in seconds. */
double now_monotonic(void);
double now_wall(void);

/* Adds a response header (value copied). */
void reply_header(struct request *rq, const char *name, const char *value);

/* Serialises o (reference stolen) as the JSON body; returns status. */
unsigned reply_json(struct request *rq, unsigned status, json_t *o);

/* A JSON error {"error":code,"message":msg} on API paths, an HTML error
 * page elsewhere; returns status. */
unsigned reply_error(struct request *rq, unsigned status, const char *code,
                     const char *msg);

#endif
