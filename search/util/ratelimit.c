/* ratelimit.c -- per-key token buckets in a bounded open-addressed
 * table (see ratelimit.h). */
#include "ratelimit.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RATELIMIT_SLOTS 4096 /* power of two */
#define RATELIMIT_PROBE 8    /* slots looked at for one key */
#define RATELIMIT_KEY 64

struct bucket {
    char key[RATELIMIT_KEY]; /* "" when free */
    double tokens;
    double at; /* when tokens was last brought up to date */
};

struct ratelimit {
    pthread_mutex_t lock;
    double burst, per_second;
    struct bucket slot[RATELIMIT_SLOTS];
};

struct ratelimit *ratelimit_new(unsigned burst, unsigned per_hour)
{
    struct ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    pthread_mutex_init(&rl->lock, NULL);
    rl->burst = burst ? burst : 1;
    rl->per_second = (double)per_hour / 3600.0;
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

/* FNV-1a: the keys are addresses, not chosen to collide on purpose
 * beyond what the probe length and the eviction rule absorb. */
static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void refill(const struct ratelimit *rl, struct bucket *b, double now)
{
    if (now > b->at)
        b->tokens += (now - b->at) * rl->per_second;
    if (b->tokens > rl->burst)
        b->tokens = rl->burst;
    b->at = now;
}

double ratelimit_take(struct ratelimit *rl, const char *key, double now)
{
    char k[RATELIMIT_KEY];
    snprintf(k, sizeof k, "%s", key ? key : "");
    uint32_t h = hash(k);
    pthread_mutex_lock(&rl->lock);
    struct bucket *b = NULL, *fullest = NULL;
    for (unsigned i = 0; i < RATELIMIT_PROBE && !b; i++) {
        struct bucket *s = &rl->slot[(h + i) & (RATELIMIT_SLOTS - 1)];
        if (s->key[0] && strcmp(s->key, k) == 0) {
            b = s;
            break;
        }
        if (!s->key[0]) {
            fullest = s;
            break; /* a free slot: this key is not further along */
        }
        refill(rl, s, now);
        if (!fullest || s->tokens > fullest->tokens)
            fullest = s;
    }
    if (!b) {
        b = fullest;
        snprintf(b->key, sizeof b->key, "%s", k);
        b->tokens = rl->burst;
        b->at = now;
    }
    refill(rl, b, now);
    double wait = 0;
    if (b->tokens >= 1.0)
        b->tokens -= 1.0;
    else
        wait = rl->per_second > 0 ? (1.0 - b->tokens) / rl->per_second : 3600.0;
    pthread_mutex_unlock(&rl->lock);
    return wait;
}
