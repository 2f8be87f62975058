/* replay.c -- the replay gate (replay.h): the confirmed pairs of the
 * last days, searched on the live index and on the run's. */
#include "replay.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eventlog.h"
#include "learn.h"
#include "reports.h"
#include "store.h"
#include "strbuf.h"

#define DAY 86400.0

struct cand {
    const struct learn_pair *pair; /* borrowed from the pair list */
    long long searches;            /* of the query in the period */
};

static int by_searches(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    int c;

    if (x->searches != y->searches)
        return x->searches > y->searches ? -1 : 1;
    if (x->pair->visits != y->pair->visits)
        return x->pair->visits > y->pair->visits ? -1 : 1;
    if ((c = strcmp(x->pair->query, y->pair->query)))
        return c;
    return strcmp(x->pair->locale, y->pair->locale);
}

/* One search as the service runs it for an anonymous reader: *rank is
 * the article's place (1-based, 0 when not among the hits), *hits the
 * number of hits.  Returns 0, or -1 on an index error. */
static int rank_of(kb_index *ix, const struct replay_options *o, const kb_synonyms *syn,
                   const struct learn_pair *p, size_t *rank, size_t *hits, char *err,
                   size_t errlen)
{
    kb_query q = {
        .text = p->query,
        .locale = *p->locale ? p->locale : o->default_locale,
        .default_locale = o->default_locale,
        .limit = REPLAY_DEPTH,
        .synonyms = syn,
        .no_snippets = 1, /* ranks only: the service's order, without the text */
    };
    kb_results *res = NULL;
    kb_status st;

    *rank = *hits = 0;
    if (!ix)
        return 0;
    st = kb_search(ix, &q, &res);
    if (st == KB_ERR_BAD_QUERY) /* the service answers 400: no hits */
        return 0;
    if (st != KB_OK) {
        snprintf(err, errlen, "cannot replay \"%s\": %s", p->query, kb_last_error(ix));
        return -1;
    }
    *hits = kb_results_count(res);
    for (size_t i = 0; i < *hits && !*rank; i++)
        if (strcmp(kb_results_get(res, i)->id, p->article) == 0)
            *rank = i + 1;
    kb_results_free(res);
    return 0;
}

static void put_rank(struct strbuf *sb, size_t rank)
{
    if (rank)
        strbuf_addf(sb, "%zu", rank);
    else
        strbuf_adds(sb, "none");
}

/* Judges one query; reports it when it changed sides. */
static void judge(const struct learn_pair *p, size_t live_rank, size_t live_hits,
                  size_t new_rank, size_t new_hits, replay_line_fn line, void *ctx,
                  struct replay_counts *out)
{
    int was_in = live_rank && live_rank <= REPLAY_TOP;
    int is_in = new_rank && new_rank <= REPLAY_TOP;
    int worse = (was_in && !is_in) || (live_hits && !new_hits);
    int better = !worse && ((!was_in && is_in) || (!live_hits && new_hits));
    struct strbuf sb = STRBUF_INIT;

    if (!worse && !better)
        return;
    out->worse += (unsigned long)worse;
    out->better += (unsigned long)better;
    strbuf_addch(&sb, '"');
    strbuf_adds(&sb, p->query);
    strbuf_adds(&sb, "\" \xe2\x80\x94 article ");
    strbuf_adds(&sb, p->article);
    strbuf_adds(&sb, " rank ");
    put_rank(&sb, live_rank);
    strbuf_adds(&sb, " \xe2\x86\x92 ");
    put_rank(&sb, new_rank);
    if (!new_hits)
        strbuf_adds(&sb, " (no results)");
    if (better)
        strbuf_adds(&sb, " (better)");
    line(ctx, worse, sb.buf ? sb.buf : "out of memory");
    strbuf_release(&sb);
}

/* The queries to replay: one per (locale, query), the article most
 * visits confirmed (the pairs come most visits first), most searched
 * first; at most o->top.  *cands is the caller's to free. */
static int choose(const struct replay_options *o, const struct learn_pair *p, size_t n,
                  json_t *counts, struct cand **cands, size_t *nc)
{
    json_t *seen = json_object();
    struct cand *c = calloc(n ? n : 1, sizeof *c);
    size_t k = 0;

    *cands = NULL;
    *nc = 0;
    if (!seen || !c) {
        json_decref(seen);
        free(c);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        struct strbuf key = STRBUF_INIT;
        strbuf_adds(&key, p[i].locale);
        strbuf_addch(&key, '\n');
        strbuf_adds(&key, p[i].query);
        if (!key.buf) {
            json_decref(seen);
            free(c);
            return -1;
        }
        if (!json_object_get(seen, key.buf)) {
            json_object_set_new(seen, key.buf, json_true());
            c[k].pair = &p[i];
            c[k].searches = json_integer_value(json_object_get(counts, p[i].query));
            k++;
        }
        strbuf_release(&key);
    }
    json_decref(seen);
    if (k > 1)
        qsort(c, k, sizeof *c, by_searches);
    if ((long)k > o->top)
        k = (size_t)o->top;
    *cands = c;
    *nc = k;
    return 0;
}

/* The logged queries of the period and their confirmed pairs. */
static int read_log(const struct replay_options *o, struct learn_pair **p, size_t *n,
                    json_t **counts, char *err, size_t errlen)
{
    struct eventlog *el = NULL;
    json_t *rep = NULL;
    double from = o->now - REPLAY_DAYS * DAY;
    int rc = -1;

    *p = NULL;
    *n = 0;
    *counts = NULL;
    if (from < 0)
        from = 0;
    /* Reading must not create an empty database somewhere by mistake. */
    if (!store_is_server(o->db) && access(o->db, R_OK) != 0) {
        snprintf(err, errlen, "--replay %s: no such database", o->db);
        return -1;
    }
    if (eventlog_open(o->db, &el)) {
        snprintf(err, errlen, "--replay: %s", eventlog_errmsg(el));
        goto out;
    }
    if (reports_queries(el, from, o->now + 1, o->window, o->now, 0, &rep) ||
        learn_pairs_since(el, from, o->window, o->now, 1, p, n)) {
        snprintf(err, errlen, "--replay %s: %s", o->db, eventlog_errmsg(el));
        goto out;
    }
    if (!(*counts = json_object())) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    size_t i;
    json_t *q;
    json_array_foreach(json_object_get(rep, "queries"), i, q)
    {
        const char *text = json_string_value(json_object_get(q, "query"));
        if (text)
            json_object_set(*counts, text, json_object_get(q, "count"));
    }
    rc = 0;
out:
    json_decref(rep);
    eventlog_close(el);
    return rc;
}

int replay_run(kb_index *writer, const struct replay_options *o, replay_line_fn line,
               void *ctx, struct replay_counts *out, char *err, size_t errlen)
{
    struct learn_pair *p = NULL;
    struct cand *c = NULL;
    json_t *counts = NULL;
    kb_index *live = NULL;
    kb_synonyms *syn = NULL;
    size_t n = 0, nc = 0;
    int rc = -1;
    char why[512];

    memset(out, 0, sizeof *out);
    if (o->synonyms && kb_synonyms_load(o->synonyms, &syn, why, sizeof why) != KB_OK) {
        snprintf(err, errlen, "--synonyms: %s", why);
        return -1;
    }
    if (read_log(o, &p, &n, &counts, err, errlen) != 0)
        goto out;
    if (choose(o, p, n, counts, &c, &nc) != 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (nc) {
        /* No live index yet (the first run): every query had nothing. */
        kb_status st = kb_open(o->index_dir, KB_OPEN_READ, &live);
        if (st == KB_ERR_NO_INDEX) {
            kb_close(live);
            live = NULL;
        } else if (st != KB_OK) {
            snprintf(err, errlen, "cannot open the live index: %s", kb_last_error(live));
            goto out;
        }
    }
    for (size_t i = 0; i < nc; i++) {
        size_t lr, lh, nr, nh;
        if (rank_of(live, o, syn, c[i].pair, &lr, &lh, err, errlen) != 0 ||
            rank_of(writer, o, syn, c[i].pair, &nr, &nh, err, errlen) != 0)
            goto out;
        out->queries++;
        judge(c[i].pair, lr, lh, nr, nh, line, ctx, out);
    }
    rc = 0;
out:
    kb_close(live);
    kb_synonyms_free(syn);
    free(c);
    json_decref(counts);
    learn_pairs_free(p, n);
    return rc;
}
