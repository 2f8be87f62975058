/* reports_articles.c -- the articles report: reads, votes, deflections
 * and the readers' comments per article and per section, over the
 * finished visits rp_scan() hands out (reports_private.h). */
#include "reports_private.h"

#include <stdlib.h>
#include <string.h>

static store_status oom(struct eventlog *el)
{
    return eventlog_fail(el, STORE_ERR_NOMEM, "report: out of memory");
}

/* One kept comment; the strings are owned. */
struct kept {
    long long ts_ms;
    int helpful;
    char *text, *reason, *locale, *section;
};

struct aent {
    const char *article; /* map key: article NUL section; owned by map */
    const char *section;
    long long views, clicks, yes, no, confirmed, potential;
    long long seen;      /* visit seq that last counted an outcome here */
    long long comments;  /* every comment, kept or not */
    struct kept *kept;   /* the newest REPORTS_ARTICLE_COMMENTS, unordered */
    size_t nkept;
};

struct arep {
    struct eventlog *el;
    struct rp_map map;
    struct aent *e;
    size_t cap;
    char *key;
    size_t keycap;
};

static struct aent *aent_get(struct arep *r, const char *article,
                             const char *section)
{
    size_t al = strlen(article), sl = strlen(section), idx;
    const char *stored;
    int created;

    if (rp_reserve(&r->key, &r->keycap, al + sl + 2, 1) ||
        rp_reserve(&r->e, &r->cap, r->map.n + 1, sizeof *r->e))
        return NULL;
    memcpy(r->key, article, al + 1);
    memcpy(r->key + al + 1, section, sl + 1);
    if (rp_map_get(&r->map, r->key, al + sl + 1, &idx, &created, &stored))
        return NULL;
    if (created) {
        memset(&r->e[idx], 0, sizeof r->e[idx]);
        r->e[idx].article = stored;
        r->e[idx].section = stored + al + 1;
    }
    return &r->e[idx];
}

static void kept_release(struct kept *k)
{
    free(k->text);
    free(k->reason);
    free(k->locale);
    free(k->section);
    memset(k, 0, sizeof *k);
}

static char *dup_or_null(const char *s, int *bad)
{
    char *d;

    if (!s)
        return NULL;
    if (!(d = strdup(s)))
        *bad = 1;
    return d;
}

/* Counts the comment of vote e on a, and keeps it if it is among the
 * newest REPORTS_ARTICLE_COMMENTS: the scan goes visit by visit, not
 * in time order, so a newer comment replaces the oldest kept one.
 * Returns 0 or -1 on OOM. */
static int add_comment(struct aent *a, const struct rp_visit *v, const struct rp_event *e)
{
    struct kept *slot = NULL;
    int bad = 0;
    size_t i;

    a->comments++;
    if (!a->kept && !(a->kept = calloc(REPORTS_ARTICLE_COMMENTS, sizeof *a->kept)))
        return -1;
    if (a->nkept < REPORTS_ARTICLE_COMMENTS) {
        slot = &a->kept[a->nkept++];
    } else {
        for (i = 0; i < a->nkept; i++)
            if (!slot || a->kept[i].ts_ms < slot->ts_ms)
                slot = &a->kept[i];
        if (slot->ts_ms > e->ts_ms)
            return 0;
        kept_release(slot);
    }
    slot->ts_ms = e->ts_ms;
    slot->helpful = e->helpful;
    slot->text = dup_or_null(rp_str(v, e->comment), &bad);
    slot->reason = dup_or_null(rp_str(v, e->reason), &bad);
    slot->locale = dup_or_null(rp_str(v, e->locale), &bad);
    slot->section = dup_or_null(rp_str(v, e->section), &bad);
    return bad ? -1 : 0;
}

/* A vote (and its comment) on the entry a. */
static int count_vote(struct aent *a, const struct rp_visit *v, const struct rp_event *e)
{
    a->yes += e->helpful == 1;
    a->no += e->helpful == 0;
    return e->comment != RP_NOSTR ? add_comment(a, v, e) : 0;
}

static store_status articles_visit(void *ctx, const struct rp_visit *v)
{
    struct arep *r = ctx;
    int deflected = v->outcome == RP_CONFIRMED || v->outcome == RP_POTENTIAL;
    size_t i;

    for (i = 0; i < v->n; i++) {
        const struct rp_event *e = &v->ev[i];
        const char *article = rp_str(v, e->article);
        const char *section = rp_str(v, e->section);
        struct aent *a;

        if (!article)
            continue;
        if (!(a = aent_get(r, article, section)))
            return oom(r->el);
        a->views += e->kind == EVENTLOG_KIND_VIEW;
        a->clicks += e->kind == EVENTLOG_KIND_CLICK;
        if (e->kind == EVENTLOG_KIND_VOTE) {
            if (count_vote(a, v, e))
                return oom(r->el);
            /* A vote cast on a section (the reader came by a section
             * link) is a vote on the article too: the article's row
             * holds every vote on it, its sections' rows their own. */
            if (section[0] &&
                (!(a = aent_get(r, article, "")) || count_vote(a, v, e)))
                return oom(r->el);
            continue;
        }
        if (deflected && e->in_window && a->seen != v->seq &&
            (e->kind == EVENTLOG_KIND_VIEW || e->kind == EVENTLOG_KIND_CLICK ||
             e->kind == EVENTLOG_KIND_DEFLECT)) {
            a->seen = v->seq;
            a->confirmed += v->outcome == RP_CONFIRMED;
            a->potential += v->outcome == RP_POTENTIAL;
        }
    }
    return STORE_OK;
}

static int aent_cmp(const void *a, const void *b)
{
    const struct aent *x = a, *y = b;
    long long rx = x->views + x->clicks, ry = y->views + y->clicks;
    int c;

    if (rx != ry)
        return rx > ry ? -1 : 1;
    c = strcmp(x->article, y->article);
    return c ? c : strcmp(x->section, y->section);
}

static int kept_cmp(const void *a, const void *b)
{
    const struct kept *x = a, *y = b;

    /* Newest first. */
    return x->ts_ms < y->ts_ms ? 1 : x->ts_ms > y->ts_ms ? -1 : 0;
}

static json_t *comments_json(struct aent *a)
{
    json_t *arr = json_array(), *o;
    char when[32];
    size_t i;
    int bad = !arr;

    if (a->nkept > 1)
        qsort(a->kept, a->nkept, sizeof *a->kept, kept_cmp);
    for (i = 0; !bad && i < a->nkept; i++) {
        const struct kept *k = &a->kept[i];

        storeval_format_time(k->ts_ms, when, sizeof when);
        o = json_object();
        bad |= json_array_append_new(arr, o) != 0;
        if (bad)
            break;
        bad |= json_object_set_new(o, "comment", storeval_json_str(k->text)) != 0;
        bad |= json_object_set_new(o, "created", json_string(when)) != 0;
        bad |= json_object_set_new(o, "helpful", json_boolean(k->helpful == 1)) != 0;
        bad |= json_object_set_new(o, "reason", k->reason ? storeval_json_str(k->reason)
                                                          : json_null()) != 0;
        bad |= json_object_set_new(o, "locale", storeval_json_str(k->locale ? k->locale
                                                                            : "")) != 0;
        bad |= json_object_set_new(o, "section", storeval_json_str(k->section ? k->section
                                                                              : "")) != 0;
    }
    if (bad) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static json_t *articles_json(struct arep *r)
{
    json_t *arr = json_array(), *o;
    size_t i;
    int bad = !arr;

    if (r->map.n > 1)
        qsort(r->e, r->map.n, sizeof *r->e, aent_cmp);
    for (i = 0; !bad && i < r->map.n; i++) {
        struct aent *a = &r->e[i];

        o = json_object();
        bad |= json_array_append_new(arr, o) != 0;
        if (bad)
            break;
        bad |= json_object_set_new(o, "article", storeval_json_str(a->article)) != 0;
        bad |= json_object_set_new(o, "section", storeval_json_str(a->section)) != 0;
        bad |= json_object_set_new(o, "views", json_integer(a->views)) != 0;
        bad |= json_object_set_new(o, "clicks", json_integer(a->clicks)) != 0;
        bad |= json_object_set_new(o, "helpful_yes", json_integer(a->yes)) != 0;
        bad |= json_object_set_new(o, "helpful_no", json_integer(a->no)) != 0;
        bad |= json_object_set_new(o, "confirmed", json_integer(a->confirmed)) != 0;
        bad |= json_object_set_new(o, "potential", json_integer(a->potential)) != 0;
        bad |= json_object_set_new(o, "comments_total", json_integer(a->comments)) != 0;
        bad |= json_object_set_new(o, "comments", comments_json(a)) != 0;
    }
    o = bad ? NULL : json_pack("{s:o}", "articles", arr);
    if (bad)
        json_decref(arr);
    return o;
}

store_status reports_articles(struct eventlog *el, double from_ts, double to_ts,
                              double window, double now, json_t **out)
{
    struct arep r;
    store_status rc;
    size_t i, k;

    *out = NULL;
    if ((rc = rp_check_args(el, from_ts, to_ts, window, now)))
        return rc;
    memset(&r, 0, sizeof r);
    r.el = el;
    rc = rp_scan(el, from_ts, to_ts, storeval_ms(window),
                 storeval_bound_ms(now), articles_visit, &r);
    if (!rc && !(*out = articles_json(&r)))
        rc = oom(el);
    for (i = 0; i < r.map.n; i++) {
        for (k = 0; k < r.e[i].nkept; k++)
            kept_release(&r.e[i].kept[k]);
        free(r.e[i].kept);
    }
    free(r.e);
    free(r.key);
    rp_map_free(&r.map);
    return rc;
}
