/* sdb.h -- the two database engines of the service database behind
 * one small statement API.  Internal to search/store: storedb.h builds
 * on it and the store modules call it instead of SQLite or libpq.
 *
 * The engine is chosen at open from the path: "postgresql://..." or
 * "postgres://..." (a libpq URI) or a libpq keyword string starting
 * with "host=" opens PostgreSQL; anything else is a SQLite file (or
 * ":memory:").
 *
 * SQL.  Modules write their statements once, in SQLite's dialect with
 * numbered parameters (?1, ?2, ...); sdb_pg_sql() (sdb_pgsql.c) turns
 * them into PostgreSQL's, and that function is the one place the two
 * dialects differ:
 *   - ?N becomes $N;
 *   - INTEGER becomes BIGINT (times are milliseconds), and INTEGER
 *     PRIMARY KEY becomes BIGSERIAL PRIMARY KEY;
 *   - the two-argument min(a, b) and max(a, b) become LEAST and
 *     GREATEST (the one-argument aggregates stay);
 *   - "a IS NOT b" and "a IS b" with b other than NULL become IS
 *     DISTINCT FROM and IS NOT DISTINCT FROM;
 *   - BEGIN IMMEDIATE becomes BEGIN;
 *   - LIKE becomes ILIKE (SQLite's LIKE ignores ASCII case);
 *   - INSERT OR IGNORE becomes INSERT ... ON CONFLICT DO NOTHING (one
 *     statement without RETURNING);
 *   - a comment "/" "*pg: TEXT*" "/" is TEXT for PostgreSQL and nothing
 *     for SQLite (FOR UPDATE SKIP LOCKED on the outbox claim).
 * Both engines take RETURNING, ON CONFLICT ... DO UPDATE and excluded.
 * PostgreSQL wants the target's column qualified in DO UPDATE SET
 * (visits.first_ms), which SQLite accepts too.
 *
 * Statements behave like SQLite's: bind, step until SDB_DONE, reset.
 * On PostgreSQL the first step runs the statement with its parameters
 * (typed by what was bound: int64 as bigint, text as text, NULL as
 * unknown, or as text when the statement tests "?N IS NULL") and holds
 * the whole result; the next steps walk its rows.  Text bound with
 * sdb_bind_text must stay valid until the statement is reset (as
 * SQLITE_STATIC); column text stays valid until the next step or reset.
 *
 * Connection loss (PostgreSQL): a statement that fails because the
 * server went away answers SDB_ERROR with sdb_status() STORE_BUSY; the
 * next statement run outside a transaction first reconnects (libpq
 * tries every host of a multi-host DSN, and target_session_attrs=
 * read-write finds the new primary after a failover).
 *
 * Threads: one thread at a time per connection. */
#ifndef KB_SDB_H
#define KB_SDB_H

#include <stddef.h>

#include "store.h"

enum { SDB_ROW = 100, SDB_DONE = 101, SDB_ERROR = 1 };

struct sdb;
struct sdb_stmt;

/* 1 if path names a PostgreSQL database (see above), else 0. */
int sdb_is_pg(const char *path);

/* sdb_open's flag for a handle shared by threads under the caller's
 * mutex (SQLITE_OPEN_FULLMUTEX). */
#define SDB_OPEN_SERIALIZED 0x00010000

/* Opens path; sqlite_flags are added to SQLITE_OPEN_READWRITE |
 * SQLITE_OPEN_CREATE for a SQLite file.  Fills *out even on failure
 * (NULL only when memory ran out); sdb_errmsg() says why and the
 * caller sdb_close()s it.  Returns STORE_OK or the failure's status. */
store_status sdb_open(const char *path, int sqlite_flags, struct sdb **out);
void sdb_close(struct sdb *c); /* NULL is fine */

int sdb_is_postgres(const struct sdb *c);
const char *sdb_errmsg(const struct sdb *c); /* the last failure; never NULL */
store_status sdb_status(const struct sdb *c); /* its status: BUSY, NOMEM or DB */
int sdb_unique_violation(const struct sdb *c); /* last failure broke a UNIQUE/PK */
long long sdb_changes(const struct sdb *c);   /* rows changed by the last statement */
int sdb_in_txn(const struct sdb *c);          /* inside BEGIN ... COMMIT */

/* Runs constant SQL without data (several statements allowed), in
 * SQLite's dialect.  0 or SDB_ERROR. */
int sdb_exec(struct sdb *c, const char *sql);

/* Prepares one statement (SQLite's dialect).  0 or SDB_ERROR; free
 * with sdb_finalize(), which takes NULL. */
int sdb_prepare(struct sdb *c, const char *sql, struct sdb_stmt **out);
void sdb_finalize(struct sdb_stmt *st);

int sdb_bind_int64(struct sdb_stmt *st, int idx, long long v);
int sdb_bind_int(struct sdb_stmt *st, int idx, int v);
int sdb_bind_null(struct sdb_stmt *st, int idx);
int sdb_bind_text(struct sdb_stmt *st, int idx, const char *s); /* borrowed */
int sdb_bind_text_owned(struct sdb_stmt *st, int idx, char *s); /* free()d by sdb */

/* SDB_ROW, SDB_DONE or SDB_ERROR (message on the connection). */
int sdb_step(struct sdb_stmt *st);
/* Back to the start, bindings cleared. */
void sdb_reset(struct sdb_stmt *st);

long long sdb_column_int64(struct sdb_stmt *st, int i);
int sdb_column_int(struct sdb_stmt *st, int i);
const unsigned char *sdb_column_text(struct sdb_stmt *st, int i); /* NULL for NULL */
int sdb_column_null(struct sdb_stmt *st, int i);

/* The statement's text in PostgreSQL's dialect: caller frees with
 * free(); NULL when memory ran out. */
char *sdb_pg_sql(const char *sql);

#endif
