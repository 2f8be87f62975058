/* eventlog_types.h -- the records of the event log: events, cases and
 * the scan callback.  Included by eventlog.h (read the conventions
 * there); a header of its own so that the modules behind eventlog.c can
 * use the types without including the handle's API. */
#ifndef KB_EVENTLOG_TYPES_H
#define KB_EVENTLOG_TYPES_H

#include <stddef.h>

#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EVENTLOG_CASE_ID_SIZE 13       /* "C-" + 10 base32 characters + NUL */
#define EVENTLOG_OUTBOX_LEASE 300      /* seconds a claimed row stays hidden */
#define EVENTLOG_OUTBOX_MAX_DELAY 3600 /* backoff cap, seconds */

enum eventlog_kind {
    EVENTLOG_KIND_SEARCH,    /* query, results, latency_us */
    EVENTLOG_KIND_CLICK,     /* query, article, section, rank */
    EVENTLOG_KIND_VIEW,      /* article, section (optional) */
    EVENTLOG_KIND_VOTE,      /* article, section, helpful, reason, comment */
    EVENTLOG_KIND_CASE_FORM, /* the case form was opened */
    EVENTLOG_KIND_SUGGEST,   /* query (the subject typed), articles shown */
    EVENTLOG_KIND_DEFLECT,   /* "this solved my problem": article, source */
    EVENTLOG_KIND_CASE,      /* a case was submitted: case_id (optional) */
    EVENTLOG_KIND_COUNT      /* not a kind */
};

/* One event.  Only the fields listed for its kind above are stored; the
 * others are ignored.  Unset optional strings are NULL (an empty section
 * means "no section").  Numeric fields use the sentinels below.  Every
 * pointer is the caller's: the store copies what it keeps. */
struct eventlog_event {
    enum eventlog_kind kind;
    double ts;               /* unix seconds, UTC */
    const char *visit;       /* required, non-empty */
    const char *locale;      /* e.g. "en-us"; optional */
    const char *query;       /* required for search, click and suggest */
    const char *article;     /* required for click, view and vote */
    const char *section;     /* anchor within the article; optional */
    int rank;                /* click: 1-based position; <= 0 unknown */
    int results;             /* search: result count; < 0 unknown */
    long long latency_us;    /* search: microseconds; < 0 unknown */
    int helpful;             /* vote: 1 yes, 0 no (required); -1 none */
    const char *reason;      /* vote: NULL, "not_related",
                                "did_not_answer" or "other" */
    const char *comment;     /* vote: free text; optional */
    const char *source;      /* deflect: "article" or "case_form" */
    const char *const *articles; /* suggest: article ids shown; search:
                                    the ids of the hits returned */
    size_t narticles;
    const char *case_id;     /* case: the case's id; optional */
    const char *subject;     /* read back only: the stored case's subject
                                when case_id names one; else NULL */
};

/* A case submitted through the case form.  Pointers are the caller's. */
struct eventlog_case {
    const char *subject;     /* required, non-empty */
    const char *description; /* optional (NULL is stored as "") */
    const char *email;       /* optional */
    const char *product;     /* optional */
    const char *locale;      /* optional */
    const char *visit;       /* the visit that filed it; NULL for none */
    double created;          /* unix seconds, UTC */
    const char *idem;        /* optional: the form's idempotency key; a
                                second case with a stored key is not
                                made (eventlog_case_create) */
};

/* Called by eventlog_scan() once per event.  ev and all its strings are
 * borrowed: valid only during the call.  visit_first is the time of the
 * visit's first event.  Return STORE_OK to go on; any other status
 * stops the scan, which returns it (set the handle's message first if
 * it is a failure, e.g. with eventlog_fail()). */
typedef store_status (*eventlog_scan_fn)(void *ctx, const struct eventlog_event *ev,
                                         double visit_first);

#ifdef __cplusplus
}
#endif

#endif
