/* eventlog_private.h -- what the store's modules above the event log
 * (reports*.c) may do with a handle beyond eventlog.h.  Not part of the
 * public API. */
#ifndef KB_EVENTLOG_PRIVATE_H
#define KB_EVENTLOG_PRIVATE_H

#include "eventlog.h"

/* Formats a message into el's eventlog_errmsg() and returns st: for a
 * module that builds on el (a report) and fails on its own account. */
store_status eventlog_fail(struct eventlog *el, store_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
