/* app.c -- opening and closing everything kb-serve runs on. */
#include "app.h"

#include "accesslog.h"
#include "eventlog.h"
#include "eventq.h"
#include "idem.h"
#include "maint.h"
#include "metrics.h"
#include "page_i18n.h"
#include "page_staff.h"
#include "pages.h"
#include "popular.h"
#include "ratelimit.h"
#include "reindex.h"
#include "revcache.h"
#include "serve_routes.h"
#include "server.h"
#include "synonyms.h"
#include "template.h"

#include <curl/curl.h>
#include <sodium.h>

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Fail at start, with a hint, rather than on the first request. */
static int probe_index(const char *dir, char *err, size_t errlen)
{
    kb_index *probe;
    kb_status st = kb_open(dir, KB_OPEN_READ, &probe);
    if (st == KB_ERR_UNAVAILABLE) {
        /* A remote shard is down: start anyway, answering 503 until it
         * is back, rather than leave the node down after it is. */
        fprintf(stderr, "kb-serve: warning: %s; searches answer 503 until it does\n",
                probe ? kb_last_error(probe) : kb_status_str(st));
        kb_close(probe);
        return 0;
    }
    if (st != KB_OK)
        snprintf(err, errlen,
                 "cannot open index %s: %s\n"
                 "kb-serve: build it first: kb-index --content DIR --index %s",
                 dir, probe ? kb_last_error(probe) : kb_status_str(st), dir);
    kb_close(probe);
    return st == KB_OK ? 0 : -1;
}

/* The kb-index next to the running program (they are built and
 * installed together), into buf. */
static int indexer_beside_program(char *buf, size_t len, char *err, size_t errlen)
{
    ssize_t n = len > 16 ? readlink("/proc/self/exe", buf, len - 16) : -1;
    if (n <= 0) {
        snprintf(err, errlen, "cannot find kb-index; use --indexer PATH");
        return -1;
    }
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    snprintf(slash ? slash + 1 : buf, 16, "kb-index");
    return 0;
}

static int nomem(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* The part of app_open that can fail; app_open closes what it left. */
static int open_all(struct app *app, char *err, size_t errlen)
{
    struct app_config *cfg = &app->cfg;
    char why[512];
    if (probe_index(cfg->index_dir, err, errlen) != 0)
        return -1;
    if (metrics_new(app, &app->metrics) != 0)
        return nomem(err, errlen);
    if (cfg->access_log_path &&
        access_log_open(cfg->access_log_path, &app->access_log, err, errlen) != 0)
        return -1;
    if (cfg->synonyms_path &&
        synonyms_watch_new(cfg->synonyms_path, &app->synonyms, why, sizeof why) != 0) {
        snprintf(err, errlen, "--synonyms: %s", why);
        return -1;
    }
    if ((cfg->case_limit && !(app->case_limit = ratelimit_new(10, cfg->case_limit))) ||
        (cfg->cache_bytes && !(app->results = kb_cache_new(cfg->cache_bytes))))
        return nomem(err, errlen);
    char tdir[PATH_MAX], sdir[PATH_MAX];
    snprintf(tdir, sizeof tdir, "%s/templates", cfg->web_dir);
    snprintf(sdir, sizeof sdir, "%s/static", cfg->web_dir);
    if (templates_load(tdir, &app->tpl, err, errlen) != 0)
        return -1;
    if (i18n_load(cfg->web_dir, &app->i18n) != 0 || popular_cache_new(&app->popular) != 0 ||
        idem_new(&app->idem) != 0 || !(app->revcache = revcache_new()))
        return nomem(err, errlen);
    if (!realpath(sdir, app->static_root)) {
        snprintf(err, errlen, "%s: no static folder (use --web DIR)", sdir);
        return -1;
    }
    if (handle_pool_new(cfg->index_dir, &app->pool) != 0)
        return nomem(err, errlen);

    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        snprintf(err, errlen, "cannot initialise libsodium or libcurl");
        return -1;
    }
    app->libs_ready = 1;
    const char *fail = NULL;
    if (eventq_start(cfg->db_path, &app->events) != STORE_OK)
        fail = eventq_errmsg(app->events);
    else if (eventlog_open(cfg->db_path, &app->reader) != STORE_OK)
        fail = eventlog_errmsg(app->reader);
    else if (maint_start(cfg->db_path, cfg->case_webhook, cfg->retention_days, &app->maint) !=
             STORE_OK)
        fail = maint_errmsg(app->maint);
    if (fail) {
        snprintf(err, errlen, "service database %s: %s", cfg->db_path, fail);
        return -1;
    }
    if (accounts_open(cfg->db_path, &app->accounts) != STORE_OK) {
        snprintf(err, errlen, "accounts in %s: %s", cfg->db_path,
                 accounts_errmsg(app->accounts));
        return -1;
    }
    if (cfg->content_dir) {
        if (!cfg->indexer) {
            if (indexer_beside_program(app->indexer, sizeof app->indexer, err, errlen) != 0)
                return -1;
            cfg->indexer = app->indexer;
        }
        if (access(cfg->indexer, X_OK) != 0) {
            snprintf(err, errlen, "%s: not an executable kb-index; use --indexer PATH",
                     cfg->indexer);
            return -1;
        }
        if (reindex_new(cfg->indexer, cfg->content_dir, cfg->index_dir, cfg->default_locale,
                        &app->reindex) != 0 ||
            reindex_set_replay(app->reindex, cfg->db_path, cfg->deflection_window,
                               cfg->synonyms_path) != 0)
            return nomem(err, errlen);
    }
    if (popular_start(app->popular, cfg) != 0) {
        snprintf(err, errlen, "cannot start the popular-articles thread");
        return -1;
    }
    return 0;
}

int app_open(struct app **out, const struct app_config *cfg, char *err, size_t errlen)
{
    struct app *app = calloc(1, sizeof *app);
    *out = NULL;
    if (!app)
        return nomem(err, errlen);
    app->cfg = *cfg;
    if (!app->cfg.db_path) {
        snprintf(app->db_path, sizeof app->db_path, "%s.db", cfg->index_dir);
        app->cfg.db_path = app->db_path;
    }
    app->routes = serve_routes;
    app->nroutes = serve_nroutes;
    app->error_page = page_error;
    app->forbidden_page = staff_forbidden;
    pthread_mutex_init(&app->reader_lock, NULL);
    pthread_mutex_init(&app->accounts_lock, NULL);
    if (open_all(app, err, errlen) != 0) {
        app_close(app);
        return -1;
    }
    *out = app;
    return 0;
}

/* New templates replace the current ones for the next request; the
 * ones a running request may still hold are kept until app_close. */
static void reload_templates(struct app *app)
{
    char tdir[PATH_MAX], err[512];
    struct templates *fresh = NULL;
    snprintf(tdir, sizeof tdir, "%s/templates", app->cfg.web_dir);
    struct templates **grown =
        realloc(app->tpl_retired, (app->ntpl_retired + 1) * sizeof *grown);
    if (!grown) {
        fprintf(stderr, "kb-serve: SIGHUP: templates: out of memory (kept the previous ones)\n");
        return;
    }
    app->tpl_retired = grown;
    if (templates_load(tdir, &fresh, err, sizeof err) != 0) {
        fprintf(stderr, "kb-serve: SIGHUP: templates: %s (kept the previous ones)\n", err);
        return;
    }
    const char *lost = templates_missing(app->tpl, fresh);
    if (lost) {
        fprintf(stderr,
                "kb-serve: SIGHUP: templates: %s has no %s.html (kept the previous ones)\n",
                tdir, lost);
        templates_free(fresh);
        return;
    }
    app->tpl_retired[app->ntpl_retired++] = app->tpl;
    __atomic_store_n(&app->tpl, fresh, __ATOMIC_RELEASE);
    fprintf(stderr, "kb-serve: SIGHUP: reloaded the templates from %s\n", tdir);
}

void app_reload(struct app *app)
{
    char err[512];
    if (app->synonyms) {
        if (synonyms_watch_reload(app->synonyms, err, sizeof err) == 0)
            fprintf(stderr, "kb-serve: SIGHUP: reloaded the synonyms from %s\n",
                    app->cfg.synonyms_path);
        else
            fprintf(stderr, "kb-serve: SIGHUP: synonyms: %s (kept the previous ones)\n", err);
    }
    reload_templates(app);
    access_log_reopen(app->access_log);
    fflush(stderr);
}

void app_close(struct app *app)
{
    if (!app)
        return;
    server_stop(app);
    /* The popular lists' thread started last; freeing the lists stops
     * and joins it first. */
    popular_cache_free(app->popular);
    reindex_free(app->reindex);
    accounts_close(app->accounts);
    maint_stop(app->maint);
    eventlog_close(app->reader);
    eventq_stop(app->events);
    if (app->libs_ready)
        curl_global_cleanup();
    handle_pool_free(app->pool);
    i18n_free(app->i18n);
    templates_free(app->tpl);
    for (size_t i = 0; i < app->ntpl_retired; i++)
        templates_free(app->tpl_retired[i]);
    free(app->tpl_retired);
    kb_cache_free(app->results);
    ratelimit_free(app->case_limit);
    idem_free(app->idem);
    synonyms_watch_free(app->synonyms);
    access_log_close(app->access_log);
    metrics_free(app->metrics);
    revcache_free(app->revcache);
    pthread_mutex_destroy(&app->accounts_lock);
    pthread_mutex_destroy(&app->reader_lock);
    free(app);
}
