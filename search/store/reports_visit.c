/* reports_visit.c -- the per-visit engine (see reports_private.h), query
 * normalization, dates, and the small containers the reports share. */
#include "reports_private.h"

#include "utf8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_MS 86400000LL

store_status reports_parse_date(const char *s, double *ts)
{
    struct tm tm = {0}, back;
    int i, y, m, d;
    time_t t;

    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return STORE_ERR_INVALID;
    for (i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return STORE_ERR_INVALID;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
        (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
        return STORE_ERR_INVALID;
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    t = timegm(&tm);
    /* timegm() normalises 02-30 to 03-02; a date that does not come
     * back unchanged did not exist. */
    if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d ||
        back.tm_mon != m - 1)
        return STORE_ERR_INVALID;
    *ts = (double)t;
    return STORE_OK;
}

void reports_format_date(double ts, char *buf, size_t len)
{
    time_t t = (time_t)(storeval_bound_ms(ts) / DAY_MS * 86400);
    struct tm tm;

    if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d", &tm))
        snprintf(buf, len, "1970-01-01");
}

double rp_round4(double x)
{
    return (double)(long long)(x * 10000.0 + 0.5) / 10000.0;
}

store_status rp_check_args(struct eventlog *el, double from_ts, double to_ts,
                           double window, double now)
{
    if (!isfinite(from_ts) || !isfinite(to_ts) || !isfinite(now))
        return eventlog_fail(el, STORE_ERR_INVALID, "report: times must be finite");
    if (from_ts >= to_ts)
        return eventlog_fail(el, STORE_ERR_INVALID, "report: from must be before to");
    if (!(window > 0 && window <= RP_MAX_WINDOW))
        return eventlog_fail(el, STORE_ERR_INVALID, "report: window must be above 0 and "
                             "at most %.0f seconds", RP_MAX_WINDOW);
    return STORE_OK;
}

int rp_reserve(void *arr, size_t *cap, size_t need, size_t elsize)
{
    void **p = arr;
    size_t ncap = *cap ? *cap : 16;
    void *n;

    if (need <= *cap)
        return 0;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return -1;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elsize)
        return -1;
    n = realloc(*p, ncap * elsize);
    if (!n)
        return -1;
    *p = n;
    *cap = ncap;
    return 0;
}

struct rp_slot {
    char *key; /* NULL: empty slot */
    size_t len;
    size_t idx;
    uint64_t hash;
};

static uint64_t hash_bytes(const char *k, size_t n)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int map_grow(struct rp_map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64, i, j;
    struct rp_slot *ns;

    if (ncap > SIZE_MAX / sizeof *ns)
        return -1;
    ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        j = (size_t)m->slots[i].hash & (ncap - 1);
        while (ns[j].key)
            j = (j + 1) & (ncap - 1);
        ns[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return 0;
}

int rp_map_get(struct rp_map *m, const char *key, size_t len, size_t *idx,
               int *created, const char **stored)
{
    uint64_t h = hash_bytes(key, len);
    struct rp_slot *s;
    size_t i;

    /* Half full at most, so probes stay short. */
    if ((m->n + 1) * 2 > m->cap && map_grow(m))
        return -1;
    for (i = (size_t)h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        s = &m->slots[i];
        if (!s->key)
            break;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) {
            *idx = s->idx;
            if (created)
                *created = 0;
            if (stored)
                *stored = s->key;
            return 0;
        }
    }
    s->key = malloc(len + 1);
    if (!s->key)
        return -1;
    memcpy(s->key, key, len);
    s->key[len] = '\0';
    s->len = len;
    s->hash = h;
    s->idx = m->n++;
    *idx = s->idx;
    if (created)
        *created = 1;
    if (stored)
        *stored = s->key;
    return 0;
}

void rp_map_free(struct rp_map *m)
{
    size_t i;

    for (i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}


/* Simple one-to-one lower-casing for the scripts our content uses; a
 * full Unicode fold would need tables we do not otherwise carry.  In
 * Latin Extended-A and most of Cyrillic's extension blocks the capital
 * and small letters alternate, capital first. */
static uint32_t fold(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 32;
    if (c == 0x130)
        return 'i';
    if (c == 0x178)
        return 0xFF;
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177) ||
        (c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) ||
        (c >= 0x4D0 && c <= 0x52F))
        return c | 1;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E) ||
        (c >= 0x4C1 && c <= 0x4CE))
        return (c & 1) ? c + 1 : c;
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
        return c + 32;
    if (c == 0x386)
        return 0x3AC;
    if (c >= 0x388 && c <= 0x38A)
        return c + 37;
    if (c == 0x38C)
        return 0x3CC;
    if (c == 0x38E || c == 0x38F)
        return c + 63;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    if (c >= 0x410 && c <= 0x42F)
        return c + 32;
    if (c == 0x4C0)
        return 0x4CF;
    return c;
}

static int is_space(uint32_t c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
           c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* Writes the normalized form of in[0..n) to out (room for 3n bytes: a
 * code point never grows except a bad byte, 1 -> 3); returns its length,
 * without a NUL. */
static size_t normalize_into(const char *in, size_t n, char *out)
{
    size_t i = 0, o = 0;
    int pending_space = 0;
    uint32_t c;

    while (i < n) {
        size_t len = utf8_decode(in + i, n - i, &c);
        if (!len) { /* an ill-formed byte stands for U+FFFD on its own */
            c = UTF8_REPLACEMENT;
            len = 1;
        }
        i += len;
        if (is_space(c)) {
            pending_space = o > 0;
            continue;
        }
        if (pending_space)
            out[o++] = ' ';
        pending_space = 0;
        o += utf8_encode(fold(c), out + o);
    }
    return o;
}

char *reports_normalize_query(const char *q)
{
    size_t n;
    char *out;

    if (!q)
        return NULL;
    n = strlen(q);
    if (n > (SIZE_MAX - 1) / 3)
        return NULL;
    out = malloc(3 * n + 1);
    if (!out)
        return NULL;
    out[normalize_into(q, n, out)] = '\0';
    return out;
}

const char *rp_str(const struct rp_visit *v, size_t off)
{
    return off == RP_NOSTR ? NULL : v->text + off;
}

struct qref {
    const char *q;
    size_t i;
};

struct scan_state {
    struct eventlog *el;
    struct rp_visit v;
    char *key; /* the current visit's id */
    size_t keycap;
    struct qref *refs;
    size_t refcap;
    long long window_ms, now_ms;
    rp_visit_fn fn;
    void *ctx;
};

static int add_str(struct rp_visit *v, const char *s, int norm, size_t *off)
{
    size_t n, need, w;

    *off = RP_NOSTR;
    if (!s)
        return 0;
    n = strlen(s);
    if (n > (SIZE_MAX - 1) / 3 - v->tlen)
        return -1;
    need = v->tlen + (norm ? 3 * n : n) + 1;
    if (rp_reserve(&v->text, &v->tcap, need, 1))
        return -1;
    if (norm) {
        w = normalize_into(s, n, v->text + v->tlen);
    } else {
        memcpy(v->text + v->tlen, s, n);
        w = n;
    }
    v->text[v->tlen + w] = '\0';
    *off = v->tlen;
    v->tlen += w + 1;
    return 0;
}

static int qref_cmp(const void *a, const void *b)
{
    const struct qref *x = a, *y = b;
    int c = strcmp(x->q, y->q);

    if (c)
        return c;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Marks each search that a later click with the same normalized query
 * credits: per query, a click goes to the latest search before it.
 * Sorting by (query, position) makes that linear per query. */
static int mark_clicks(struct scan_state *s)
{
    struct rp_visit *v = &s->v;
    size_t i, n = 0, last = RP_NOSTR;

    for (i = 0; i < v->n; i++) {
        struct rp_event *e = &v->ev[i];

        if ((e->kind != EVENTLOG_KIND_SEARCH &&
             e->kind != EVENTLOG_KIND_CLICK) || e->query == RP_NOSTR)
            continue;
        if (rp_reserve(&s->refs, &s->refcap, n + 1, sizeof *s->refs))
            return -1;
        s->refs[n].q = rp_str(v, e->query);
        s->refs[n++].i = i;
    }
    if (n > 1)
        qsort(s->refs, n, sizeof *s->refs, qref_cmp);
    for (i = 0; i < n; i++) {
        struct rp_event *e = &v->ev[s->refs[i].i];

        if (i == 0 || strcmp(s->refs[i].q, s->refs[i - 1].q) != 0)
            last = RP_NOSTR;
        if (e->kind == EVENTLOG_KIND_SEARCH)
            last = s->refs[i].i;
        else if (last != RP_NOSTR)
            v->ev[last].clicked = 1;
    }
    return 0;
}

static void decide(struct scan_state *s)
{
    struct rp_visit *v = &s->v;
    long long end = v->first_ms + s->window_ms;
    int counted = 0, case_in = 0, confirmed = 0, shown = 0;
    size_t i;

    for (i = 0; i < v->n; i++) {
        struct rp_event *e = &v->ev[i];
        enum eventlog_kind k = e->kind;

        v->searches += k == EVENTLOG_KIND_SEARCH;
        v->searched |= k == EVENTLOG_KIND_SEARCH;
        v->read |= k == EVENTLOG_KIND_VIEW || k == EVENTLOG_KIND_CLICK;
        v->case_form |= k == EVENTLOG_KIND_CASE_FORM;
        v->has_case |= k == EVENTLOG_KIND_CASE;
        e->in_window = e->ts_ms < end;
        if (!e->in_window)
            continue;
        counted |= k == EVENTLOG_KIND_SEARCH ||
                   k == EVENTLOG_KIND_CASE_FORM || k == EVENTLOG_KIND_CASE;
        case_in |= k == EVENTLOG_KIND_CASE;
        confirmed |= k == EVENTLOG_KIND_DEFLECT ||
                     (k == EVENTLOG_KIND_VOTE && e->helpful == 1);
        shown |= k == EVENTLOG_KIND_VIEW || k == EVENTLOG_KIND_CLICK ||
                 (k == EVENTLOG_KIND_SUGGEST && e->narticles > 0) ||
                 (k == EVENTLOG_KIND_SEARCH && e->results > 0);
    }
    if (!counted)
        v->outcome = RP_NOT_COUNTED;
    else if (case_in)
        v->outcome = RP_NONE;
    else if (end > s->now_ms)
        v->outcome = RP_PENDING;
    else if (confirmed)
        v->outcome = RP_CONFIRMED;
    else if (shown)
        v->outcome = RP_POTENTIAL;
    else
        v->outcome = RP_NO_SIGNAL;
}

static store_status oom(struct scan_state *s)
{
    return eventlog_fail(s->el, STORE_ERR_NOMEM, "report: out of memory");
}

static store_status finish_visit(struct scan_state *s)
{
    if (mark_clicks(s))
        return oom(s);
    decide(s);
    return s->fn(s->ctx, &s->v);
}

static int start_visit(struct scan_state *s, const char *key, double first)
{
    struct rp_visit *v = &s->v;
    size_t n = strlen(key) + 1;

    if (rp_reserve(&s->key, &s->keycap, n, 1))
        return -1;
    memcpy(s->key, key, n);
    v->seq++;
    v->first_ms = storeval_ms(first);
    v->n = v->tlen = 0;
    v->outcome = RP_NOT_COUNTED;
    v->searches = 0;
    v->searched = v->read = v->case_form = v->has_case = 0;
    return 0;
}

static store_status on_event(void *ctx, const struct eventlog_event *ev, double first)
{
    struct scan_state *s = ctx;
    struct rp_visit *v = &s->v;
    struct rp_event *e;
    store_status r;

    if (!v->seq || strcmp(s->key, ev->visit) != 0) {
        if (v->seq && (r = finish_visit(s)))
            return r;
        if (start_visit(s, ev->visit, first))
            return oom(s);
    }
    if (rp_reserve(&v->ev, &v->cap, v->n + 1, sizeof *v->ev))
        return oom(s);
    e = &v->ev[v->n];
    memset(e, 0, sizeof *e);
    e->kind = ev->kind;
    e->ts_ms = storeval_ms(ev->ts);
    e->results = ev->results;
    e->helpful = ev->helpful;
    e->narticles = ev->narticles;
    if (add_str(v, ev->query, 1, &e->query) ||
        add_str(v, ev->article, 0, &e->article) ||
        add_str(v, ev->section ? ev->section : "", 0, &e->section) ||
        add_str(v, ev->subject, 0, &e->subject) ||
        add_str(v, ev->locale, 0, &e->locale) ||
        add_str(v, ev->kind == EVENTLOG_KIND_VOTE ? ev->reason : NULL, 0, &e->reason) ||
        add_str(v, ev->kind == EVENTLOG_KIND_VOTE && ev->comment && ev->comment[0]
                       ? ev->comment
                       : NULL,
                0, &e->comment))
        return oom(s);
    v->n++;
    return STORE_OK;
}

store_status rp_scan(struct eventlog *el, double from_ts, double to_ts,
                     long long window_ms, long long now_ms, rp_visit_fn fn, void *ctx)
{
    struct scan_state s;
    store_status r;

    memset(&s, 0, sizeof s);
    s.el = el;
    s.window_ms = window_ms;
    s.now_ms = now_ms;
    s.fn = fn;
    s.ctx = ctx;
    r = eventlog_scan(el, from_ts, to_ts, on_event, &s);
    if (!r && s.v.seq)
        r = finish_visit(&s);
    free(s.v.ev);
    free(s.v.text);
    free(s.key);
    free(s.refs);
    return r;
}
