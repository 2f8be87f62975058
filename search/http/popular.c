/* popular.c -- the lists of "popular articles" for the home page and
 * for searches that find nothing
 * search finds nothing: the articles read most in the last 30 days
 * (views and clicks from the event store), topped up, while the store
 * is young, with a pick from the index (how-to, FAQ and
 * troubleshooting articles first, the most recently updated first).
 *
 * Counting means scanning a month of events, so no request does it.
 * One background thread (popular_start) makes the lists: one per
 * locale of the index, every POPULAR_TTL seconds and as soon as it
 * sees a new index revision (it looks every POPULAR_POLL seconds).  It
 * reads with an index handle and a connection to the service database
 * of its own, so it never takes app->reader_lock (which agents'
 * reports and case reads share) and never makes a request wait.  The
 * lists are published together as one immutable, reference-counted
 * snapshot: a request takes a reference under the cache's lock (a
 * pointer copy), renders, and drops it.  A locale the snapshot does
 * not hold (the index has no such locale, or gained it since the last
 * refresh) gets the default locale's list, so whatever a client puts
 * in ?locale= costs a lookup, never a computation.  Until the first
 * snapshot is out (the index pick comes first, before the events are
 * counted) the list is empty. */
#include "eventlog.h"
#include "kb.h"
#include "popular.h"
#include "reports.h"
#include "searchreq.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define POPULAR_MAX 8
#define POPULAR_TTL 120.0      /* seconds between two counts of the events */
#define POPULAR_POLL 1.0       /* seconds between two looks at the index revision */
#define POPULAR_DAYS 30
#define POPULAR_CANDIDATES 64  /* most read articles looked up per locale */

struct pop_item {
    char *id, *locale, *title, *topic;
};

struct pop_list {
    struct pop_item item[POPULAR_MAX];
    size_t n;
};

struct pop_entry {
    char *locale; /* lower case */
    struct pop_list list;
    json_t *topics; /* {"product": [{"id","title"}, ...]}: every public
                     * article of the locale by product, titles in
                     * order; read-only once published */
};

/* What requests read: never changed once published. */
struct pop_snapshot {
    unsigned refs;               /* under popular_cache.lock */
    unsigned long long revision; /* of the index the lists were made from */
    size_t n;
    struct pop_entry *entry;     /* one per locale of the index */
};

struct popular_cache {
    pthread_mutex_t lock;        /* guards the fields up to stop */
    pthread_cond_t wake;         /* signalled on stop; CLOCK_MONOTONIC */
    struct pop_snapshot *snap;   /* current lists, or NULL before the first */
    unsigned long refreshes;     /* lists made from the event store so far */
    int stop;
    /* Set by popular_start, read-only while the thread runs. */
    int started;
    pthread_t thread;
    char *index_dir, *db_path, *default_locale;
    double window;               /* deflection window, seconds */
    double interval;             /* POPULAR_TTL, or KB_POPULAR_REFRESH_MS */
};

static void list_clear(struct pop_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->item[i].id);
        free(l->item[i].locale);
        free(l->item[i].title);
        free(l->item[i].topic);
    }
    l->n = 0;
}

static void entries_free(struct pop_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].locale);
        list_clear(&e[i].list);
        json_decref(e[i].topics);
    }
    free(e);
}

static void snapshot_free(struct pop_snapshot *s)
{
    if (!s)
        return;
    entries_free(s->entry, s->n);
    free(s);
}

static int list_has(const struct pop_list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->item[i].id, id) == 0)
            return 1;
    return 0;
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Adds an article unless it is there or the list is full. */
static void list_put(struct pop_list *l, const char *id, const char *locale,
                     const char *title, const char *topic)
{
    if (l->n >= POPULAR_MAX || !*id || list_has(l, id))
        return;
    struct pop_item *it = &l->item[l->n];
    it->id = strdup(id);
    it->locale = strdup(locale);
    it->title = strdup(*title ? title : id);
    it->topic = strdup(topic);
    if (!it->id || !it->locale || !it->title || !it->topic) {
        free(it->id);
        free(it->locale);
        free(it->title);
        free(it->topic);
        return;
    }
    l->n++;
}

static void list_add(struct pop_list *l, json_t *rec)
{
    list_put(l, jstr(rec, "id"), jstr(rec, "locale"), jstr(rec, "title"), jstr(rec, "topic"));
}

static void list_copy(struct pop_list *to, const struct pop_list *from)
{
    for (size_t i = 0; i < from->n; i++)
        list_put(to, from->item[i].id, from->item[i].locale, from->item[i].title,
                 from->item[i].topic);
}

static char *lower_dup(const char *s)
{
    char *d = strdup(s);
    for (char *p = d; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return d;
}

static const struct pop_entry *entry_find(const struct pop_entry *e, size_t n,
                                          const char *locale)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(e[i].locale, locale) == 0)
            return &e[i];
    return NULL;
}

/* ---- the index pick, made again for each revision ---------------------- */

static int title_cmp(const void *a, const void *b)
{
    json_t *const *x = a, *const *y = b;
    int d = strcoll(jstr(*x, "title"), jstr(*y, "title"));
    return d ? d : strcmp(jstr(*x, "id"), jstr(*y, "id"));
}

/* Sorts an array of {"id","title"} by title, in place. */
static void json_array_sort_titles(json_t *a)
{
    size_t n = json_array_size(a);
    json_t **v = n ? malloc(n * sizeof *v) : NULL;
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(a, i));
    qsort(v, n, sizeof *v, title_cmp);
    json_array_clear(a);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, v[i]);
    free(v);
}

struct pick_locale {
    char *locale;
    json_t *best[POPULAR_MAX]; /* best first, by pick_cmp */
    size_t n;
    json_t *topics;            /* pop_entry.topics, being made */
};

struct pick {
    struct pick_locale *loc;
    size_t n, cap;
    int failed;
};

static int topic_rank(const char *topic)
{
    return strcmp(topic, "how-to") == 0 || strcmp(topic, "faq") == 0 ||
                   strcmp(topic, "troubleshooting") == 0
               ? 0
               : 1;
}

static int pick_cmp(json_t *x, json_t *y)
{
    int d = topic_rank(jstr(x, "topic")) - topic_rank(jstr(y, "topic"));
    if (d)
        return d;
    d = strcmp(jstr(y, "updated"), jstr(x, "updated"));
    if (d)
        return d;
    d = strcmp(jstr(x, "title"), jstr(y, "title"));
    return d ? d : strcmp(jstr(x, "id"), jstr(y, "id"));
}

static struct pick_locale *pick_locale_get(struct pick *p, const char *locale)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcasecmp(p->loc[i].locale, locale) == 0)
            return &p->loc[i];
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        struct pick_locale *grown = realloc(p->loc, cap * sizeof *grown);
        if (!grown)
            return NULL;
        p->loc = grown;
        p->cap = cap;
    }
    struct pick_locale *pl = &p->loc[p->n];
    memset(pl, 0, sizeof *pl);
    if (!(pl->locale = lower_dup(locale)))
        return NULL;
    p->n++;
    return pl;
}

/* Keeps rec among the POPULAR_MAX best of its locale. */
static int pick_record(void *ctx, const char *json, size_t len)
{
    struct pick *p = ctx;
    json_t *rec = json_loadb(json, len, 0, NULL);
    const char *locale = jstr(rec, "locale");
    struct pick_locale *pl = rec && *locale ? pick_locale_get(p, locale) : NULL;
    if (!pl) {
        p->failed |= rec && *locale; /* out of memory */
        json_decref(rec);
        return 0;
    }
    json_t *keep = json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", jstr(rec, "id"), "locale",
                             locale, "title", jstr(rec, "title"), "topic",
                             jstr(rec, "topic"), "updated", jstr(rec, "updated"));
    /* The home page's topics: every article under its product. */
    const char *product = *jstr(rec, "product") ? jstr(rec, "product") : "";
    if (!pl->topics)
        pl->topics = json_object();
    json_t *group = pl->topics ? json_object_get(pl->topics, product) : NULL;
    if (pl->topics && !group && json_object_set_new(pl->topics, product, json_array()) == 0)
        group = json_object_get(pl->topics, product);
    if (!group || json_array_append_new(group, json_pack("{s:s,s:s}", "id", jstr(rec, "id"),
                                                         "title", jstr(rec, "title"))) != 0)
        p->failed = 1;
    json_decref(rec);
    if (!keep) {
        p->failed = 1;
        return 0;
    }
    size_t at = pl->n;
    while (at > 0 && pick_cmp(keep, pl->best[at - 1]) < 0)
        at--;
    if (at >= POPULAR_MAX) {
        json_decref(keep);
        return 0;
    }
    if (pl->n == POPULAR_MAX)
        json_decref(pl->best[--pl->n]);
    memmove(&pl->best[at + 1], &pl->best[at], (pl->n - at) * sizeof pl->best[0]);
    pl->best[at] = keep;
    pl->n++;
    return 0;
}

static void pick_release(struct pick *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->loc[i].locale);
        json_decref(p->loc[i].topics);
        for (size_t k = 0; k < p->loc[i].n; k++)
            json_decref(p->loc[i].best[k]);
    }
    free(p->loc);
}

static int locale_cmp(const void *a, const void *b)
{
    return strcmp(((const struct pop_entry *)a)->locale, ((const struct pop_entry *)b)->locale);
}

/* The index pick of every locale with a public article, sorted by
 * locale: 0 with *out and *n (free with entries_free()), or -1. */
static int index_pick(kb_index *ix, struct pop_entry **out, size_t *n)
{
    struct pick p = {NULL, 0, 0, 0};
    kb_status st = kb_foreach_record(ix, 0, pick_record, &p);
    if (st != KB_OK || p.failed) {
        fprintf(stderr, "kb-serve: popular articles: %s\n",
                st != KB_OK ? kb_last_error(ix) : "out of memory");
        pick_release(&p);
        return -1;
    }
    struct pop_entry *e = calloc(p.n ? p.n : 1, sizeof *e);
    if (!e) {
        pick_release(&p);
        return -1;
    }
    for (size_t i = 0; i < p.n; i++) {
        e[i].locale = p.loc[i].locale;
        p.loc[i].locale = NULL;
        e[i].topics = p.loc[i].topics;
        p.loc[i].topics = NULL;
        const char *product;
        json_t *group;
        json_object_foreach(e[i].topics, product, group)
            json_array_sort_titles(group);
        for (size_t k = 0; k < p.loc[i].n; k++)
            list_add(&e[i].list, p.loc[i].best[k]);
    }
    pick_release(&p);
    qsort(e, p.n, sizeof *e, locale_cmp);
    *out = e;
    *n = p.n;
    return 0;
}

/* ---- the most read articles, from the event store ---------------------- */

struct read_count {
    const char *article; /* borrowed from the report */
    long long n;         /* views + clicks, all sections */
};

static int read_count_id_cmp(const void *a, const void *b)
{
    return strcmp(((const struct read_count *)a)->article,
                  ((const struct read_count *)b)->article);
}

static int read_count_cmp(const void *a, const void *b)
{
    const struct read_count *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->article, y->article);
}

/* Article ids read in the last POPULAR_DAYS days, most read first, at
 * most POPULAR_CANDIDATES; NULL when there are none or the store
 * cannot say.  Caller json_decref()s. */
static json_t *most_read(struct eventlog *el, double window)
{
    double now = now_wall();
    json_t *rep = NULL;
    if (reports_articles(el, now - POPULAR_DAYS * 86400.0, now + 1, window, now, &rep) !=
        STORE_OK) {
        fprintf(stderr, "kb-serve: popular articles: %s\n", eventlog_errmsg(el));
        return NULL;
    }
    json_t *rows = json_object_get(rep, "articles");
    size_t nrows = json_array_size(rows), n = 0;
    struct read_count *c = calloc(nrows ? nrows : 1, sizeof *c);
    json_t *ids = c ? json_array() : NULL;
    if (!ids) {
        free(c);
        json_decref(rep);
        return NULL;
    }
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *id = jstr(row, "article");
        long long reads = json_integer_value(json_object_get(row, "views")) +
                          json_integer_value(json_object_get(row, "clicks"));
        if (reads > 0 && article_id_ok(id))
            c[n++] = (struct read_count){id, reads};
    }
    /* The report has one row per article and section: add them up. */
    qsort(c, n, sizeof *c, read_count_id_cmp);
    size_t m = 0;
    for (i = 0; i < n; i++) {
        if (m && strcmp(c[m - 1].article, c[i].article) == 0)
            c[m - 1].n += c[i].n;
        else
            c[m++] = c[i];
    }
    n = m;
    qsort(c, n, sizeof *c, read_count_cmp);
    for (i = 0; i < n && i < POPULAR_CANDIDATES; i++)
        json_array_append_new(ids, json_string(c[i].article));
    free(c);
    json_decref(rep);
    return ids;
}

/* ---- the refresh thread ------------------------------------------------- */

struct refresher {
    struct popular_cache *c;
    kb_index *ix;
    struct eventlog *el;
    int el_failed;                /* the database would not open: index pick only */
    struct pop_entry *pick;       /* index pick per locale, for pick_revision */
    size_t npick;
    unsigned long long pick_revision;
    int have_pick;
    double next;                  /* monotonic time of the next count */
};

static void snapshot_publish(struct popular_cache *c, struct pop_snapshot *s, int counted)
{
    pthread_mutex_lock(&c->lock);
    struct pop_snapshot *old = c->snap;
    c->snap = s;
    c->refreshes += counted;
    int last = old && --old->refs == 0;
    pthread_mutex_unlock(&c->lock);
    if (last)
        snapshot_free(old);
}

/* One list per locale: its most read articles (in that locale, else
 * the default one), then its index pick, then the default locale's. */
static struct pop_snapshot *snapshot_make(struct refresher *r, json_t *read)
{
    struct popular_cache *c = r->c;
    struct pop_snapshot *s = calloc(1, sizeof *s);
    if (!s || !(s->entry = calloc(r->npick ? r->npick : 1, sizeof *s->entry))) {
        free(s);
        return NULL;
    }
    s->refs = 1;
    s->revision = r->pick_revision;
    const struct pop_entry *dflt = entry_find(r->pick, r->npick, c->default_locale);
    for (size_t i = 0; i < r->npick; i++) {
        struct pop_entry *e = &s->entry[i];
        if (!(e->locale = strdup(r->pick[i].locale))) {
            snapshot_free(s);
            return NULL;
        }
        s->n++;
        e->topics = json_incref(r->pick[i].topics);
        size_t k;
        json_t *id;
        json_array_foreach(read, k, id)
        {
            if (e->list.n >= POPULAR_MAX)
                break;
            if (list_has(&e->list, json_string_value(id)))
                continue;
            char *json = NULL;
            if (kb_article_get(r->ix, json_string_value(id), e->locale, c->default_locale, 0,
                               &json) != KB_OK)
                continue; /* gone since, or internal */
            json_t *rec = json_loads(json, 0, NULL);
            free(json);
            if (rec)
                list_add(&e->list, rec);
            json_decref(rec);
        }
        list_copy(&e->list, &r->pick[i].list);
        if (dflt)
            list_copy(&e->list, &dflt->list);
    }
    return s;
}

static int refresher_open(struct refresher *r)
{
    struct popular_cache *c = r->c;
    if (!r->ix) {
        kb_status st = kb_open(c->index_dir, KB_OPEN_READ, &r->ix);
        if (st != KB_OK) {
            fprintf(stderr, "kb-serve: popular articles: index %s: %s\n", c->index_dir,
                    r->ix ? kb_last_error(r->ix) : kb_status_str(st));
            kb_close(r->ix);
            r->ix = NULL;
            return -1;
        }
    }
    if (!r->el && !r->el_failed) {
        if (eventlog_open(c->db_path, &r->el) != STORE_OK) {
            fprintf(stderr, "kb-serve: popular articles: %s\n", eventlog_errmsg(r->el));
            eventlog_close(r->el);
            r->el = NULL;
            r->el_failed = 1;
        }
    }
    return 0;
}

/* Makes new lists when the index has a new revision or the last count
 * is POPULAR_TTL old. */
static void refresher_step(struct refresher *r)
{
    struct popular_cache *c = r->c;
    kb_stats st;
    if (refresher_open(r) != 0)
        return;
    if (kb_reopen(r->ix) != KB_OK || kb_get_stats(r->ix, &st) != KB_OK) {
        fprintf(stderr, "kb-serve: popular articles: %s\n", kb_last_error(r->ix));
        return;
    }
    int new_revision = !r->have_pick || st.revision != r->pick_revision;
    if (!new_revision && now_monotonic() < r->next)
        return;
    if (new_revision) {
        struct pop_entry *pick;
        size_t n;
        if (index_pick(r->ix, &pick, &n) != 0)
            return; /* tried again at the next look */
        entries_free(r->pick, r->npick);
        r->pick = pick;
        r->npick = n;
        r->pick_revision = st.revision;
        r->have_pick = 1;
        pthread_mutex_lock(&c->lock);
        int first = c->snap == NULL;
        pthread_mutex_unlock(&c->lock);
        struct pop_snapshot *s;
        if (first && (s = snapshot_make(r, NULL)))
            snapshot_publish(c, s, 0); /* something to show while counting */
    }
    json_t *read = r->el ? most_read(r->el, c->window) : NULL;
    if (read || new_revision) {
        struct pop_snapshot *s = snapshot_make(r, read);
        if (s)
            snapshot_publish(c, s, read != NULL);
    } /* else the lists there are stay; most_read() said why */
    json_decref(read);
    r->next = now_monotonic() + c->interval;
}

static void *refresher_main(void *arg)
{
    struct refresher r = {.c = arg};
    struct popular_cache *c = r.c;
    pthread_mutex_lock(&c->lock);
    while (!c->stop) {
        pthread_mutex_unlock(&c->lock);
        refresher_step(&r);
        /* r.next is still due when the step failed: look again later. */
        double wait = r.next - now_monotonic();
        if (wait > POPULAR_POLL || wait <= 0)
            wait = POPULAR_POLL;
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        long long ns = until.tv_nsec + (long long)(wait * 1e9);
        until.tv_sec += (time_t)(ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        pthread_mutex_lock(&c->lock);
        while (!c->stop && pthread_cond_timedwait(&c->wake, &c->lock, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&c->lock);
    entries_free(r.pick, r.npick);
    eventlog_close(r.el);
    kb_close(r.ix);
    return NULL;
}

/* ---- the API ------------------------------------------------------------ */

int popular_cache_new(struct popular_cache **out)
{
    struct popular_cache *c = calloc(1, sizeof *c);
    *out = c;
    if (!c)
        return -1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&c->lock, NULL);
    return 0;
}

int popular_start(struct popular_cache *c, const struct app_config *cfg)
{
    c->index_dir = strdup(cfg->index_dir);
    c->db_path = strdup(cfg->db_path);
    c->default_locale = lower_dup(cfg->default_locale);
    c->window = cfg->deflection_window > 0 ? cfg->deflection_window : 1800;
    c->interval = POPULAR_TTL;
    /* For tests only: a shorter time between two counts, so that a
     * test sees its events in the list without waiting two minutes. */
    const char *ms = getenv("KB_POPULAR_REFRESH_MS");
    if (ms && atol(ms) > 0)
        c->interval = (double)atol(ms) / 1000.0;
    if (!c->index_dir || !c->db_path || !c->default_locale)
        return -1;
    if (pthread_create(&c->thread, NULL, refresher_main, c) != 0)
        return -1;
    c->started = 1;
    return 0;
}

void popular_cache_free(struct popular_cache *c)
{
    if (!c)
        return;
    if (c->started) {
        pthread_mutex_lock(&c->lock);
        c->stop = 1;
        pthread_cond_signal(&c->wake);
        pthread_mutex_unlock(&c->lock);
        pthread_join(c->thread, NULL);
    }
    snapshot_free(c->snap);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    free(c->index_dir);
    free(c->db_path);
    free(c->default_locale);
    free(c);
}

void popular_get_stats(struct popular_cache *c, struct popular_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    if (c->snap) {
        out->locales = c->snap->n;
        out->revision = c->snap->revision;
    }
    out->refreshes = c->refreshes;
    pthread_mutex_unlock(&c->lock);
}


void popular_topics(struct popular_cache *c, const char *locale, const char *fallback,
                    popular_topic_fn fn, void *ctx)
{
    struct pop_snapshot *s = NULL;
    if (c) {
        pthread_mutex_lock(&c->lock);
        if ((s = c->snap))
            s->refs++;
        pthread_mutex_unlock(&c->lock);
    }
    if (!s)
        return;
    const struct pop_entry *e = entry_find(s->entry, s->n, locale);
    if (!e)
        e = entry_find(s->entry, s->n, fallback);
    const char *product;
    json_t *group;
    if (e)
        json_object_foreach(e->topics, product, group)
        {
            size_t n = json_array_size(group);
            const char *ids[POPULAR_TOPIC_MAX], *titles[POPULAR_TOPIC_MAX];
            size_t k = 0;
            for (; k < n && k < POPULAR_TOPIC_MAX; k++) {
                ids[k] = jstr(json_array_get(group, k), "id");
                titles[k] = jstr(json_array_get(group, k), "title");
            }
            fn(ctx, product, n, ids, titles, k);
        }
    pthread_mutex_lock(&c->lock);
    int last = --s->refs == 0;
    pthread_mutex_unlock(&c->lock);
    if (last)
        snapshot_free(s);
}

void popular_each(struct popular_cache *c, const char *locale, const char *fallback,
                  size_t n, popular_fn fn, void *ctx)
{
    struct pop_snapshot *s = NULL;
    if (c) {
        pthread_mutex_lock(&c->lock);
        if ((s = c->snap))
            s->refs++;
        pthread_mutex_unlock(&c->lock);
    }
    const struct pop_entry *e = NULL;
    if (s && !(e = entry_find(s->entry, s->n, locale)))
        e = entry_find(s->entry, s->n, fallback);
    for (size_t i = 0; e && i < e->list.n && i < n; i++) {
        const struct pop_item *it = &e->list.item[i];
        fn(ctx, it->id, it->locale, it->title, it->topic);
    }
    if (s) {
        pthread_mutex_lock(&c->lock);
        int last = --s->refs == 0;
        pthread_mutex_unlock(&c->lock);
        if (last)
            snapshot_free(s);
    }
}

size_t popular_locales(struct popular_cache *c, void (*fn)(void *ctx, const char *locale),
                       void *ctx)
{
    struct pop_snapshot *s = NULL;
    if (c) {
        pthread_mutex_lock(&c->lock);
        if ((s = c->snap))
            s->refs++;
        pthread_mutex_unlock(&c->lock);
    }
    if (!s)
        return 0;
    for (size_t i = 0; i < s->n; i++)
        fn(ctx, s->entry[i].locale);
    size_t n = s->n;
    pthread_mutex_lock(&c->lock);
    int last = --s->refs == 0;
    pthread_mutex_unlock(&c->lock);
    if (last)
        snapshot_free(s);
    return n;
}
