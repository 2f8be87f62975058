/* learn.c -- confirmed (query, article, section) pairs from the event
 * log, on the reports' per-visit engine, and the learned queries
 * authors removed.  learn.h has the rules. */
#include "learn.h"

#include <stdlib.h>
#include <string.h>

#include "learn_schema.h"
#include "reports_private.h"
#include "schema.h"
#include "storedb.h"

/* ---- pairs ------------------------------------------------------------ */

struct pair_acc {
    struct learn_pair *p;
    size_t n, cap;
    struct rp_map all;   /* key -> index into p */
    struct rp_map visit; /* keys this visit counted already */
    long long seq;       /* the visit the map is for */
    struct eventlog *el;
};

/* key = locale \0 query \0 article */
static char *pair_key(const char *loc, const char *q, const char *art, size_t *len)
{
    size_t a = strlen(loc) + 1, b = strlen(q) + 1, c = strlen(art);
    char *k = malloc(a + b + c + 1);

    if (!k)
        return NULL;
    memcpy(k, loc, a);
    memcpy(k + a, q, b);
    memcpy(k + a + b, art, c + 1);
    *len = a + b + c;
    return k;
}

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);

    if (d)
        memcpy(d, s, n);
    return d;
}

static store_status count_pair(struct pair_acc *acc, const char *loc, const char *q,
                               const char *art, const char *sec)
{
    size_t len, idx;
    int created;
    char *k = pair_key(loc, q, art, &len);
    struct learn_pair *p;

    if (!k)
        goto oom;
    if (rp_map_get(&acc->visit, k, len, &idx, &created, NULL))
        goto oom;
    if (!created) { /* this visit counted it already */
        free(k);
        return STORE_OK;
    }
    if (rp_map_get(&acc->all, k, len, &idx, &created, NULL))
        goto oom;
    free(k);
    k = NULL;
    if (created) {
        if (rp_reserve(&acc->p, &acc->cap, acc->n + 1, sizeof *acc->p))
            goto oom;
        p = &acc->p[acc->n];
        memset(p, 0, sizeof *p);
        acc->n++;
        if (!(p->query = dup(q)) || !(p->locale = dup(loc)) || !(p->article = dup(art)) ||
            !(p->section = dup(sec)))
            goto oom;
    }
    p = &acc->p[idx];
    p->visits++;
    if (!*p->section && *sec) {
        char *s = dup(sec);

        if (!s)
            goto oom;
        free(p->section);
        p->section = s;
    }
    return STORE_OK;
oom:
    free(k);
    return eventlog_fail(acc->el, STORE_ERR_NOMEM, "learn: out of memory");
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static store_status on_visit(void *ctx, const struct rp_visit *v)
{
    struct pair_acc *acc = ctx;
    const char *last_q = NULL, *last_qloc = NULL;
    size_t i, last_click = RP_NOSTR;
    store_status st;

    if (v->outcome != RP_CONFIRMED)
        return STORE_OK;
    rp_map_free(&acc->visit);
    memset(&acc->visit, 0, sizeof acc->visit);
    for (i = 0; i < v->n; i++) {
        const struct rp_event *e = &v->ev[i];
        const char *art = rp_str(v, e->article);
        size_t c;

        if (!e->in_window)
            break;
        if (e->kind == EVENTLOG_KIND_SEARCH && e->query != RP_NOSTR &&
            *rp_str(v, e->query)) {
            last_q = rp_str(v, e->query);
            last_qloc = rp_str(v, e->locale);
            continue;
        }
        if (e->kind == EVENTLOG_KIND_CLICK && art && *art) {
            last_click = i;
            continue;
        }
        if (!(e->kind == EVENTLOG_KIND_DEFLECT ||
              (e->kind == EVENTLOG_KIND_VOTE && e->helpful == 1)))
            continue;
        /* The confirmed article: the one named, else the last click. */
        if ((!art || !*art) && e->kind == EVENTLOG_KIND_DEFLECT && last_click != RP_NOSTR)
            art = rp_str(v, v->ev[last_click].article);
        if (!art || !*art)
            continue;
        /* The latest click on it before the confirmation. */
        for (c = i; c-- > 0;) {
            const struct rp_event *k = &v->ev[c];
            const char *q, *loc, *sec;

            if (k->kind != EVENTLOG_KIND_CLICK || strcmp(or_empty(rp_str(v, k->article)), art))
                continue;
            q = k->query != RP_NOSTR && *rp_str(v, k->query) ? rp_str(v, k->query) : NULL;
            loc = rp_str(v, k->locale);
            if (!q) {
                size_t s;

                /* The visit's latest search before that click. */
                for (s = c; s-- > 0;)
                    if (v->ev[s].kind == EVENTLOG_KIND_SEARCH && v->ev[s].query != RP_NOSTR &&
                        *rp_str(v, v->ev[s].query)) {
                        q = rp_str(v, v->ev[s].query);
                        if (!loc || !*loc)
                            loc = rp_str(v, v->ev[s].locale);
                        break;
                    }
            }
            if (!q)
                break;
            if ((!loc || !*loc) && q == last_q)
                loc = last_qloc;
            sec = rp_str(v, e->section);
            if (!sec || !*sec)
                sec = rp_str(v, k->section);
            if ((st = count_pair(acc, or_empty(loc), q, art, or_empty(sec))))
                return st;
            break;
        }
    }
    return STORE_OK;
}

static int by_visits(const void *a, const void *b)
{
    const struct learn_pair *x = a, *y = b;
    int c;

    if (x->visits != y->visits)
        return x->visits > y->visits ? -1 : 1;
    if ((c = strcmp(x->locale, y->locale)))
        return c;
    if ((c = strcmp(x->article, y->article)))
        return c;
    return strcmp(x->query, y->query);
}

void learn_pairs_free(struct learn_pair *p, size_t n)
{
    size_t i;

    if (!p)
        return;
    for (i = 0; i < n; i++) {
        free(p[i].query);
        free(p[i].locale);
        free(p[i].article);
        free(p[i].section);
    }
    free(p);
}

store_status learn_pairs(struct eventlog *el, double window, double now, long min_visits,
                         struct learn_pair **out, size_t *n)
{
    return learn_pairs_since(el, 0, window, now, min_visits, out, n);
}

store_status learn_pairs_since(struct eventlog *el, double from, double window, double now,
                               long min_visits, struct learn_pair **out, size_t *n)
{
    struct pair_acc acc;
    store_status st;
    size_t i, k;

    *out = NULL;
    *n = 0;
    if (min_visits < 1)
        return eventlog_fail(el, STORE_ERR_INVALID, "learn: min visits must be 1 or more");
    if (from < 0 || from > now)
        return eventlog_fail(el, STORE_ERR_INVALID, "learn: the start is not in the past");
    if ((st = rp_check_args(el, from, now + 1, window, now)))
        return st;
    memset(&acc, 0, sizeof acc);
    acc.el = el;
    st = rp_scan(el, from, now + 1, (long long)(window * 1000.0), storeval_ms(now), on_visit,
                 &acc);
    rp_map_free(&acc.all);
    rp_map_free(&acc.visit);
    if (st) {
        learn_pairs_free(acc.p, acc.n);
        return st;
    }
    for (i = k = 0; i < acc.n; i++) {
        if (acc.p[i].visits >= min_visits) {
            acc.p[k++] = acc.p[i];
        } else {
            free(acc.p[i].query);
            free(acc.p[i].locale);
            free(acc.p[i].article);
            free(acc.p[i].section);
        }
    }
    if (k > 1)
        qsort(acc.p, k, sizeof *acc.p, by_visits);
    if (!k) {
        free(acc.p);
        acc.p = NULL;
    }
    *out = acc.p;
    *n = k;
    return STORE_OK;
}

/* ---- removed queries -------------------------------------------------- */

enum { S_REMOVE, S_IS_REMOVED, S_COUNT };

static const char *const sql[S_COUNT] = {
    "INSERT OR IGNORE INTO learn_removed (locale, article, query, removed_ms)"
    " VALUES (?1, ?2, ?3, ?4)",
    "SELECT 1 FROM learn_removed WHERE locale = ?1 AND article = ?2 AND query = ?3",
};

struct learnstore {
    struct storedb db;
    int ready;
    struct sdb_stmt *st[S_COUNT];
};

store_status learn_open(const char *path, struct learnstore **out)
{
    struct learnstore *ls = calloc(1, sizeof *ls);
    store_status st;

    *out = ls;
    if (!ls)
        return STORE_ERR_NOMEM;
    if (!path)
        return storedb_fail(&ls->db, STORE_ERR_INVALID, "no database path");
    if ((st = schema_open(&ls->db, path, 0)) ||
        (st = storedb_prepare(&ls->db, sql, ls->st, S_COUNT))) {
        storedb_prefix(&ls->db, path);
        return st;
    }
    ls->ready = 1;
    return STORE_OK;
}

void learn_close(struct learnstore *ls)
{
    if (!ls)
        return;
    storedb_finalize(ls->st, S_COUNT);
    storedb_close(&ls->db);
    free(ls);
}

const char *learn_errmsg(const struct learnstore *ls)
{
    return ls ? ls->db.err : "out of memory";
}

/* Binds locale, article and the normalized query as ?1..?3; the text
 * is bound borrowed, so *q (the caller free()s it) must outlive the
 * statement's step. */
static store_status bind3(struct learnstore *ls, struct sdb_stmt *st, const char *locale,
                          const char *article, const char *query, char **q)
{
    store_status r;

    *q = NULL;
    if (!ls->ready)
        return STORE_ERR_INVALID;
    if (!locale || !article || !*article || !query)
        return storedb_fail(&ls->db, STORE_ERR_INVALID, "learn: missing field");
    if (!(*q = reports_normalize_query(query)))
        return storedb_fail(&ls->db, STORE_ERR_NOMEM, "learn: out of memory");
    if (!**q)
        return storedb_fail(&ls->db, STORE_ERR_INVALID, "learn: empty query");
    if ((r = storedb_bind_text(&ls->db, st, 1, locale)) ||
        (r = storedb_bind_text(&ls->db, st, 2, article)) ||
        (r = storedb_bind_text(&ls->db, st, 3, *q)))
        storedb_done(st);
    return r;
}

store_status learn_remove(struct learnstore *ls, const char *locale, const char *article,
                          const char *query, double now)
{
    struct sdb_stmt *st = ls ? ls->st[S_REMOVE] : NULL;
    store_status r;
    char *q;

    if (!ls)
        return STORE_ERR_INVALID;
    if (!storeval_ts_ok(now))
        return storedb_fail(&ls->db, STORE_ERR_INVALID, "learn: time out of range");
    if (!(r = bind3(ls, st, locale, article, query, &q))) {
        sdb_bind_int64(st, 4, storeval_ms(now));
        r = storedb_run(&ls->db, st, "learn: remove");
    }
    free(q);
    return r;
}

store_status learn_is_removed(struct learnstore *ls, const char *locale, const char *article,
                              const char *query, int *removed)
{
    struct sdb_stmt *st = ls ? ls->st[S_IS_REMOVED] : NULL;
    store_status r;
    char *q;
    int rc;

    *removed = 0;
    if (!ls)
        return STORE_ERR_INVALID;
    if ((r = bind3(ls, st, locale, article, query, &q))) {
        free(q);
        return r;
    }
    rc = sdb_step(st);
    if (rc == SDB_ROW)
        *removed = 1;
    else if (rc != SDB_DONE)
        r = storedb_sqlfail(&ls->db, "learn: read removed");
    storedb_done(st);
    free(q);
    return r;
}

store_status learn_drop_removed(struct learnstore *ls, struct learn_pair *p, size_t *n)
{
    size_t i, k;
    store_status r;
    int gone;

    for (i = k = 0; i < *n; i++) {
        if ((r = learn_is_removed(ls, p[i].locale, p[i].article, p[i].query, &gone))) {
            for (; i < *n; i++) /* keep the rest for the caller to free */
                p[k++] = p[i];
            *n = k;
            return r;
        }
        if (gone) {
            free(p[i].query);
            free(p[i].locale);
            free(p[i].article);
            free(p[i].section);
        } else {
            p[k++] = p[i];
        }
    }
    *n = k;
    return STORE_OK;
}
