/* accesslog.h -- kb-serve --access-log FILE|-: one JSON line per
 * request, written by a thread of its own so that no request waits for
 * the disk.
 *
 * A request's line goes into a bounded queue; when the queue is full
 * the line is dropped and counted (access_log_dropped), never waited
 * for.  The writer thread appends whatever has queued and flushes once
 * per batch.  access_log_reopen() (SIGHUP, after logrotate moved the
 * file) makes the writer close and open the path again before its
 * next batch. */
#ifndef KB_ACCESSLOG_H
#define KB_ACCESSLOG_H

#include <stddef.h>

struct access_log;
struct request;

/* Opens path for appending ("-": standard output) and starts the
 * writer.  0, or -1 with the reason in err. */
int access_log_open(const char *path, struct access_log **out, char *err, size_t errlen);

/* Queues rq's line: {"time","client","method","path","status","bytes",
 * "ms","visit"}.  path is the request's path with its query; on staff
 * routes (a role, or /login, /logout, /agent*, /author*) only the
 * query's names are kept, with empty values.  visit is null when the
 * request had none.  Never blocks on I/O. */
void access_log_request(struct access_log *l, struct request *rq, const char *path,
                        unsigned status, size_t bytes, int staff);

/* The writer reopens the file before its next batch. */
void access_log_reopen(struct access_log *l);

/* Lines dropped because the queue was full. */
unsigned long access_log_dropped(const struct access_log *l);

/* Writes what is queued, stops the writer, closes.  NULL is a no-op. */
void access_log_close(struct access_log *l);

#endif
