/* handle_pool.c -- per-thread kb_index handles through a pthread key,
 * held by the pool (not a file-scope variable). */
#include "handle_pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct handle_pool {
    char *dir;
    pthread_key_t key;
    pthread_mutex_t lock; /* guards all */
    kb_index **all;       /* every handle opened, closed at free */
    size_t n, cap;
};

int handle_pool_new(const char *dir, struct handle_pool **out)
{
    struct handle_pool *p = calloc(1, sizeof *p);
    *out = NULL;
    if (!p)
        return -1;
    p->dir = strdup(dir);
    if (!p->dir || pthread_key_create(&p->key, NULL) != 0) {
        free(p->dir);
        free(p);
        return -1;
    }
    pthread_mutex_init(&p->lock, NULL);
    *out = p;
    return 0;
}

kb_index *handle_pool_get(struct handle_pool *p, char *err, size_t errlen)
{
    kb_index *ix = pthread_getspecific(p->key);
    if (ix)
        return ix;
    kb_status st = kb_open(p->dir, KB_OPEN_READ, &ix);
    if (st != KB_OK) {
        snprintf(err, errlen, "%s: %s", kb_status_str(st), ix ? kb_last_error(ix) : "");
        kb_close(ix);
        return NULL;
    }
    pthread_mutex_lock(&p->lock);
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        kb_index **a = realloc(p->all, cap * sizeof *a);
        if (!a) {
            pthread_mutex_unlock(&p->lock);
            kb_close(ix);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        p->all = a;
        p->cap = cap;
    }
    p->all[p->n++] = ix;
    pthread_mutex_unlock(&p->lock);
    pthread_setspecific(p->key, ix);
    return ix;
}

void handle_pool_free(struct handle_pool *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        kb_close(p->all[i]);
    free(p->all);
    pthread_key_delete(p->key);
    pthread_mutex_destroy(&p->lock);
    free(p->dir);
    free(p);
}
