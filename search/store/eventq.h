/* eventq.h -- the service's single writer to the event store.
 *
 * Request threads hand events to a queue; one writer thread commits
 * whatever has queued up in one transaction (one fsync per batch, so
 * the cost of durability is shared by every event of the batch).
 *
 * Two ways to submit:
 * - eventq_record(..., EVENTQ_WAIT) returns only after the event is
 *   committed: the HTTP handler answers 2xx afterwards, so an
 *   acknowledged event survives a kill -9 of the server the next moment.
 * - EVENTQ_NOWAIT (the searches and page views the server logs itself)
 *   returns at once, so logging never adds a disk flush to a search
 *   response; such events gather for up to 20 ms (fewer, larger
 *   transactions), or less when a batch fills or an EVENTQ_WAIT event
 *   or a case arrives, which commits them with it.
 *
 * Thread-safe: any thread may call any function except eventq_stop.
 *
 * Status (store.h): each call returns its own store_status.  The
 * writer thread's failures (an event or case not stored) are also
 * written to stderr with the store's reason, since q is shared by every
 * thread and a last message on it would belong to whichever thread
 * looked last. */
#ifndef KB_EVENTQ_H
#define KB_EVENTQ_H

#include "eventlog.h"

#include <stddef.h>

struct eventq;

enum { EVENTQ_NOWAIT = 0, EVENTQ_WAIT = 1 };

/* Opens the store at path (eventlog_open) and starts the writer
 * thread.  *out is set even on failure (NULL only when memory ran
 * out), so eventq_errmsg() can say why; the caller always
 * eventq_stop()s it.  The statuses of eventlog_open(), and
 * STORE_ERR_SYSTEM when the thread does not start. */
store_status eventq_start(const char *path, struct eventq **out);

/* Why eventq_start() failed ("" after a good start); owned by q.  NULL
 * gives "out of memory". */
const char *eventq_errmsg(const struct eventq *q);

/* Queues a copy of ev (every string is copied).  With EVENTQ_WAIT
 * returns STORE_OK once committed, or the status of storing it
 * (STORE_ERR_INVALID for an event eventlog_record() refuses, a database
 * failure).  With EVENTQ_NOWAIT returns STORE_OK when queued; when the
 * queue is full it waits for room (searches then go at the writer's
 * pace, memory stays bounded), and after a while (a stuck disk) returns
 * STORE_BUSY: the event is dropped and counted.  STORE_ERR_NOMEM;
 * STORE_ERR_INVALID on a queue whose start failed. */
store_status eventq_record(struct eventq *q, const struct eventlog_event *ev, int wait);

/* Creates a case on the writer thread and waits; id receives its id
 * (EVENTLOG_CASE_ID_SIZE bytes).  The statuses of
 * eventlog_case_create(), STORE_ERR_NOMEM, or STORE_ERR_INVALID on a
 * queue whose start failed. */
store_status eventq_case_create(struct eventq *q, const struct eventlog_case *c, char *id,
                                size_t idsize);

/* Events dropped because the queue was full (a sign of a stuck disk). */
unsigned long eventq_dropped(const struct eventq *q);

/* What the writer has done since eventq_start (kb-serve's /metrics). */
struct eventq_stats {
    unsigned long long written[EVENTLOG_KIND_COUNT]; /* events committed, by kind */
    unsigned long long cases;        /* cases created */
    unsigned long long event_errors; /* events not stored (refused, or the database failed) */
    unsigned long long case_errors;  /* cases not created */
    unsigned long long unreachable;  /* batches put back: the database could not be reached */
    unsigned long long dropped;      /* eventq_dropped() */
    size_t pending;                  /* queued now, not yet committed */
};

/* Fills *out (a consistent copy, taken under the queue's lock).  NULL
 * and a queue whose start failed give zeros. */
void eventq_get_stats(struct eventq *q, struct eventq_stats *out);

/* Commits what is queued, stops the writer thread, closes the store.
 * NULL and a queue whose start failed are fine. */
void eventq_stop(struct eventq *q);

#endif
