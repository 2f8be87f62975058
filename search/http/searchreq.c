/* searchreq.c -- checks shared by /api/search, /api/suggest and /search. */
#include "searchreq.h"

#include "auth.h"
#include "escape.h"
#include "metrics.h"
#include "stopwords.h"
#include "synonyms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int searchreq_locale_ok(const char *s)
{
    size_t a = 0, b = 0;
    while (((s[a] | 0x20) >= 'a' && (s[a] | 0x20) <= 'z'))
        a++;
    if (a < 2 || a > 3)
        return 0;
    if (s[a] == '\0')
        return 1;
    if (s[a] != '-' && s[a] != '_')
        return 0;
    const char *t = s + a + 1;
    while (((t[b] | 0x20) >= 'a' && (t[b] | 0x20) <= 'z') || (t[b] >= '0' && t[b] <= '9'))
        b++;
    return t[b] == '\0' && b >= 2 && b <= 8;
}

static unsigned parse_uint(struct request *rq, const char *name, unsigned dflt,
                           unsigned max, unsigned *out)
{
    int bad;
    const char *v = req_arg(rq, name, &bad);
    *out = dflt;
    if (bad)
        goto invalid;
    if (!v || !*v)
        return 0;
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (*end || v[0] == '-' || v[0] == '+' || n > 1000000)
        goto invalid;
    *out = n > max ? max : (unsigned)n;
    return 0;
invalid:;
    char msg[128];
    snprintf(msg, sizeof msg, "'%s' must be a whole number from 0 to %u", name, max);
    return reply_error(rq, 400, strcmp(name, "limit") == 0 ? "invalid_limit" : "invalid_offset",
                       msg);
}

static unsigned text_arg(struct request *rq, const char *name, size_t max,
                         const char **out)
{
    int bad;
    *out = req_arg(rq, name, &bad);
    if (bad) {
        char msg[128];
        snprintf(msg, sizeof msg, "'%s' must be UTF-8 text without control characters",
                 name);
        return reply_error(rq, 400, "invalid_parameter", msg);
    }
    if (*out && strlen(*out) > max) {
        char msg[128];
        snprintf(msg, sizeof msg, "'%s' is longer than %zu bytes", name, max);
        return reply_error(rq, 400, strcmp(name, "q") == 0 ? "query_too_long"
                                                           : "invalid_parameter",
                           msg);
    }
    return 0;
}

static size_t count_terms(const char *s)
{
    size_t n = 0;
    int in = 0;
    for (; *s; s++) {
        int space = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';
        if (!space && !in)
            n++;
        in = !space;
    }
    return n;
}

/* Characters (code points) of UTF-8 text. */
static size_t count_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int over_limits(const char *q)
{
    return q && (strlen(q) > SEARCHREQ_MAX_QUERY_BYTES || count_chars(q) > SEARCHREQ_MAX_QUERY ||
                 count_terms(q) > SEARCHREQ_MAX_TERMS);
}

/* max_chars: SEARCHREQ_MAX_QUERY (then at most SEARCHREQ_MAX_TERMS
 * words too) or SEARCHREQ_MAX_PASTE. */
static unsigned parse(struct request *rq, struct searchreq *sr, int require_q, size_t max_chars)
{
    unsigned st;
    memset(sr, 0, sizeof *sr);
    if ((st = text_arg(rq, "q", 4 * max_chars, &sr->q)))
        return st;
    if (require_q && (!sr->q || count_terms(sr->q) == 0))
        return reply_error(rq, 400, "missing_query", "parameter 'q' is required");
    if (sr->q && count_chars(sr->q) > max_chars) {
        char msg[64];
        snprintf(msg, sizeof msg, "'q' is longer than %zu characters", max_chars);
        return reply_error(rq, 400, "query_too_long", msg);
    }
    if (sr->q && max_chars == SEARCHREQ_MAX_QUERY && count_terms(sr->q) > SEARCHREQ_MAX_TERMS)
        return reply_error(rq, 400, "too_many_terms",
                           "the query has more than 64 words; shorten it");
    if ((st = text_arg(rq, "locale", 32, &sr->locale)))
        return st;
    if (sr->locale && !*sr->locale)
        sr->locale = NULL;
    if (sr->locale && !searchreq_locale_ok(sr->locale))
        return reply_error(rq, 400, "invalid_locale",
                           "'locale' must look like en-us, ru-ru or zh-cn");
    if ((st = text_arg(rq, "topic", 64, &sr->topic)))
        return st;
    if ((st = text_arg(rq, "product", 64, &sr->product)))
        return st;
    if ((st = text_arg(rq, "tag", 64, &sr->tag)))
        return st;
    if ((st = parse_uint(rq, "limit", 10, 100, &sr->limit)))
        return st;
    if (sr->limit == 0)
        sr->limit = 10;
    if ((st = parse_uint(rq, "offset", 0, SEARCHREQ_MAX_OFFSET, &sr->offset)))
        return st;
    const char *exact = NULL;
    if ((st = text_arg(rq, "exact", 8, &exact)))
        return st;
    sr->exact = exact && strcmp(exact, "1") == 0;
    return 0;
}

unsigned searchreq_parse(struct request *rq, struct searchreq *sr, int require_q)
{
    return parse(rq, sr, require_q, SEARCHREQ_MAX_QUERY);
}

unsigned searchreq_parse_page(struct request *rq, struct searchreq *sr, struct strbuf *short_q,
                              const char **typed)
{
    *typed = NULL;
    unsigned st = parse(rq, sr, 0, SEARCHREQ_MAX_PASTE);
    if (st || !over_limits(sr->q))
        return st;
    char lang[8];
    const char *loc = sr->locale ? sr->locale : rq->app->cfg.default_locale;
    snprintf(lang, sizeof lang, "%.*s", (int)strcspn(loc, "-_"), loc);
    for (char *p = lang; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    searchreq_shorten(sr->q, lang, short_q);
    if (strbuf_failed(short_q))
        return reply_error(rq, 503, "no_memory", "out of memory");
    *typed = sr->q;
    sr->q = short_q->buf ? short_q->buf : "";
    return 0;
}

struct word {
    const char *s;
    size_t len, chars, at;
};

static int is_edge_punct(const char *s, size_t *len)
{
    static const char *const marks[] = {".", ",", ";", ":", "!", "?", "\"", "'", "(", ")",
                                        "[", "]", "\xE2\x80\x9C", "\xE2\x80\x9D",
                                        "\xC2\xAB", "\xC2\xBB", "\xE2\x80\x9E",
                                        "\xEF\xBC\x9F", "\xEF\xBC\x8C", "\xE3\x80\x82"};
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++) {
        size_t n = strlen(marks[i]);
        if (strncmp(s, marks[i], n) == 0) {
            *len = n;
            return 1;
        }
    }
    return 0;
}

static int stop_word(const char *const *sw, const char *w, size_t len)
{
    char low[64];
    if (!sw || len >= sizeof low)
        return 0;
    for (size_t i = 0; i < len; i++)
        low[i] = w[i] >= 'A' && w[i] <= 'Z' ? (char)(w[i] - 'A' + 'a') : w[i];
    low[len] = '\0';
    for (; *sw; sw++)
        if (strcmp(*sw, low) == 0)
            return 1;
    return 0;
}

static int by_telling(const void *a, const void *b)
{
    const struct word *x = a, *y = b;
    if (x->chars != y->chars)
        return x->chars > y->chars ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

static int by_position(const void *a, const void *b)
{
    const struct word *x = a, *y = b;
    return x->at < y->at ? -1 : x->at > y->at;
}

void searchreq_shorten(const char *q, const char *lang, struct strbuf *out)
{
    const char *const *sw = stopwords_for(lang);
    struct word *w = NULL;
    size_t n = 0, cap = 0;
    for (const char *p = q; *p;) {
        size_t skip;
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        const char *end = p;
        while (start < end && is_edge_punct(start, &skip))
            start += skip;
        for (int again = 1; again && start < end;) {
            again = 0;
            for (size_t k = 1; k <= 3 && k <= (size_t)(end - start); k++)
                if (is_edge_punct(end - k, &skip) && skip == k) {
                    end -= k;
                    again = 1;
                    break;
                }
        }
        size_t len = (size_t)(end - start);
        if (!len || stop_word(sw, start, len))
            continue;
        int seen = 0;
        for (size_t i = 0; i < n && !seen; i++)
            seen = w[i].len == len && strncmp(w[i].s, start, len) == 0;
        if (seen)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            struct word *grown = realloc(w, cap * sizeof *w);
            if (!grown) {
                free(w);
                strbuf_adds(out, "");
                return;
            }
            w = grown;
        }
        size_t chars = 0;
        for (size_t i = 0; i < len; i++)
            chars += ((unsigned char)start[i] & 0xC0) != 0x80;
        w[n] = (struct word){start, len, chars, n};
        n++;
    }
    if (n > SEARCHREQ_SHORT_TERMS)
        qsort(w, n, sizeof *w, by_telling);
    size_t keep = 0, chars = 0;
    for (; keep < n && keep < SEARCHREQ_SHORT_TERMS; keep++) {
        if (chars + w[keep].chars + 1 > SEARCHREQ_MAX_QUERY)
            break;
        chars += w[keep].chars + 1;
    }
    qsort(w, keep, sizeof *w, by_position);
    for (size_t i = 0; i < keep; i++) {
        if (i)
            strbuf_addch(out, ' ');
        strbuf_add(out, w[i].s, w[i].len);
    }
    if (!keep)
        strbuf_adds(out, "");
    free(w);
}

unsigned searchreq_run(struct request *rq, const struct searchreq *sr, int prefix_last,
                       kb_results **out)
{
    char err[256];
    *out = NULL;
    kb_index *ix = handle_pool_get(rq->app->pool, err, sizeof err);
    if (!ix) {
        fprintf(stderr, "kb-serve: cannot open index: %s\n", err);
        return reply_error(rq, 503, "index_unavailable",
                           "the index cannot be opened; try again shortly");
    }
    kb_query q = {
        .text = sr->q ? sr->q : "",
        .locale = sr->locale,
        .default_locale = rq->app->cfg.default_locale,
        .topic = sr->topic,
        .product = sr->product,
        .offset = sr->offset,
        .limit = sr->limit,
        .include_internal = req_sees_internal(rq),
        .prefix_last = prefix_last,
        .tag = sr->tag,
        .synonyms = synonyms_watch_get(rq->app->synonyms),
        .facets = sr->facets,
        .cache = rq->app->results,
        .exact = sr->exact,
    };
    kb_status st = kb_search(ix, &q, out);
    kb_synonyms_free((kb_synonyms *)q.synonyms);
    if (st == KB_ERR_BAD_QUERY)
        return reply_error(rq, 400, "bad_query", kb_last_error(ix));
    if (st == KB_ERR_UNAVAILABLE) {
        /* A shard with no replica answering: no partial results, as
         * totals, facets and order would silently be wrong. */
        fprintf(stderr, "kb-serve: search failed: %s\n", kb_last_error(ix));
        return reply_error(rq, 503, "shard_unavailable",
                           "a part of the index did not answer; try again shortly");
    }
    if (st != KB_OK) {
        fprintf(stderr, "kb-serve: search failed: %s: %s\n", kb_status_str(st),
                kb_last_error(ix));
        return reply_error(rq, 500, "search_failed", "the search failed; see the server log");
    }
    metrics_search(rq->app->metrics, prefix_last, kb_search_was_cached(ix),
                   kb_results_total(*out) == 0);
    return 0;
}

void searchreq_article_url(struct strbuf *sb, const char *id, const char *locale,
                           const char *anchor)
{
    strbuf_adds(sb, "/articles/");
    escape_url(sb, id, 1);
    strbuf_adds(sb, "?locale=");
    escape_url(sb, locale, 0);
    if (anchor && *anchor) {
        strbuf_addch(sb, '#');
        escape_url(sb, anchor, 0);
    }
}

void searchreq_snippet_html(struct strbuf *sb, const kb_hit *h)
{
    const kb_snippet *sn = &h->snippet;
    size_t len = strlen(sn->text), from = 0;
    /* One call per span, over the text from where the last one ended to
     * where the next span begins: kb_span and escape_span are the same
     * pair, but util does not know kb.h, and this copies no array. */
    for (size_t i = 0; i < sn->nspans; i++) {
        size_t to = i + 1 < sn->nspans ? sn->spans[i + 1].off : len;
        if (to > len)
            to = len;
        if (to < from)
            to = from;
        struct escape_span one = {sn->spans[i].off, sn->spans[i].len};
        if (one.off < from) { /* out of order: only what is left of it */
            one.len = one.len > from - one.off ? one.len - (from - one.off) : 0;
            one.off = from;
        }
        one.off -= from;
        escape_html_marked(sb, sn->text + from, to - from, &one, 1, "<mark>", "</mark>");
        from = to;
    }
    escape_html_marked(sb, sn->text + from, len - from, NULL, 0, "<mark>", "</mark>");
}

/* Article ids are paths ("billing/late-fees"); anything that could
 * climb out of a folder or smuggle control characters is refused. */
int article_id_ok(const char *id)
{
    size_t len = strlen(id);
    if (len == 0 || len > 512 || !utf8_valid_text(id, len))
        return 0;
    if (id[0] == '/' || strstr(id, "//") || strchr(id, '\\'))
        return 0;
    const char *p = id;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)p[i] < 0x20)
                return 0;
        p += n;
        if (*p == '/')
            p++;
    }
    return 1;
}

/* Fetches the article record for /api/articles/ and /articles/; on
 * failure returns the HTTP status after reply_error. */
unsigned article_load(struct request *rq, const char *id, json_t **rec,
                      json_t **locales)
{
    int bad;
    *rec = NULL;
    *locales = NULL;
    if (!article_id_ok(id))
        return reply_error(rq, 400, "invalid_id", "the article id is not valid");
    const char *locale = req_arg(rq, "locale", &bad);
    if (bad || (locale && *locale && !searchreq_locale_ok(locale)))
        return reply_error(rq, 400, "invalid_locale",
                           "'locale' must look like en-us, ru-ru or zh-cn");
    char err[256];
    kb_index *ix = handle_pool_get(rq->app->pool, err, sizeof err);
    if (!ix)
        return reply_error(rq, 503, "index_unavailable", "the index cannot be opened");
    char *json = NULL;
    int internal = req_sees_internal(rq);
    kb_status st = kb_article_get(ix, id, locale, rq->app->cfg.default_locale, internal,
                                  &json);
    if (st == KB_ERR_NOT_FOUND)
        return reply_error(rq, 404, "not_found", "no article with this id");
    if (st == KB_ERR_UNAVAILABLE) {
        fprintf(stderr, "kb-serve: article %s: %s\n", id, kb_last_error(ix));
        return reply_error(rq, 503, "shard_unavailable",
                           "a part of the index did not answer; try again shortly");
    }
    if (st != KB_OK) {
        fprintf(stderr, "kb-serve: article %s: %s\n", id, kb_last_error(ix));
        return reply_error(rq, 500, "index_error", "the article could not be read");
    }
    *rec = json_loads(json, 0, NULL);
    free(json);
    if (!*rec)
        return reply_error(rq, 500, "index_error", "the article record is damaged");
    char *locs[32];
    size_t n = 0;
    *locales = json_array();
    if (kb_article_locales(ix, id, internal, locs, 32, &n) == KB_OK) {
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(*locales, json_string(locs[i]));
            free(locs[i]);
        }
    }
    return 0;
}
