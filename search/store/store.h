/* store.h -- the error convention of the service database layer
 * (search/store: eventlog.h, eventq.h, maint.h, accounts.h, reports.h).
 *
 * Status.  Every store function that can fail returns a store_status:
 * STORE_OK (0) on success, an expected answer (STORE_NOT_FOUND ...
 * STORE_BAD_PASSWORD) or a STORE_ERR_*; which ones, each header says
 * per function.  Results come back through out-parameters.  Functions
 * that cannot fail (names, predicates, formatting) return their value.
 *
 * Messages.  Each handle keeps the detail of its last failure, owned by
 * the handle and valid until the next call on it: eventlog_errmsg(el),
 * accounts_errmsg(a), eventq_errmsg(q), maint_errmsg(m).
 * store_status_str() gives the fixed text of a status.
 *
 * Opening.  As with sqlite3_open() and kb_open(), the open and start
 * functions (eventlog_open, accounts_open, eventq_start, maint_start)
 * never lose the reason: they fill *out even when they fail, with a
 * handle that holds only the message, so X_errmsg(*out) says why.  *out
 * is NULL only when memory ran out, and X_errmsg(NULL) then answers
 * "out of memory".  The caller always closes *out with the matching
 * close or stop function; every one of them accepts NULL and a handle
 * whose open failed.
 *
 * The store logs nothing itself except on its own background threads
 * (eventq's writer, maint), whose failures no caller could see. */
#ifndef KB_STORE_H
#define KB_STORE_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    STORE_OK = 0,
    STORE_NOT_FOUND,    /* no such case, outbox row, user, token or
                         * session; or nothing is due */
    STORE_EXISTS,       /* the name is taken */
    STORE_DISABLED,     /* the account exists but is disabled */
    STORE_BAD_PASSWORD, /* the password does not match */
    STORE_BUSY,         /* another writer held the database longer than
                         * STORE_BUSY_MS, or the write queue stayed full:
                         * worth trying again later */
    STORE_ERR_INVALID,  /* a bad argument (a missing required field, a
                         * bad enum value, a time out of range, a buffer
                         * too small); nothing was written */
    STORE_ERR_NOMEM,    /* out of memory */
    STORE_ERR_SCHEMA,   /* the file's schema is newer than this program,
                         * or the file cannot be put in WAL mode */
    STORE_ERR_DB,       /* any other SQLite failure (I/O, a corrupt file
                         * or row); details in the handle's message */
    STORE_ERR_SYSTEM,   /* the system refused: a thread did not start,
                         * libsodium did not initialise */
    STORE_STATUS_COUNT  /* not a status; keeps store_status_str() honest */
} store_status;

/* How long a connection waits for another writer before STORE_BUSY:
 * SQLite locks are not fair, so under load a busy writer can hold
 * others off for seconds. */
#define STORE_BUSY_MS 30000

/* 1 if path names a database server rather than a file: a PostgreSQL
 * DSN ("postgresql://...", "postgres://..." or "host=..."), which every
 * open function of the store accepts in place of a SQLite file. */
int store_is_server(const char *path); /* in sdb.c */

/* Static text of a status ("ok", "not found", ...), never NULL; an
 * out-of-range value gives "unknown status". */
const char *store_status_str(store_status st);

#ifdef __cplusplus
}
#endif

#endif
