/* revcache.c -- per-revision values of the served index (revcache.h). */
#include "revcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define REVCACHE_SLOTS 8

struct slot {
    char name[32];
    unsigned long long revision;
    json_t *value; /* NULL: free slot */
};

struct revcache {
    pthread_mutex_t lock;
    struct slot slot[REVCACHE_SLOTS];
};

struct revcache *revcache_new(void)
{
    struct revcache *c = calloc(1, sizeof *c);
    if (c && pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return NULL;
    }
    return c;
}

void revcache_free(struct revcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < REVCACHE_SLOTS; i++)
        json_decref(c->slot[i].value);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* The slot named name, or NULL; under c->lock. */
static struct slot *find(struct revcache *c, const char *name)
{
    for (size_t i = 0; i < REVCACHE_SLOTS; i++)
        if (c->slot[i].value && strcmp(c->slot[i].name, name) == 0)
            return &c->slot[i];
    return NULL;
}

json_t *revcache_get(struct revcache *c, const char *name, unsigned long long revision)
{
    json_t *v = NULL;
    if (!c || !name)
        return NULL;
    pthread_mutex_lock(&c->lock);
    struct slot *s = find(c, name);
    if (s && s->revision == revision)
        v = json_incref(s->value);
    pthread_mutex_unlock(&c->lock);
    return v;
}

void revcache_put(struct revcache *c, const char *name, unsigned long long revision,
                  json_t *value)
{
    if (!c || !name || !value || strlen(name) >= sizeof c->slot[0].name)
        return;
    json_t *old = NULL;
    pthread_mutex_lock(&c->lock);
    struct slot *s = find(c, name);
    for (size_t i = 0; !s && i < REVCACHE_SLOTS; i++)
        if (!c->slot[i].value)
            s = &c->slot[i];
    if (s) {
        old = s->value;
        snprintf(s->name, sizeof s->name, "%s", name);
        s->revision = revision;
        s->value = json_incref(value);
    }
    pthread_mutex_unlock(&c->lock);
    json_decref(old);
}
