/* idem.c -- a fixed table of keys under one lock; a claim that finds
 * its key held waits on one condition variable that every done and
 * abandon signals.  A full table reuses its oldest finished entry. */
#include "idem.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum idem_state { IDEM_FREE, IDEM_HELD, IDEM_FINISHED };

struct idem_entry {
    char key[IDEM_KEY_MAX + 1];
    char result[IDEM_RESULT_MAX];
    enum idem_state state;
    double when; /* CLOCK_MONOTONIC seconds of the claim or the result */
};

struct idem {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* CLOCK_MONOTONIC */
    struct idem_entry e[IDEM_MAX];
};

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int idem_new(struct idem **out)
{
    struct idem *t = calloc(1, sizeof *t);
    pthread_condattr_t ca;
    *out = NULL;
    if (!t)
        return -1;
    pthread_mutex_init(&t->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->changed, &ca);
    pthread_condattr_destroy(&ca);
    *out = t;
    return 0;
}

void idem_free(struct idem *t)
{
    if (!t)
        return;
    pthread_cond_destroy(&t->changed);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

int idem_key_ok(const char *key)
{
    size_t n = 0;
    if (!key)
        return 0;
    for (; key[n]; n++) {
        char c = key[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return n >= 16 && n <= IDEM_KEY_MAX;
}

/* Under the lock: the entry of key, or NULL. */
static struct idem_entry *find(struct idem *t, const char *key, double now)
{
    for (size_t i = 0; i < IDEM_MAX; i++) {
        struct idem_entry *e = &t->e[i];
        if (e->state == IDEM_FINISHED && now - e->when > IDEM_TTL)
            e->state = IDEM_FREE;
        if (e->state != IDEM_FREE && strcmp(e->key, key) == 0)
            return e;
    }
    return NULL;
}

/* Under the lock: a free entry, else the oldest finished one, else
 * NULL (every entry held). */
static struct idem_entry *slot(struct idem *t)
{
    struct idem_entry *oldest = NULL;
    for (size_t i = 0; i < IDEM_MAX; i++) {
        struct idem_entry *e = &t->e[i];
        if (e->state == IDEM_FREE)
            return e;
        if (e->state == IDEM_FINISHED && (!oldest || e->when < oldest->when))
            oldest = e;
    }
    return oldest;
}

enum idem_claim idem_claim(struct idem *t, const char *key, char result[IDEM_RESULT_MAX],
                           double timeout)
{
    result[0] = '\0';
    if (!t || !idem_key_ok(key))
        return IDEM_FIRST;
    pthread_mutex_lock(&t->lock);
    double start = mono_now(), now = start;
    struct idem_entry *e;
    while ((e = find(t, key, now)) && e->state == IDEM_HELD && now - start < timeout) {
        double until = start + timeout;
        struct timespec ts = {(time_t)until, (long)((until - (double)(time_t)until) * 1e9)};
        pthread_cond_timedwait(&t->changed, &t->lock, &ts);
        now = mono_now();
    }
    enum idem_claim c = IDEM_FIRST;
    if (e && e->state == IDEM_FINISHED) {
        memcpy(result, e->result, IDEM_RESULT_MAX);
        c = IDEM_DONE;
    } else if (!e && (e = slot(t))) {
        snprintf(e->key, sizeof e->key, "%s", key);
        e->result[0] = '\0';
        e->state = IDEM_HELD;
        e->when = now;
    }
    pthread_mutex_unlock(&t->lock);
    return c;
}

static void finish(struct idem *t, const char *key, const char *result)
{
    if (!t || !idem_key_ok(key))
        return;
    pthread_mutex_lock(&t->lock);
    double now = mono_now();
    struct idem_entry *e = find(t, key, now);
    if (e && result) {
        snprintf(e->result, sizeof e->result, "%s", result);
        e->state = IDEM_FINISHED;
        e->when = now;
    } else if (e) {
        e->state = IDEM_FREE;
    }
    pthread_cond_broadcast(&t->changed);
    pthread_mutex_unlock(&t->lock);
}

void idem_done(struct idem *t, const char *key, const char *result)
{
    finish(t, key, result ? result : "");
}

void idem_abandon(struct idem *t, const char *key)
{
    finish(t, key, NULL);
}

void idem_key_new(char out[IDEM_KEY_MAX + 1])
{
    unsigned char raw[18];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, IDEM_KEY_MAX + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
