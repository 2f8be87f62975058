/* sdb_pg.c -- the PostgreSQL engine of sdb.h (libpq).
 *
 * Statements run with PQexecParams, their parameters typed by what was
 * bound, and the whole result is held until the statement is reset.
 * A lost connection (the primary died, a failover) makes the statement
 * fail with STORE_BUSY; the next statement outside a transaction
 * reconnects with PQreset, which tries the DSN's hosts in turn.  A
 * transaction whose connection was lost stays failed until the caller
 * rolls back or begins again, so no half of it is ever run on the new
 * connection. */
#include "sdb_private.h"

#include <stdlib.h>
#include <string.h>

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Defaults a DSN may override: a short connect timeout and keepalives,
 * so a dead host is given up in seconds, not minutes. */
static PGconn *connect_dsn(const char *dsn)
{
    static const char *const keys[] = {"connect_timeout",   "keepalives_idle",
                                       "keepalives_interval", "keepalives_count",
                                       "application_name",  "dbname",
                                       NULL};
    const char *vals[] = {"5", "10", "5", "3", "kb", dsn, NULL};

    return PQconnectdbParams(keys, vals, 1);
}

static int conn_fail(struct sdb *c, const char *what)
{
    const char *m = c->conn ? PQerrorMessage(c->conn) : "out of memory";
    size_t n = strlen(m);

    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
        n--;
    return sdb_fail(c, c->conn ? STORE_BUSY : STORE_ERR_NOMEM, "%s: %.*s", what, (int)n, m);
}

store_status sdb_pg_open(struct sdb *c, const char *dsn)
{
    c->conn = connect_dsn(dsn);
    if (!c->conn || PQstatus(c->conn) != CONNECTION_OK) {
        conn_fail(c, "cannot connect to PostgreSQL");
        return c->status;
    }
    PQsetNoticeProcessor(c->conn, quiet, NULL);
    return STORE_OK;
}

void sdb_pg_close(struct sdb *c)
{
    PQfinish(c->conn);
    c->conn = NULL;
}

static int starts(const char *sql, const char *word)
{
    size_t n = strlen(word);

    while (*sql == ' ' || *sql == '\n')
        sql++;
    return strncmp(sql, word, n) == 0;
}

/* Before a statement: refuses the rest of a transaction whose
 * connection was lost, and reconnects outside one. */
static int ready(struct sdb *c, const char *sql)
{
    if (c->broken) {
        if (!starts(sql, "ROLLBACK") && !starts(sql, "BEGIN"))
            return sdb_fail(c, STORE_BUSY, "the connection to PostgreSQL was lost in a "
                                           "transaction");
        c->broken = 0;
        if (starts(sql, "ROLLBACK"))
            return 1; /* nothing to roll back on a new connection */
    }
    if (PQstatus(c->conn) != CONNECTION_OK || c->reconnect) {
        c->reconnect = 0;
        PQreset(c->conn);
        if (PQstatus(c->conn) != CONNECTION_OK)
            return conn_fail(c, "no PostgreSQL primary reachable");
        PQsetNoticeProcessor(c->conn, quiet, NULL);
    }
    return 0;
}

/* After a statement: whether a transaction is open, and what a failure
 * means.  Returns 0 on success, SDB_ERROR on failure. */
static int finish(struct sdb *c, PGresult *res)
{
    ExecStatusType es = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    PGTransactionStatusType ts = PQtransactionStatus(c->conn);
    int was = c->in_txn;

    c->in_txn = ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR || ts == PQTRANS_ACTIVE;
    c->unique = 0;
    if (es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK || es == PGRES_EMPTY_QUERY) {
        const char *n = PQcmdTuples(res);
        c->changes = n && *n ? strtoll(n, NULL, 10) : 0;
        return 0;
    }
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(c->conn);
    size_t n = strlen(msg ? msg : "");
    store_status st = STORE_ERR_DB;

    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    if (PQstatus(c->conn) != CONNECTION_OK) {
        st = STORE_BUSY;
        if (was)
            c->broken = 1;
        c->in_txn = 0;
    } else if (state) {
        c->unique = strcmp(state, "23505") == 0;
        /* The server is going away or is a standby now (25006), a
         * serialization failure or deadlock (40xxx), a connection
         * problem (08xxx): worth trying again, elsewhere. */
        if (strcmp(state, "25006") == 0 || strncmp(state, "57P", 3) == 0 ||
            strncmp(state, "08", 2) == 0) {
            c->reconnect = 1;
            st = STORE_BUSY;
        } else if (strncmp(state, "40", 2) == 0 || strcmp(state, "55P03") == 0) {
            st = STORE_BUSY;
        }
    }
    if (!res)
        st = PQstatus(c->conn) == CONNECTION_OK ? STORE_ERR_NOMEM : STORE_BUSY;
    return sdb_fail(c, st, "%.*s", (int)n, msg ? msg : "");
}

int sdb_pg_exec(struct sdb *c, const char *sql)
{
    char *pg = sdb_pg_sql(sql);
    PGresult *res;
    int rc;

    if (!pg)
        return sdb_fail(c, STORE_ERR_NOMEM, "out of memory");
    rc = ready(c, pg);
    if (rc) {
        free(pg);
        return rc == 1 ? 0 : rc;
    }
    res = PQexec(c->conn, pg);
    free(pg);
    rc = finish(c, res);
    PQclear(res);
    return rc;
}

int sdb_pg_prepare(struct sdb_stmt *st, const char *sql)
{
    const char *p;

    st->row = -1;
    st->sql = sdb_pg_sql(sql);
    if (!st->sql)
        return sdb_fail(st->c, STORE_ERR_NOMEM, "out of memory");
    for (p = st->sql; (p = strchr(p, '$')); p++) {
        int n = atoi(p + 1);
        if (n > SDB_MAX_PARAMS)
            return sdb_fail(st->c, STORE_ERR_INVALID, "too many parameters: %s", sql);
        if (n > st->nsql)
            st->nsql = n;
        if (n > 0 && strncmp(p + 1 + strspn(p + 1, "0123456789"), " IS NULL", 8) == 0)
            st->nulltext[n - 1] = 1;
    }
    st->nparams = st->nsql;
    return 0;
}

int sdb_pg_step(struct sdb_stmt *st)
{
    struct sdb *c = st->c;
    int rc;

    if (st->row >= 0) {
        if (++st->row < st->nrows)
            return SDB_ROW;
        st->row = st->nrows;
        return SDB_DONE;
    }
    /* A BEGIN or a read outside a transaction that found the connection
     * dead (the first statement after a failover) is sent once more on
     * a new one: it changed nothing.  A write is never sent twice. */
    int again = !c->in_txn && (starts(st->sql, "BEGIN") || starts(st->sql, "SELECT"));
    for (;;) {
        rc = ready(c, st->sql);
        if (rc == 1)
            return SDB_DONE;
        if (rc)
            return rc;
        st->res = PQexecParams(c->conn, st->sql, st->nparams, st->type, st->val, NULL, NULL, 0);
        if (!finish(c, st->res))
            break;
        PQclear(st->res);
        st->res = NULL;
        if (!again-- || PQstatus(c->conn) == CONNECTION_OK)
            return SDB_ERROR;
    }
    st->row = 0;
    st->nrows = PQresultStatus(st->res) == PGRES_TUPLES_OK ? PQntuples(st->res) : 0;
    return st->nrows > 0 ? SDB_ROW : SDB_DONE;
}

void sdb_pg_reset(struct sdb_stmt *st)
{
    int i;

    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    st->nrows = 0;
    for (i = 0; i < SDB_MAX_PARAMS; i++) {
        free(st->owned[i]);
        st->owned[i] = NULL;
        st->val[i] = NULL;
        st->type[i] = st->nulltext[i] ? 25 : 0;
    }
    st->nparams = st->nsql;
}
