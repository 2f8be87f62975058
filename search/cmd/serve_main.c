/* serve_main.c -- kb-serve: command line, app_open, listen, wait for
 * a signal, app_close.  The only place in the service that may
 * exit(). */
#include "app.h"
#include "metrics.h"
#include "serve_config.h"
#include "server.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KB_DEFAULT_WEB_DIR
#define KB_DEFAULT_WEB_DIR "web"
#endif
/* Where an installed kb-serve finds its web files, relative to the
 * folder of the program (CMake sets it from the install layout). */
#ifndef KB_INSTALLED_WEB_DIR
#define KB_INSTALLED_WEB_DIR "../share/kb/web"
#endif
/* The configuration file an installed kb-serve reads when it exists
 * and --config names none (CMake sets it: SYSCONFDIR/kb/kb-serve.conf). */
#ifndef KB_DEFAULT_CONFIG
#define KB_DEFAULT_CONFIG "/etc/kb/kb-serve.conf"
#endif

/* The web folder to use when --web is not given: KB_INSTALLED_WEB_DIR
 * beside the running program when it has templates (an installed
 * kb-serve), else the source tree's web/ (a kb-serve run from its build
 * folder).  The installed path is written to buf. */
static const char *default_web_dir(char *buf, size_t len)
{
    char exe[PATH_MAX], dir[PATH_MAX + 32], tpl[PATH_MAX + 16];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return KB_DEFAULT_WEB_DIR;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return KB_DEFAULT_WEB_DIR;
    *slash = '\0';
    snprintf(dir, sizeof dir, "%s/%s", exe, KB_INSTALLED_WEB_DIR);
    char *real = realpath(dir, NULL);
    int found = 0;
    if (real && strlen(real) < len) {
        snprintf(tpl, sizeof tpl, "%s/templates", real);
        if (access(tpl, R_OK | X_OK) == 0) {
            snprintf(buf, len, "%s", real);
            found = 1;
        }
    }
    free(real);
    return found ? buf : KB_DEFAULT_WEB_DIR;
}

static void usage(FILE *f)
{
    fputs("Usage: kb-serve --index DIR [options]\n"
          "\n"
          "Serve the knowledge-base index over HTTP: a JSON API and HTML pages.\n"
          "\n"
          "Options:\n"
          "  --index DIR            index built by kb-index (required)\n"
          "  --listen ADDR:PORT     address to listen on (127.0.0.1:8080);\n"
          "                         port 0 picks a free port; IPv6 as [::1]:8080;\n"
          "                         a name (localhost:8080): its first address\n"
          "  --web DIR              templates and static files (" KB_INSTALLED_WEB_DIR "\n"
          "                         beside the program, else " KB_DEFAULT_WEB_DIR ")\n"
          "  --default-locale LOC   locale for requests without one, and the\n"
          "                         fallback for missing translations (en-us)\n"
          "  --threads N            worker threads (number of CPUs, at least 2)\n"
          "  --max-body BYTES       largest request body accepted (65536)\n"
          "  --conn-limit N         open connections in all (4096)\n"
          "  --per-ip-limit N       open connections from one address (1024)\n"
          "  --timeout SECONDS      time a client has to send a whole request, and\n"
          "                         to stay idle between requests (15)\n"
          "  --db FILE|DSN          service database: events, cases (INDEX.db);\n"
          "                         postgresql://... puts it on PostgreSQL\n"
          "  --deflection-window S  seconds a visit has to file a case before it\n"
          "                         counts as deflected (1800)\n"
          "  --retention-days N     delete events older than N days (0: keep; 0)\n"
          "  --case-webhook URL     also POST each new case as JSON to URL, retried\n"
          "                         from a durable outbox until it answers 2xx\n"
          "  --content DIR          content folder, for POST /api/admin/reindex\n"
          "  --indexer PATH         the kb-index program (next to kb-serve)\n"
          "  --secure-cookies       mark cookies Secure (served over TLS by a proxy)\n"
          "  --synonyms FILE        query-time synonym groups (content/synonyms.yml);\n"
          "                         read again when the file changes\n"
          "  --cache-mb N           memory for the results of repeated searches,\n"
          "                         reused until the index changes (64; 0: off)\n"
          "  --trusted-proxy ADDR[,ADDR...]\n"
          "                         reverse proxies (numeric addresses) whose\n"
          "                         X-Forwarded-For names the client; from any other\n"
          "                         peer the header is ignored\n"
          "  --public-url URL       the site's address for absolute links such as\n"
          "                         the sitemap's (http://LISTEN-ADDRESS)\n"
          "  --case-limit N         cases one address may file per hour, after a\n"
          "                         burst of 10 (30; 0: no limit)\n"
          "  --access-log FILE|-    one JSON line per request (time, client, method,\n"
          "                         path, status, bytes, ms, visit) to FILE or\n"
          "                         stdout, written by a thread of its own; reopened\n"
          "                         on SIGHUP\n"
          "  --metrics-listen ADDR:PORT\n"
          "                         also serve GET /metrics (Prometheus text) on\n"
          "                         this address, to anyone who reaches it; on\n"
          "                         --listen's address /metrics answers only to\n"
          "                         clients on this machine (loopback)\n"
          "  --config FILE          'key = value' lines, the keys these options'\n"
          "                         names (threads = 4, secure-cookies = true); the\n"
          "                         options given here override the file's.  An\n"
          "                         installed kb-serve reads " KB_DEFAULT_CONFIG "\n"
          "                         when it exists\n"
          "  --help                 show this help\n"
          "\n"
          "The first line on stdout is 'kb-serve: listening on http://ADDR:PORT/'\n"
          "(with --metrics-listen, the next 'kb-serve: metrics on http://ADDR:PORT/metrics').\n"
          "SIGHUP reads the synonyms and the templates again and reopens the access\n"
          "log; SIGTERM or SIGINT stops the server.\n",
          f);
}

static int parse_listen(const char *s, char *host, size_t hostlen, unsigned *port)
{
    const char *colon;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':')
            return -1;
        snprintf(host, hostlen, "%.*s", (int)(end - s - 1), s + 1);
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return -1;
        snprintf(host, hostlen, "%.*s", (int)(colon - s), s);
        if (!*host)
            snprintf(host, hostlen, "127.0.0.1");
    }
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (*end || !colon[1] || p > 65535)
        return -1;
    *port = (unsigned)p;
    return 0;
}

/* http(s)://host[:port][/path] with no space, control byte, quote,
 * angle bracket, query or fragment; copied without a trailing '/'. */
static int parse_public_url(const char *s, char *out, size_t outlen)
{
    size_t skip = strncmp(s, "https://", 8) == 0 ? 8 : strncmp(s, "http://", 7) == 0 ? 7 : 0;
    size_t n = strlen(s);
    if (!skip || n <= skip || n >= outlen || s[skip] == '/')
        return -1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || strchr("\"'<>\\?#`{}|^", *p))
            return -1;
    snprintf(out, outlen, "%s", s);
    while (n > skip && out[n - 1] == '/')
        out[--n] = '\0';
    return 0;
}

static int parse_num(const char *opt, const char *v, unsigned long min, unsigned long max,
                     unsigned long *out, char *err, size_t errlen)
{
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (*end || !*v || n < min || n > max || v[0] == '-') {
        snprintf(err, errlen, "%s: '%s' must be a number from %lu to %lu", opt, v, min, max);
        return -1;
    }
    *out = n;
    return 0;
}

/* The command line: the service's configuration and the buffers its
 * strings point into. */
struct serve_args {
    struct app_config cfg;
    char host[128];
    char web_dir[PATH_MAX];
    char public_url[512];
    char metrics_host[128];
    const char *config_path; /* --config, or the installed default when it exists */
    char **owned;            /* the configuration file's values, freed at exit */
    size_t nowned;
};

static const struct option longopts[] = {
    {"index", required_argument, NULL, 'i'},
    {"listen", required_argument, NULL, 'L'},
    {"web", required_argument, NULL, 'w'},
    {"default-locale", required_argument, NULL, 'l'},
    {"threads", required_argument, NULL, 't'},
    {"max-body", required_argument, NULL, 'b'},
    {"conn-limit", required_argument, NULL, 'c'},
    {"per-ip-limit", required_argument, NULL, 'p'},
    {"timeout", required_argument, NULL, 'T'},
    {"db", required_argument, NULL, 'd'},
    {"deflection-window", required_argument, NULL, 'W'},
    {"retention-days", required_argument, NULL, 'R'},
    {"case-webhook", required_argument, NULL, 'H'},
    {"content", required_argument, NULL, 'C'},
    {"indexer", required_argument, NULL, 'I'},
    {"secure-cookies", no_argument, NULL, 'S'},
    {"synonyms", required_argument, NULL, 'Y'},
    {"cache-mb", required_argument, NULL, 'M'},
    {"trusted-proxy", required_argument, NULL, 'P'},
    {"public-url", required_argument, NULL, 'U'},
    {"case-limit", required_argument, NULL, 'K'},
    {"config", required_argument, NULL, 'F'},
    {"access-log", required_argument, NULL, 'A'},
    {"metrics-listen", required_argument, NULL, 'm'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* One option (c: its code in longopts) with its value v, from the
 * command line or the configuration file; v must outlive a.  Returns
 * 0, or -1 with the reason, naming the option, in err. */
static int set_option(struct serve_args *a, int c, const char *v, char *err, size_t errlen)
{
    struct app_config *cfg = &a->cfg;
    unsigned long n;
    switch (c) {
    case 'i': cfg->index_dir = v; break;
    case 'L':
        if (parse_listen(v, a->host, sizeof a->host, &cfg->port) != 0) {
            snprintf(err, errlen, "--listen: '%s' is not ADDR:PORT", v);
            return -1;
        }
        break;
    case 'w': cfg->web_dir = v; break;
    case 'l': cfg->default_locale = v; break;
    case 't':
        if (parse_num("--threads", v, 1, 256, &n, err, errlen)) return -1;
        cfg->threads = (unsigned)n;
        break;
    case 'b':
        if (parse_num("--max-body", v, 1024, 64UL << 20, &n, err, errlen)) return -1;
        cfg->max_body = n;
        break;
    case 'c':
        if (parse_num("--conn-limit", v, 1, 1000000, &n, err, errlen)) return -1;
        cfg->conn_limit = (unsigned)n;
        break;
    case 'p':
        if (parse_num("--per-ip-limit", v, 1, 1000000, &n, err, errlen)) return -1;
        cfg->per_ip_limit = (unsigned)n;
        break;
    case 'T':
        if (parse_num("--timeout", v, 1, 3600, &n, err, errlen)) return -1;
        cfg->timeout = (unsigned)n;
        break;
    case 'd': cfg->db_path = v; break;
    case 'W':
        if (parse_num("--deflection-window", v, 1, 30 * 86400, &n, err, errlen)) return -1;
        cfg->deflection_window = (double)n;
        break;
    case 'R':
        if (parse_num("--retention-days", v, 0, 36500, &n, err, errlen)) return -1;
        cfg->retention_days = (unsigned)n;
        break;
    case 'H':
        if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
            snprintf(err, errlen, "--case-webhook: '%s' is not an http(s) URL", v);
            return -1;
        }
        cfg->case_webhook = v;
        break;
    case 'C': cfg->content_dir = v; break;
    case 'I': cfg->indexer = v; break;
    case 'S': cfg->secure_cookies = 1; break;
    case 'Y': cfg->synonyms_path = v; break;
    case 'M':
        if (parse_num("--cache-mb", v, 0, 4096, &n, err, errlen)) return -1;
        cfg->cache_bytes = (size_t)n << 20;
        break;
    case 'P': {
        char perr[128];
        if (trusted_proxies_parse(v, &cfg->proxies, perr, sizeof perr) != 0) {
            snprintf(err, errlen, "--trusted-proxy: %s", perr);
            return -1;
        }
        break;
    }
    case 'U':
        if (parse_public_url(v, a->public_url, sizeof a->public_url) != 0) {
            snprintf(err, errlen, "--public-url: '%s' is not an http(s) URL of a site", v);
            return -1;
        }
        cfg->public_url = a->public_url;
        break;
    case 'K':
        if (parse_num("--case-limit", v, 0, 1000000, &n, err, errlen)) return -1;
        cfg->case_limit = (unsigned)n;
        break;
    case 'F': break; /* read before the other options */
    case 'A': cfg->access_log_path = v; break;
    case 'm':
        if (parse_listen(v, a->metrics_host, sizeof a->metrics_host, &cfg->metrics_port) != 0) {
            snprintf(err, errlen, "--metrics-listen: '%s' is not ADDR:PORT", v);
            return -1;
        }
        cfg->metrics_host = a->metrics_host;
        break;
    default:
        snprintf(err, errlen, "unknown option");
        return -1;
    }
    return 0;
}

/* A "key = value" line of the configuration file: the long option of
 * that name.  An option without a value (secure-cookies) takes a
 * boolean. */
static int config_set(void *ctx, const char *key, const char *value, char *err, size_t errlen)
{
    struct serve_args *a = ctx;
    const struct option *o = longopts;
    while (o->name && strcmp(o->name, key) != 0)
        o++;
    if (!o->name || o->val == 'h' || o->val == 'F') {
        snprintf(err, errlen, "unknown key '%s' (the keys are kb-serve's long options)", key);
        return -1;
    }
    if (o->has_arg == no_argument) {
        int on = !strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "on") ||
                 !strcmp(value, "1");
        int off = !strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "off") ||
                  !strcmp(value, "0");
        if (!on && !off) {
            snprintf(err, errlen, "%s: '%s' must be true or false", key, value);
            return -1;
        }
        if (o->val == 'S')
            a->cfg.secure_cookies = on;
        return 0;
    }
    char **grown = realloc(a->owned, (a->nowned + 1) * sizeof *grown);
    char *copy = strdup(value);
    if (grown)
        a->owned = grown;
    if (!grown || !copy) {
        free(copy);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    a->owned[a->nowned++] = copy;
    return set_option(a, o->val, copy, err, errlen);
}

static void serve_args_free(struct serve_args *a)
{
    for (size_t i = 0; i < a->nowned; i++)
        free(a->owned[i]);
    free(a->owned);
    a->owned = NULL;
    a->nowned = 0;
}

/* The configuration file to read before the command line: --config
 * FILE, else KB_DEFAULT_CONFIG when this kb-serve is the installed one
 * (its web folder is beside it) and the file exists; NULL for none.
 * With --help, none. */
static const char *config_path(int argc, char **argv, int installed)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0)
            return NULL;
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            path = argv[i] + 9;
    }
    if (!path && installed && access(KB_DEFAULT_CONFIG, F_OK) == 0)
        path = KB_DEFAULT_CONFIG;
    return path;
}

/* Fills a from the configuration file, then argv (options on the
 * command line override the file's).  Returns -1 to go on, or the exit
 * status: 0 after --help, 2 after a usage error (said on stderr). */
static int parse_args(int argc, char **argv, struct serve_args *a)
{
    struct app_config *cfg = &a->cfg;
    memset(a, 0, sizeof *a);
    snprintf(a->host, sizeof a->host, "127.0.0.1");
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->listen_host = a->host;
    cfg->port = 8080;
    cfg->web_dir = default_web_dir(a->web_dir, sizeof a->web_dir);
    cfg->default_locale = "en-us";
    cfg->threads = ncpu > 2 ? (unsigned)ncpu : 2;
    cfg->max_body = 65536;
    cfg->conn_limit = 4096;
    cfg->per_ip_limit = 1024;
    cfg->cache_bytes = (size_t)64 << 20;
    cfg->timeout = 15;
    cfg->deflection_window = 1800;
    cfg->case_limit = 30;
    char err[1024];
    a->config_path = config_path(argc, argv, cfg->web_dir == a->web_dir);
    if (a->config_path && config_read(a->config_path, config_set, a, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "i:L:w:l:t:b:c:p:T:d:W:R:H:C:I:SY:M:P:U:K:F:A:m:h", longopts,
                            NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        if (c == '?' || c == ':') {
            fprintf(stderr, "kb-serve: unknown or incomplete option '%s'\n", argv[optind - 1]);
            fputs("Try 'kb-serve --help'.\n", stderr);
            return 2;
        }
        if (set_option(a, c, optarg, err, sizeof err) != 0) {
            fprintf(stderr, "kb-serve: %s\n", err);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kb-serve: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!cfg->index_dir) {
        fputs("kb-serve: --index DIR is required (build one with kb-index)\n", stderr);
        return 2;
    }
    /* A content folder that is not there would only show when an
     * author reindexes: say so now. */
    struct stat st;
    if (cfg->content_dir) {
        int rc = stat(cfg->content_dir, &st);
        if (rc != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "kb-serve: --content %s: %s\n", cfg->content_dir,
                    rc == 0 ? "not a folder"
                    : errno == ENOENT ? "no such folder" : strerror(errno));
            return 2;
        }
    }
    return -1;
}

/* Absolute links name the listening address until --public-url says
 * better; never the request's Host header, which the client chooses.
 * The first line on stdout says where kb-serve listens. */
static void announce(struct app *app, struct serve_args *a)
{
    unsigned port = server_port(app);
    int v6 = strchr(a->host, ':') != NULL;
    if (!app->cfg.public_url) {
        snprintf(a->public_url, sizeof a->public_url, "http://%s%s%s:%u", v6 ? "[" : "",
                 a->host, v6 ? "]" : "", port);
        app->cfg.public_url = a->public_url;
    }
    printf("kb-serve: listening on http://%s%s%s:%u/\n", v6 ? "[" : "", a->host,
           v6 ? "]" : "", port);
    if (app->cfg.metrics_host) {
        int m6 = strchr(a->metrics_host, ':') != NULL;
        printf("kb-serve: metrics on http://%s%s%s:%u/metrics\n", m6 ? "[" : "",
               a->metrics_host, m6 ? "]" : "", metrics_listen_port(app));
    }
    fflush(stdout);
}

int main(int argc, char **argv)
{
    struct serve_args args;
    int rc = parse_args(argc, argv, &args);
    if (rc >= 0) {
        serve_args_free(&args);
        return rc;
    }
    /* Signals are taken by sigwait below, not by a handler; blocked
     * before the first thread starts, so every thread inherits the mask
     * and none of them can take a SIGTERM meant for a clean stop. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct app *app;
    char err[1024];
    if (app_open(&app, &args.cfg, err, sizeof err) != 0 ||
        server_start(app, err, sizeof err) != 0) {
        fprintf(stderr, "kb-serve: %s\n", err);
        app_close(app);
        serve_args_free(&args);
        return 1;
    }
    announce(app, &args);
    if (args.config_path)
        fprintf(stderr, "kb-serve: configuration from %s\n", args.config_path);
    int sig;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
        app_reload(app);
    fprintf(stderr, "kb-serve: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    app_close(app);
    serve_args_free(&args);
    return 0;
}
