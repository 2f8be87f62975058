/* query_check.c -- search each article's questions against the index
 * the run wrote (query_check.h). */
#include "query_check.h"

#include "strbuf.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* How far down the results a question is looked for; the rank of an
 * article found deeper is "none". */
#define CHECK_DEPTH 100
/* How many of the articles above a missed one are named. */
#define NAMED_ABOVE 5

/* Every record that lists questions, collected before searching so no
 * search runs inside the index walk. */
static int collect(void *ctx, const char *json, size_t len)
{
    json_t *list = ctx;
    json_t *rec = json_loadb(json, len, 0, NULL);
    if (rec && json_array_size(json_object_get(rec, "queries")) > 0) {
        json_object_del(rec, "markdown");
        json_object_del(rec, "sections");
        json_object_del(rec, "links");
        json_array_append(list, rec);
    }
    json_decref(rec);
    return 0;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static int by_path(const void *x, const void *y)
{
    json_t *const *a = x, *const *b = y;
    return strcmp(str(*a, "path"), str(*b, "path"));
}

/* Checks one question; returns 1 missed, 0 found, -1 index error. */
static int check_one(kb_index *ix, const char *default_locale, json_t *rec,
                     json_t *q, query_check_fn miss, void *ctx)
{
    const char *id = str(rec, "id"), *locale = str(rec, "locale");
    const char *text = str(q, "text");
    unsigned top = (unsigned)json_integer_value(json_object_get(rec, "queries_top"));
    if (top == 0)
        top = 3;
    kb_query kq = {
        .text = text, .locale = locale, .default_locale = default_locale,
        .limit = CHECK_DEPTH,
        .include_internal = strcmp(str(rec, "audience"), "internal") == 0,
        .no_snippets = 1,
    };
    kb_results *res = NULL;
    kb_status st = kb_search(ix, &kq, &res);
    if (st == KB_ERR_BAD_QUERY)
        return 1;
    if (st != KB_OK)
        return -1;
    size_t n = kb_results_count(res), rank = 0;
    for (size_t i = 0; i < n && !rank; i++) {
        const kb_hit *h = kb_results_get(res, i);
        if (strcmp(h->id, id) == 0 && strcmp(h->locale, locale) == 0)
            rank = i + 1;
    }
    if (rank && rank <= top) {
        kb_results_free(res);
        return 0;
    }
    struct strbuf msg = STRBUF_INIT;
    strbuf_addch(&msg, '"');
    strbuf_adds(&msg, text);
    if (rank)
        strbuf_addf(&msg, "\" ranks %zu (must be in the top %u)", rank, top);
    else
        strbuf_addf(&msg, "\" ranks none (must be in the top %u)", top);
    size_t above = rank ? rank - 1 : n;
    if (above == 0) {
        strbuf_adds(&msg, "; no article answers it");
    } else {
        strbuf_adds(&msg, rank ? "; ranked above it: " : "; found instead: ");
        for (size_t i = 0; i < above && i < NAMED_ABOVE; i++) {
            const kb_hit *h = kb_results_get(res, i);
            strbuf_addf(&msg, "%s%s", i ? ", " : "", h->id);
        }
        if (above > NAMED_ABOVE)
            strbuf_addf(&msg, " and %zu more", above - NAMED_ABOVE);
    }
    kb_results_free(res);
    miss(ctx, str(rec, "path"), (unsigned)json_integer_value(json_object_get(q, "line")),
         msg.buf ? msg.buf : "out of memory");
    strbuf_release(&msg);
    return 1;
}

int query_check_run(kb_index *ix, const char *default_locale, query_check_fn miss,
                    void *ctx, struct query_check_counts *out)
{
    out->checked = out->missed = 0;
    json_t *list = json_array();
    if (!list || kb_foreach_record(ix, 1, collect, list) != KB_OK) {
        json_decref(list);
        return -1;
    }
    size_t n = json_array_size(list);
    json_t **recs = calloc(n ? n : 1, sizeof *recs);
    if (!recs) {
        json_decref(list);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        recs[i] = json_array_get(list, i);
    qsort(recs, n, sizeof *recs, by_path);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t j;
        json_t *q;
        json_array_foreach(json_object_get(recs[i], "queries"), j, q)
        {
            int r = check_one(ix, default_locale, recs[i], q, miss, ctx);
            if (r < 0) {
                rc = -1;
                break;
            }
            out->checked++;
            out->missed += (unsigned long)r;
        }
    }
    free(recs);
    json_decref(list);
    return rc;
}
