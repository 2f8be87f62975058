/* reports_private.h -- the per-visit engine shared by reports*.c.
 *
 * rp_scan() walks eventlog_scan(), buffers one visit at a time (its
 * events plus a private copy of their strings), works out the visit's
 * flags and deflection outcome (rules in reports.h), and hands the
 * finished visit to a report's callback.  Reports aggregate from there;
 * none of them needs the whole event set in memory. */
#ifndef KB_REPORTS_PRIVATE_H
#define KB_REPORTS_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "eventlog_private.h"
#include "reports.h"
#include "storeval.h"

#define RP_NOSTR ((size_t)-1) /* an absent string offset */
#define RP_MAX_WINDOW (366.0 * 86400) /* longest window, seconds */

enum rp_outcome {
    RP_NOT_COUNTED, /* did not search, open the form or file a case */
    RP_PENDING,     /* window still open, no case yet */
    RP_NO_SIGNAL,   /* window closed, nothing read, no case */
    RP_CONFIRMED,
    RP_POTENTIAL,
    RP_NONE
};

struct rp_event {
    enum eventlog_kind kind;
    long long ts_ms;
    int results;      /* search; -1 unknown */
    int helpful;      /* vote; -1 none */
    size_t narticles; /* suggest */
    int clicked;      /* search: a later click with its query credits it */
    int in_window;    /* before first event + window */
    size_t query;     /* offsets into rp_visit.text, or RP_NOSTR; query */
    size_t article;   /* is normalized, section is "" when absent, and */
    size_t section;   /* subject is the case subject (case events) */
    size_t subject;
    size_t locale;    /* as logged, or RP_NOSTR */
    size_t reason;    /* vote: as logged, or RP_NOSTR */
    size_t comment;   /* vote: the reader's words, or RP_NOSTR */
};

struct rp_visit {
    long long seq;      /* 1, 2, ... in scan order: a cheap "seen" mark */
    long long first_ms; /* first event */
    struct rp_event *ev;
    size_t n, cap;
    char *text; /* NUL-terminated strings, addressed by offset */
    size_t tlen, tcap;
    /* Filled in before the callback runs. */
    enum rp_outcome outcome;
    long long searches; /* search events, whole visit */
    int searched;       /* a search anywhere in the visit */
    int read;           /* a view or click anywhere */
    int case_form;      /* a case_form event anywhere */
    int has_case;       /* a case event anywhere */
};

/* The string at off, or NULL for RP_NOSTR.  Valid during the callback. */
const char *rp_str(const struct rp_visit *v, size_t off);

/* Called once per finished visit; return STORE_OK to go on, or set the
 * event log's message (eventlog_fail) and return the failure, which
 * rp_scan() then returns. */
typedef store_status (*rp_visit_fn)(void *ctx, const struct rp_visit *v);

store_status rp_scan(struct eventlog *el, double from_ts, double to_ts,
                     long long window_ms, long long now_ms, rp_visit_fn fn,
                     void *ctx);

/* Checks a report's range (finite, from < to), window (0 < window <=
 * RP_MAX_WINDOW seconds) and now: STORE_OK, or STORE_ERR_INVALID with
 * the message set.  Reports without a window pass
 * REPORTS_DEFAULT_WINDOW. */
store_status rp_check_args(struct eventlog *el, double from_ts, double to_ts,
                           double window, double now);

/* A string -> index map (open addressing).  Keys are copied and may
 * hold NUL bytes; a key copy stays put until rp_map_free(). */
struct rp_map {
    struct rp_slot *slots;
    size_t cap, n;
};

/* Looks key up; when absent adds it with index m->n (before the call),
 * so the caller appends its entry at that index.  *idx gets the index,
 * *created (may be NULL) whether it was added, *stored (may be NULL) the
 * map's copy of the key.  Returns 0 or -1 on OOM. */
int rp_map_get(struct rp_map *m, const char *key, size_t len, size_t *idx,
               int *created, const char **stored);
void rp_map_free(struct rp_map *m);

/* Makes room for need elements of size elsize in *arr (capacity *cap).
 * Returns 0 or -1 on OOM (the array is untouched). */
int rp_reserve(void *arr, size_t *cap, size_t need, size_t elsize);

/* x rounded to 4 decimals (x >= 0). */
double rp_round4(double x);

#endif
