/* eventlog.h -- the durable event store behind deflection reporting.
 *
 * Records what a visit (one browser session id chosen by the caller)
 * does on the knowledge base -- searches, clicks, article views, votes,
 * the case form, subject suggestions, "this solved my problem" -- the
 * cases it submits together with the trail that led to them, and a
 * durable outbox for the case webhook.  One SQLite file in WAL mode;
 * reports.h reads it.  No HTTP in here.  The records are in
 * eventlog_types.h.
 *
 * Threads: a struct eventlog is used by one thread at a time.  Keep one
 * handle per worker thread, or guard a shared handle with a mutex.  Any
 * number of handles, in one or several processes, may use the same file
 * at once: writers queue behind each other for up to STORE_BUSY_MS
 * (then STORE_BUSY).
 *
 * Status: every function that can fail returns a store_status (store.h):
 * STORE_OK, the answers stated per function, or a STORE_ERR_*; then
 * eventlog_errmsg() says why.  A database failure can be STORE_BUSY,
 * STORE_ERR_NOMEM or STORE_ERR_DB anywhere; only the other statuses are
 * listed below.
 *
 * Strings passed in are copied; the store never keeps a caller pointer.
 * Invalid UTF-8 is replaced by U+FFFD before it is stored, so every JSON
 * value produced from the store is valid.  Input validation (lengths,
 * allowed ids) belongs to the caller; the store only rejects what would
 * make a record meaningless (no visit, unknown kind, bad enum value):
 * STORE_ERR_INVALID.
 *
 * Time is unix seconds (UTC) as a double, always passed by the caller so
 * tests control it; it is stored with millisecond precision and must lie
 * in [0, 253402300800) (years 1970-9999). */
#ifndef KB_EVENTLOG_H
#define KB_EVENTLOG_H

#include <stddef.h>

#include <jansson.h>

#include "eventlog_types.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct eventlog;

/* Opens (creating if needed) the store at path, or ":memory:", switches
 * it to WAL and brings the schema of the whole service database up to
 * date.  *out is set even on failure (NULL only when memory ran out),
 * so eventlog_errmsg() can say why ("PATH: reason"); the caller always
 * eventlog_close()s it.  A handle whose open failed answers every other
 * call with STORE_ERR_INVALID.  STORE_ERR_INVALID (path NULL),
 * STORE_ERR_SCHEMA (the file is newer than this program, or cannot use
 * WAL), STORE_ERR_SYSTEM (libsodium). */
store_status eventlog_open(const char *path, struct eventlog **out);

/* Finalizes every statement and closes the file.  NULL is a no-op. */
void eventlog_close(struct eventlog *el);

/* The reason for the last failure on el ("" if none).  Owned by el;
 * valid until the next call on el.  NULL gives "out of memory" (what
 * leaves eventlog_open() without a handle). */
const char *eventlog_errmsg(const struct eventlog *el);

/* The schema version this program writes (PRAGMA user_version). */
int eventlog_schema_version(void);

/* 1 if el is on a database server (PostgreSQL), which may be out of
 * reach for a while (STORE_BUSY) and come back; 0 for a SQLite file. */
int eventlog_is_server(const struct eventlog *el);

/* "search", "click", ... for a kind (static); NULL for an invalid one. */
const char *eventlog_kind_name(enum eventlog_kind kind);

/* The kind named name, or -1 if there is none. */
int eventlog_kind_parse(const char *name);

/* Stores one event durably: when this returns STORE_OK the event is
 * committed and fsync'ed.  STORE_ERR_INVALID on a missing required
 * field, a bad enum value or a time out of range. */
store_status eventlog_record(struct eventlog *el, const struct eventlog_event *ev);

/* Stores n events in one transaction (one fsync): all or none.  On a
 * validation error (STORE_ERR_INVALID) nothing is stored and the
 * message names the index. */
store_status eventlog_record_many(struct eventlog *el, const struct eventlog_event *evs,
                                  size_t n);

/* Counts stored events of a kind (-1: any) of a visit (NULL: any) into
 * *n.  STORE_ERR_INVALID for an unknown kind. */
store_status eventlog_count(struct eventlog *el, int kind, const char *visit, long long *n);

/* Every event of visit, oldest first, as a new JSON array (caller
 * json_decref()s) of objects {"type", "time" (ISO 8601 UTC), fields...}
 * with only the fields that are set.  An unknown visit gives []. */
store_status eventlog_visit_events(struct eventlog *el, const char *visit, json_t **out);

/* Creates a case with a fresh unguessable id ("C-" + 10 base32
 * characters from randombytes_buf), written into id (idsize must be at
 * least EVENTLOG_CASE_ID_SIZE).  In the same transaction it records a
 * case event for the visit (when there is one) and queues a webhook
 * payload {"type":"case.created","case":<eventlog_case_get() object>}
 * in the outbox, so a stored case is never left without its webhook.
 * When c->idem is set and a case was already stored with that key (by
 * this process or another, before a restart or on another front end),
 * no case is made: id gets that case's id and STORE_OK is returned, so
 * the same submission never makes two cases.
 * STORE_ERR_INVALID: no subject, a time out of range, a small id. */
store_status eventlog_case_create(struct eventlog *el, const struct eventlog_case *c, char *id,
                                  size_t idsize);

/* The case as a new JSON object (caller json_decref()s):
 * {"id","subject","description","email","product","locale","visit"
 *  (null if none),"created" (ISO 8601),"trail":[...]} where trail holds
 * the visit's events up to the case, oldest first, shaped as in
 * eventlog_visit_events() (the case's own event excluded).
 * STORE_NOT_FOUND (and *out NULL) when there is no such case. */
store_status eventlog_case_get(struct eventlog *el, const char *id, json_t **out);

/* Cases created in [from_ts, to_ts), newest first, at most limit (<= 0:
 * 100), as a new JSON object {"cases":[{case fields without trail}]}
 * (caller json_decref()s).  q, if not NULL or "", must occur in
 * subject, description or email (ASCII case-insensitive; % and _ in q
 * match literally). */
store_status eventlog_cases_list(struct eventlog *el, double from_ts, double to_ts,
                                 const char *q, int limit, json_t **out);

/* Retention: deletes events and cases older than before_ts (a case's
 * outbox rows go with it), delivered outbox rows older than before_ts,
 * and visits left with nothing.  *deleted (may be NULL) gets the number
 * of events plus cases deleted.  A visit cut in two by before_ts keeps
 * its newer events and starts, for reports, at the oldest one kept.
 * STORE_ERR_INVALID when before_ts is NaN. */
store_status eventlog_prune(struct eventlog *el, double before_ts, long long *deleted);

/* Queues payload (not stolen) for delivery at now or later.  *id (may
 * be NULL) gets the row id.  eventlog_case_create() does this itself.
 * STORE_ERR_INVALID: no case id or payload, a payload that is not an
 * object or array, a time out of range; STORE_ERR_DB for an unknown
 * case. */
store_status eventlog_outbox_add(struct eventlog *el, const char *case_id,
                                 const json_t *payload, double now, long long *id);

/* Claims the oldest undelivered row due at now: returns STORE_OK with
 * *payload (caller json_decref()s) and *id, and hides the row for
 * EVENTLOG_OUTBOX_LEASE seconds so another worker does not send it too;
 * finish with eventlog_outbox_done() or eventlog_outbox_retry().  A
 * worker that dies holding a claim just lets the lease run out.
 * STORE_NOT_FOUND when nothing is due. */
store_status eventlog_outbox_next(struct eventlog *el, double now, json_t **payload,
                                  long long *id);

/* Marks row id delivered at now.  STORE_NOT_FOUND if there is no such
 * row. */
store_status eventlog_outbox_done(struct eventlog *el, long long id, double now);

/* Records a failed delivery of row id at now and schedules the next try
 * 2^attempts seconds later (2, 4, 8, ...), at most
 * EVENTLOG_OUTBOX_MAX_DELAY; there is no last attempt, the row waits for
 * prune.  *next_ts (may be NULL) gets the time of the next try.
 * STORE_NOT_FOUND if there is no such undelivered row. */
store_status eventlog_outbox_retry(struct eventlog *el, long long id, double now,
                                   double *next_ts);

/* Calls fn for every event of every visit whose first event is in
 * [from_ts, to_ts), grouped by visit (visits in order of first event)
 * and in time order within a visit.  Returns STORE_OK, a failure, or
 * the status fn returned to stop the scan. */
store_status eventlog_scan(struct eventlog *el, double from_ts, double to_ts,
                           eventlog_scan_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
