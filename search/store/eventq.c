/* eventq.c -- group commit of events on one writer thread. */
#include "eventq.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* With this many events queued, a search's log waits for room (the
 * writer takes them in batches): searches then go at the pace of the
 * disk instead of memory growing (a cached search is answered faster
 * than its event is written).  Behind a stuck disk, an unacknowledged
 * event that finds no room within EVENTQ_ROOM_WAIT_MS is dropped
 * rather than stalling searches for longer. */
#define EVENTQ_MAX_PENDING 16384
#define EVENTQ_ROOM_WAIT_MS 200
/* Largest batch committed in one transaction. */
#define EVENTQ_BATCH 512
/* Pause of the writer while the database server cannot be reached. */
#define EVENTQ_RETRY_MS 500
/* How long the writer lets events that nobody waits for (the searches
 * and views the server logs) gather before it commits them, unless a
 * batch fills first or an acknowledged event or a case arrives.
 * Measured (StackFAQ, cached searches, wrk at 4 connections on the
 * loaded 2-core machine): committing whatever had queued the moment
 * the writer woke gave batches of 177 events, 21 ms of commit each;
 * the writer took 41% of the server's CPU, the queue stayed full and
 * searches waited 37 ms on average for room.  Lingering, with visit
 * ids in time order (request.c), raised the cached rate from 8-13k to
 * 16-23k searches/s in the same runs. */
#define EVENTQ_LINGER_MS 20

struct item {
    struct item *next;
    int is_case;
    struct eventlog_event ev;
    struct eventlog_case c;
    const char **articles; /* copy of ev.articles */
    char *strings;         /* one block holding every copied string */
    /* Completion, for waiters. */
    int waiting;
    int done;
    store_status status;
    char id[EVENTLOG_CASE_ID_SIZE];
};

struct eventq {
    struct eventlog *el;
    int started;   /* the writer thread runs */
    char err[512]; /* eventq_errmsg() */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* writer: there is work */
    pthread_cond_t done; /* waiters: an item finished */
    pthread_cond_t room; /* the queue went below EVENTQ_MAX_PENDING */
    struct item *head, *tail;
    size_t pending;
    size_t urgent; /* queued items whose caller waits (acknowledged events, cases) */
    int stopping;
    unsigned long dropped;
    struct eventq_stats stats; /* under lock; pending and dropped filled on reading */
};

static size_t slen(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

static const char *put(char **p, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    memcpy(*p, s, n);
    const char *r = *p;
    *p += n;
    return r;
}

static struct item *item_new(const struct eventlog_event *ev, const struct eventlog_case *c)
{
    struct item *it = calloc(1, sizeof *it);
    if (!it)
        return NULL;
    size_t total = 0;
    if (ev) {
        total = slen(ev->visit) + slen(ev->locale) + slen(ev->query) + slen(ev->article) +
                slen(ev->section) + slen(ev->reason) + slen(ev->comment) +
                slen(ev->source) + slen(ev->case_id);
        for (size_t i = 0; i < ev->narticles; i++)
            total += slen(ev->articles[i]);
    } else {
        total = slen(c->subject) + slen(c->description) + slen(c->email) +
                slen(c->product) + slen(c->locale) + slen(c->visit) + slen(c->idem);
    }
    it->strings = malloc(total ? total : 1);
    if (!it->strings) {
        free(it);
        return NULL;
    }
    char *p = it->strings;
    if (ev) {
        it->ev = *ev;
        it->ev.visit = put(&p, ev->visit);
        it->ev.locale = put(&p, ev->locale);
        it->ev.query = put(&p, ev->query);
        it->ev.article = put(&p, ev->article);
        it->ev.section = put(&p, ev->section);
        it->ev.reason = put(&p, ev->reason);
        it->ev.comment = put(&p, ev->comment);
        it->ev.source = put(&p, ev->source);
        it->ev.case_id = put(&p, ev->case_id);
        it->ev.subject = NULL;
        if (ev->narticles) {
            it->articles = calloc(ev->narticles, sizeof *it->articles);
            if (!it->articles) {
                free(it->strings);
                free(it);
                return NULL;
            }
            for (size_t i = 0; i < ev->narticles; i++)
                it->articles[i] = put(&p, ev->articles[i]);
            it->ev.articles = it->articles;
        } else {
            it->ev.articles = NULL;
        }
    } else {
        it->is_case = 1;
        it->c = *c;
        it->c.subject = put(&p, c->subject);
        it->c.description = put(&p, c->description);
        it->c.email = put(&p, c->email);
        it->c.product = put(&p, c->product);
        it->c.locale = put(&p, c->locale);
        it->c.visit = put(&p, c->visit);
        it->c.idem = put(&p, c->idem);
    }
    return it;
}

static void item_free(struct item *it)
{
    free(it->articles);
    free(it->strings);
    free(it);
}

/* Marks items finished: waiters free their own, the rest go here. */
static void finish(struct eventq *q, struct item **items, size_t n, store_status status)
{
    pthread_mutex_lock(&q->lock);
    for (size_t i = 0; i < n; i++) {
        if (items[i]->status == 0)
            items[i]->status = status;
        if (items[i]->is_case && items[i]->status == STORE_OK)
            q->stats.cases++;
        else if (items[i]->is_case)
            q->stats.case_errors++;
        else if (items[i]->status != STORE_OK)
            q->stats.event_errors++;
        else if ((unsigned)items[i]->ev.kind < EVENTLOG_KIND_COUNT)
            q->stats.written[items[i]->ev.kind]++;
        items[i]->done = 1;
        if (!items[i]->waiting)
            item_free(items[i]);
    }
    pthread_cond_broadcast(&q->done);
    pthread_mutex_unlock(&q->lock);
}

/* The database cannot be reached (a PostgreSQL failover): the waiters
 * hear STORE_BUSY at once (their requests answer 503 and may be sent
 * again), and the logged events nobody waits for go back to the front
 * of the queue, to be written once the database is back; the queue's
 * bound still holds, new ones are dropped when it is full.  The writer
 * pauses EVENTQ_RETRY_MS before trying again. */
static void requeue(struct eventq *q, struct item **items, size_t n)
{
    struct item *back = NULL, *last = NULL;
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        if (items[i]->waiting) {
            items[i]->status = STORE_BUSY;
            finish(q, &items[i], 1, STORE_BUSY);
            continue;
        }
        items[i]->next = NULL;
        if (last)
            last->next = items[i];
        else
            back = items[i];
        last = items[i];
        k++;
    }
    pthread_mutex_lock(&q->lock);
    q->stats.unreachable++;
    if (back && q->stopping) {
        /* Shutting down: nobody will bring the database back for us. */
        pthread_mutex_unlock(&q->lock);
        q->dropped += k;
        while (back) {
            last = back->next;
            item_free(back);
            back = last;
        }
        return;
    }
    if (back) {
        last->next = q->head;
        if (!q->head)
            q->tail = last;
        q->head = back;
        q->pending += k;
    }
    pthread_mutex_unlock(&q->lock);
    struct timespec pause = {EVENTQ_RETRY_MS / 1000, (EVENTQ_RETRY_MS % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

static void commit_batch(struct eventq *q, struct item **items, size_t n)
{
    struct eventlog_event evs[EVENTQ_BATCH] = {{0}};
    for (size_t i = 0; i < n; i++)
        evs[i] = items[i]->ev;
    store_status all = eventlog_record_many(q->el, evs, n);
    if (all == STORE_OK) {
        finish(q, items, n, STORE_OK);
        return;
    }
    if (all == STORE_BUSY && eventlog_is_server(q->el)) {
        requeue(q, items, n);
        return;
    }
    /* One bad event must not take the batch down: store one by one. */
    for (size_t i = 0; i < n; i++) {
        store_status st = eventlog_record(q->el, &items[i]->ev);
        if (st != STORE_OK) {
            fprintf(stderr, "kb-serve: event not stored: %s\n", eventlog_errmsg(q->el));
            items[i]->status = st;
        }
    }
    finish(q, items, n, STORE_OK);
}

/* Called with the lock held and something queued: waits up to
 * EVENTQ_LINGER_MS for more unless someone waits for a commit, a batch
 * is full or the queue stops.  submit() wakes the writer only for
 * those (and for the first item of an empty queue), so a busy server
 * does not wake it, nor switch to it, for every search it logs. */
static void linger(struct eventq *q)
{
    if (q->urgent || q->pending >= EVENTQ_BATCH || q->stopping)
        return;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += EVENTQ_LINGER_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    while (!q->urgent && q->pending < EVENTQ_BATCH && !q->stopping &&
           pthread_cond_timedwait(&q->wake, &q->lock, &until) == 0)
        ;
}

static void *writer(void *arg)
{
    struct eventq *q = arg;
    struct item *batch[EVENTQ_BATCH];
    for (;;) {
        pthread_mutex_lock(&q->lock);
        while (!q->head && !q->stopping)
            pthread_cond_wait(&q->wake, &q->lock);
        if (!q->head && q->stopping) {
            pthread_mutex_unlock(&q->lock);
            return NULL;
        }
        linger(q);
        /* Take a run of events, or one case. */
        size_t n = 0;
        struct item *one_case = NULL;
        if (q->head->is_case) {
            one_case = q->head;
            q->head = one_case->next;
            q->pending--;
            q->urgent -= one_case->waiting != 0;
        } else {
            while (q->head && !q->head->is_case && n < EVENTQ_BATCH) {
                batch[n++] = q->head;
                q->urgent -= q->head->waiting != 0;
                q->head = q->head->next;
                q->pending--;
            }
        }
        if (!q->head)
            q->tail = NULL;
        pthread_cond_broadcast(&q->room);
        pthread_mutex_unlock(&q->lock);

        if (one_case) {
            store_status st = eventlog_case_create(q->el, &one_case->c, one_case->id,
                                                   sizeof one_case->id);
            if (st != STORE_OK)
                fprintf(stderr, "kb-serve: case not stored: %s\n", eventlog_errmsg(q->el));
            one_case->status = st;
            finish(q, &one_case, 1, st);
        } else {
            commit_batch(q, batch, n);
        }
    }
}

store_status eventq_start(const char *path, struct eventq **out)
{
    struct eventq *q = calloc(1, sizeof *q);
    *out = q;
    if (!q)
        return STORE_ERR_NOMEM;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->wake, NULL);
    pthread_cond_init(&q->done, NULL);
    pthread_cond_init(&q->room, NULL);
    store_status st = eventlog_open(path, &q->el);
    if (st != STORE_OK) {
        snprintf(q->err, sizeof q->err, "%s", eventlog_errmsg(q->el));
        return st;
    }
    if (pthread_create(&q->thread, NULL, writer, q) != 0) {
        snprintf(q->err, sizeof q->err, "cannot start the event writer thread");
        return STORE_ERR_SYSTEM;
    }
    q->started = 1;
    return STORE_OK;
}

const char *eventq_errmsg(const struct eventq *q)
{
    return q ? q->err : "out of memory";
}

static store_status submit(struct eventq *q, struct item *it, int wait)
{
    pthread_mutex_lock(&q->lock);
    if (!wait && q->pending >= EVENTQ_MAX_PENDING) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += EVENTQ_ROOM_WAIT_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        while (q->pending >= EVENTQ_MAX_PENDING && !q->stopping &&
               pthread_cond_timedwait(&q->room, &q->lock, &until) == 0)
            ;
        if (q->pending >= EVENTQ_MAX_PENDING) {
            q->dropped++;
            pthread_mutex_unlock(&q->lock);
            item_free(it);
            return STORE_BUSY;
        }
    }
    it->waiting = wait;
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->pending++;
    q->urgent += wait != 0;
    if (wait || q->pending == 1 || q->pending == EVENTQ_BATCH)
        pthread_cond_signal(&q->wake);
    if (!wait) {
        pthread_mutex_unlock(&q->lock);
        return STORE_OK;
    }
    while (!it->done)
        pthread_cond_wait(&q->done, &q->lock);
    pthread_mutex_unlock(&q->lock);
    return it->status;
}

store_status eventq_record(struct eventq *q, const struct eventlog_event *ev, int wait)
{
    if (!q->started)
        return STORE_ERR_INVALID;
    struct item *it = item_new(ev, NULL);
    if (!it)
        return STORE_ERR_NOMEM;
    store_status rc = submit(q, it, wait);
    if (wait)
        item_free(it);
    return rc;
}

store_status eventq_case_create(struct eventq *q, const struct eventlog_case *c, char *id,
                                size_t idsize)
{
    if (!q->started)
        return STORE_ERR_INVALID;
    struct item *it = item_new(NULL, c);
    if (!it)
        return STORE_ERR_NOMEM;
    store_status rc = submit(q, it, 1);
    if (rc == STORE_OK)
        snprintf(id, idsize, "%s", it->id);
    item_free(it);
    return rc;
}

unsigned long eventq_dropped(const struct eventq *q)
{
    return q->dropped;
}

void eventq_get_stats(struct eventq *q, struct eventq_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!q || !q->started)
        return;
    pthread_mutex_lock(&q->lock);
    *out = q->stats;
    out->pending = q->pending;
    out->dropped = q->dropped;
    pthread_mutex_unlock(&q->lock);
}

void eventq_stop(struct eventq *q)
{
    if (!q)
        return;
    if (q->started) {
        pthread_mutex_lock(&q->lock);
        q->stopping = 1;
        pthread_cond_signal(&q->wake);
        pthread_cond_broadcast(&q->room);
        pthread_mutex_unlock(&q->lock);
        pthread_join(q->thread, NULL);
    }
    eventlog_close(q->el);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->wake);
    pthread_cond_destroy(&q->done);
    pthread_cond_destroy(&q->room);
    free(q);
}
