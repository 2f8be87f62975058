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
 *   response; such an event is committed within a few milliseconds.
 *
 * Thread-safe: any thread may call any function except eventq_stop. */
#ifndef KB_EVENTQ_H
#define KB_EVENTQ_H

#include "eventlog.h"

#include <stddef.h>

struct eventq;

enum { EVENTQ_NOWAIT = 0, EVENTQ_WAIT = 1 };

/* Opens the store at path and starts the writer thread.  0, or -1 with
 * err filled. */
int eventq_start(const char *path, struct eventq **out, char *err, size_t errlen);

/* Queues a copy of ev (every string is copied).  With EVENTQ_WAIT
 * returns 0 once committed, -1 when it could not be stored (the reason
 * goes to the server log).  With EVENTQ_NOWAIT returns 0 when queued;
 * when the queue is full it waits for room (searches then go at the
 * writer's pace, memory stays bounded), and after a while (a stuck
 * disk) returns -1: the event is dropped and counted. */
int eventq_record(struct eventq *q, const struct eventlog_event *ev, int wait);

/* Creates a case on the writer thread and waits; id receives its id
 * (EVENTLOG_CASE_ID_SIZE bytes).  0 or -1. */
int eventq_case_create(struct eventq *q, const struct eventlog_case *c, char *id,
                       size_t idsize);

/* Events dropped because the queue was full (a sign of a stuck disk). */
unsigned long eventq_dropped(const struct eventq *q);

/* Commits what is queued, stops the writer thread, closes the store.
 * NULL is a no-op. */
void eventq_stop(struct eventq *q);

#endif
