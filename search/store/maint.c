/* maint.c -- webhook delivery with retries, and retention.
 *
 * A case is queued in the outbox in the same transaction that stores
 * it, so delivery can fail, the webhook can be down for hours, or the
 * server can be killed: the row waits and is sent when possible, with
 * the backoff the outbox schedules (eventlog.h). */
#include "maint.h"

#include "eventlog.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAINT_TICK_SECONDS 1
#define PRUNE_EVERY_SECONDS 3600
#define WEBHOOK_TIMEOUT_SECONDS 10

struct maint {
    struct eventlog *el;
    int started;   /* the thread runs */
    char err[512]; /* maint_errmsg() */
    char *webhook;
    unsigned retention_days;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stopping;
    int poked;
};

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

/* POSTs payload; 1 when the webhook answered 2xx. */
static int post_json(const char *url, const json_t *payload)
{
    char *body = json_dumps(payload, JSON_COMPACT);
    CURL *c = curl_easy_init();
    int ok = 0;
    if (body && c) {
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)WEBHOOK_TIMEOUT_SECONDS);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        long status = 0;
        CURLcode rc = curl_easy_perform(c);
        if (rc == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        ok = rc == CURLE_OK && status >= 200 && status < 300;
        if (!ok)
            fprintf(stderr, "kb-serve: case webhook: %s (status %ld); will retry\n",
                    rc == CURLE_OK ? "rejected" : curl_easy_strerror(rc), status);
        curl_slist_free_all(h);
    }
    if (c)
        curl_easy_cleanup(c);
    free(body);
    return ok;
}

static void deliver_due(struct maint *m)
{
    for (int i = 0; i < 100; i++) {
        json_t *payload = NULL;
        long long id = 0;
        double now = wall();
        store_status st = eventlog_outbox_next(m->el, now, &payload, &id);
        if (st != STORE_OK) {
            if (st != STORE_NOT_FOUND)
                fprintf(stderr, "kb-serve: outbox: %s\n", eventlog_errmsg(m->el));
            return;
        }
        int ok = post_json(m->webhook, payload);
        json_decref(payload);
        if (ok)
            eventlog_outbox_done(m->el, id, wall());
        else {
            eventlog_outbox_retry(m->el, id, wall(), NULL);
            return; /* the webhook is down: wait for the backoff */
        }
    }
}

static void *run(void *arg)
{
    struct maint *m = arg;
    double last_prune = 0;
    pthread_mutex_lock(&m->lock);
    while (!m->stopping) {
        pthread_mutex_unlock(&m->lock);
        if (m->webhook)
            deliver_due(m);
        double now = wall();
        if (m->retention_days && now - last_prune > PRUNE_EVERY_SECONDS) {
            long long n = 0;
            if (eventlog_prune(m->el, now - m->retention_days * 86400.0, &n) != STORE_OK)
                fprintf(stderr, "kb-serve: retention: %s\n", eventlog_errmsg(m->el));
            last_prune = now;
        }
        pthread_mutex_lock(&m->lock);
        if (!m->poked && !m->stopping) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += MAINT_TICK_SECONDS;
            pthread_cond_timedwait(&m->cond, &m->lock, &until);
        }
        m->poked = 0;
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

store_status maint_start(const char *db_path, const char *webhook, unsigned retention_days,
                         struct maint **out)
{
    struct maint *m = calloc(1, sizeof *m);
    *out = m;
    if (!m)
        return STORE_ERR_NOMEM;
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->cond, NULL);
    store_status st = eventlog_open(db_path, &m->el);
    if (st != STORE_OK) {
        snprintf(m->err, sizeof m->err, "%s", eventlog_errmsg(m->el));
        return st;
    }
    m->retention_days = retention_days;
    if (webhook && !(m->webhook = strdup(webhook))) {
        snprintf(m->err, sizeof m->err, "out of memory");
        return STORE_ERR_NOMEM;
    }
    if (pthread_create(&m->thread, NULL, run, m) != 0) {
        snprintf(m->err, sizeof m->err, "cannot start the maintenance thread");
        return STORE_ERR_SYSTEM;
    }
    m->started = 1;
    return STORE_OK;
}

const char *maint_errmsg(const struct maint *m)
{
    return m ? m->err : "out of memory";
}

void maint_poke(struct maint *m)
{
    if (!m || !m->started)
        return;
    pthread_mutex_lock(&m->lock);
    m->poked = 1;
    pthread_cond_signal(&m->cond);
    pthread_mutex_unlock(&m->lock);
}

void maint_stop(struct maint *m)
{
    if (!m)
        return;
    if (m->started) {
        pthread_mutex_lock(&m->lock);
        m->stopping = 1;
        pthread_cond_signal(&m->cond);
        pthread_mutex_unlock(&m->lock);
        pthread_join(m->thread, NULL);
    }
    eventlog_close(m->el);
    free(m->webhook);
    pthread_mutex_destroy(&m->lock);
    pthread_cond_destroy(&m->cond);
    free(m);
}
