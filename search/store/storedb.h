/* storedb.h -- one connection to the service database (SQLite or
 * PostgreSQL, see sdb.h), the way every store module uses it.  Internal to search/store: the public
 * handles (struct eventlog, struct accounts) each embed one.
 *
 * A storedb holds the connection, the three transaction statements and
 * the message of the last failure (the handle's errmsg).  Every helper
 * that fails writes that message and returns the status, so a module
 * reports a failure once, where it is detected, and passes the status
 * up unchanged.
 *
 * Statements: a module prepares its own statements once per handle
 * with storedb_prepare() and finalizes them
 * with storedb_finalize().  After each use a statement is reset and its
 * bindings cleared (storedb_run, storedb_done): text is bound
 * borrowed, so no caller pointer outlives the call that bound it,
 * and a statement left mid-step would hold a read transaction open.
 *
 * Threads: like the handle that embeds it, one thread at a time. */
#ifndef KB_STOREDB_H
#define KB_STOREDB_H

#include <stddef.h>

#include "sdb.h"
#include "store.h"

struct storedb {
    struct sdb *db;
    struct sdb_stmt *begin, *commit, *rollback;
    char err[512]; /* the last failure; "" if none */
};

/* One schema migration: the statements that bring the database from
 * version - 1 to version (SQLite's dialect; sdb_pg_sql() gives
 * PostgreSQL's).  Never edit a shipped step:
 * append a new one.  Owned by the module whose tables it touches. */
struct storedb_step {
    int version;     /* 1, 2, ... across the whole database */
    const char *sql; /* constant DDL, no data */
};

/* Opens (creating if needed) the file at path, or ":memory:", with
 * SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | flags (e.g.
 * SQLITE_OPEN_FULLMUTEX); extended result codes, a STORE_BUSY_MS busy
 * timeout, WAL (refused with STORE_ERR_SCHEMA if the file cannot use
 * it), synchronous=FULL and foreign keys.  A PostgreSQL DSN (sdb_is_pg)
 * connects instead; flags are then unused.  db is the caller's (zeroed)
 * struct; on failure its message says why and storedb_close() still
 * has to be called.  Does not migrate: see schema.h. */
store_status storedb_open(struct storedb *db, const char *path, int flags);

/* Finalizes the transaction statements and closes the connection; the
 * modules finalize their own statements first.  A zeroed or half-open
 * db is fine. */
void storedb_close(struct storedb *db);

/* Formats a message into db->err and returns st. */
store_status storedb_fail(struct storedb *db, store_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Puts "prefix: " before the message in db->err (an open's path). */
void storedb_prefix(struct storedb *db, const char *prefix);

/* "what: <the engine's message>" into db->err; returns the status of
 * the connection's last error (STORE_BUSY, STORE_ERR_NOMEM or
 * STORE_ERR_DB; STORE_BUSY too when PostgreSQL is unreachable). */
store_status storedb_sqlfail(struct storedb *db, const char *what);

/* Prepares sql[0..n) into st[0..n).  On failure the ones prepared so
 * far stay in st for storedb_finalize(), which takes NULLs. */
store_status storedb_prepare(struct storedb *db, const char *const *sql, struct sdb_stmt **st,
                             size_t n);
void storedb_finalize(struct sdb_stmt **st, size_t n);

/* Resets st and clears its bindings. */
void storedb_done(struct sdb_stmt *st);

/* Steps st to completion, then storedb_done().  STORE_OK or
 * storedb_sqlfail(db, what). */
store_status storedb_run(struct storedb *db, struct sdb_stmt *st, const char *what);

/* Binds s (NULL binds NULL) as text, replacing ill-formed UTF-8 with
 * U+FFFD in a copy the statement frees. */
store_status storedb_bind_text(struct storedb *db, struct sdb_stmt *st, int idx, const char *s);

/* Transactions: BEGIN IMMEDIATE on SQLite, so a writer waits for the
 * write lock up front (the busy timeout applies) instead of failing on
 * upgrade; BEGIN on PostgreSQL.
 * storedb_rollback() keeps the message of the failure that made the
 * caller roll back, and does nothing outside a transaction. */
store_status storedb_begin(struct storedb *db);
store_status storedb_commit(struct storedb *db);
void storedb_rollback(struct storedb *db);

/* Brings the database's schema to version n: steps[i] (version i + 1)
 * for every i >= its version, in one transaction, then records n.  The
 * version is PRAGMA user_version in SQLite, the table kb_schema_version
 * in PostgreSQL (its one row, written under an advisory lock so two
 * front ends starting together do not both migrate).
 * STORE_ERR_SCHEMA if the database is newer than n. */
store_status storedb_migrate(struct storedb *db, const struct storedb_step *const *steps,
                             int n);

#endif
