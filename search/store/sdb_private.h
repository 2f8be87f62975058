/* sdb_private.h -- the connection and statement structs behind sdb.h,
 * shared by its two engines (sdb.c: SQLite and the dispatch; sdb_pg.c:
 * PostgreSQL).  Nothing else includes it. */
#ifndef KB_SDB_PRIVATE_H
#define KB_SDB_PRIVATE_H

#include <libpq-fe.h>
#include <sqlite3.h>

#include "sdb.h"

#define SDB_MAX_PARAMS 32

struct sdb {
    int pg;              /* 1: PostgreSQL, 0: SQLite */
    sqlite3 *lite;
    PGconn *conn;
    int in_txn;          /* PostgreSQL: inside BEGIN ... COMMIT */
    int broken;          /* PostgreSQL: connection lost inside one */
    int reconnect;       /* PostgreSQL: reconnect before the next statement */
    int unique;          /* PostgreSQL: last failure was SQLSTATE 23505 */
    long long changes;   /* PostgreSQL: rows of the last statement */
    store_status status; /* of the last failure */
    char err[512];
};

struct sdb_stmt {
    struct sdb *c;
    sqlite3_stmt *lite;
    /* PostgreSQL */
    char *sql;                       /* in PostgreSQL's dialect */
    int nparams;                     /* highest $N bound or in the text */
    int nsql;                        /* highest $N in the text */
    unsigned char nulltext[SDB_MAX_PARAMS]; /* "$N IS NULL" in the text */
    const char *val[SDB_MAX_PARAMS]; /* NULL: SQL NULL */
    char *owned[SDB_MAX_PARAMS];     /* freed at reset */
    char num[SDB_MAX_PARAMS][24];    /* bound integers as text */
    unsigned type[SDB_MAX_PARAMS];   /* Oid: 20 int8, 25 text, 0 unknown */
    PGresult *res;
    int row, nrows;                  /* row -1: not run yet */
};

store_status sdb_pg_open(struct sdb *c, const char *dsn);
void sdb_pg_close(struct sdb *c);
int sdb_pg_exec(struct sdb *c, const char *sql);
int sdb_pg_prepare(struct sdb_stmt *st, const char *sql);
int sdb_pg_step(struct sdb_stmt *st);
void sdb_pg_reset(struct sdb_stmt *st);
int sdb_fail(struct sdb *c, store_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
