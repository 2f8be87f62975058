/* sdb.c -- the statement API's dispatch and its SQLite engine; the
 * PostgreSQL engine is sdb_pg.c. */
#include "sdb_private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(SDB_OPEN_SERIALIZED == SQLITE_OPEN_FULLMUTEX, "sdb.h's flag is SQLite's");

int sdb_is_pg(const char *path)
{
    return path && (strncmp(path, "postgresql://", 13) == 0 ||
                    strncmp(path, "postgres://", 11) == 0 || strncmp(path, "host=", 5) == 0);
}

int store_is_server(const char *path)
{
    return sdb_is_pg(path);
}

int sdb_fail(struct sdb *c, store_status st, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    c->status = st;
    return SDB_ERROR;
}

static store_status lite_status(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return STORE_BUSY;
    case SQLITE_NOMEM:
        return STORE_ERR_NOMEM;
    default:
        return STORE_ERR_DB;
    }
}

static int lite_fail(struct sdb *c)
{
    int rc = sqlite3_extended_errcode(c->lite);

    return sdb_fail(c, lite_status(rc), "%s", sqlite3_errmsg(c->lite));
}

store_status sdb_open(const char *path, int sqlite_flags, struct sdb **out)
{
    struct sdb *c = calloc(1, sizeof *c);
    int rc;

    *out = c;
    if (!c)
        return STORE_ERR_NOMEM;
    if (sdb_is_pg(path)) {
        c->pg = 1;
        return sdb_pg_open(c, path);
    }
    rc = sqlite3_open_v2(path, &c->lite,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | sqlite_flags, NULL);
    if (rc != SQLITE_OK) {
        if (!c->lite)
            return sdb_fail(c, STORE_ERR_NOMEM, "out of memory"), STORE_ERR_NOMEM;
        lite_fail(c);
        return c->status;
    }
    sqlite3_extended_result_codes(c->lite, 1);
    sqlite3_busy_timeout(c->lite, STORE_BUSY_MS);
    return STORE_OK;
}

void sdb_close(struct sdb *c)
{
    if (!c)
        return;
    if (c->pg)
        sdb_pg_close(c);
    else
        sqlite3_close(c->lite);
    free(c);
}

int sdb_is_postgres(const struct sdb *c)
{
    return c && c->pg;
}

const char *sdb_errmsg(const struct sdb *c)
{
    return c ? c->err : "out of memory";
}

store_status sdb_status(const struct sdb *c)
{
    return c && c->status ? c->status : STORE_ERR_DB;
}

int sdb_unique_violation(const struct sdb *c)
{
    if (c->pg)
        return c->unique;
    int rc = sqlite3_extended_errcode(c->lite);
    return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY;
}

long long sdb_changes(const struct sdb *c)
{
    return c->pg ? c->changes : sqlite3_changes64(c->lite);
}

int sdb_in_txn(const struct sdb *c)
{
    return c->pg ? c->in_txn || c->broken : !sqlite3_get_autocommit(c->lite);
}

int sdb_exec(struct sdb *c, const char *sql)
{
    char *msg = NULL;
    int rc;

    if (c->pg)
        return sdb_pg_exec(c, sql);
    rc = sqlite3_exec(c->lite, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        sdb_fail(c, lite_status(rc), "%s", msg ? msg : sqlite3_errmsg(c->lite));
        sqlite3_free(msg);
        return SDB_ERROR;
    }
    return 0;
}

int sdb_prepare(struct sdb *c, const char *sql, struct sdb_stmt **out)
{
    struct sdb_stmt *st = calloc(1, sizeof *st);

    *out = st;
    if (!st)
        return sdb_fail(c, STORE_ERR_NOMEM, "out of memory");
    st->c = c;
    if (c->pg)
        return sdb_pg_prepare(st, sql);
    if (sqlite3_prepare_v3(c->lite, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->lite, NULL) !=
        SQLITE_OK)
        return lite_fail(c);
    return 0;
}

void sdb_finalize(struct sdb_stmt *st)
{
    if (!st)
        return;
    if (st->c->pg) {
        sdb_pg_reset(st);
        free(st->sql);
    } else {
        sqlite3_finalize(st->lite);
    }
    free(st);
}

static int pg_slot(struct sdb_stmt *st, int idx)
{
    if (idx < 1 || idx > SDB_MAX_PARAMS)
        return sdb_fail(st->c, STORE_ERR_INVALID, "parameter %d out of range", idx);
    free(st->owned[idx - 1]);
    st->owned[idx - 1] = NULL;
    if (idx > st->nparams)
        st->nparams = idx;
    return 0;
}

int sdb_bind_int64(struct sdb_stmt *st, int idx, long long v)
{
    if (!st->c->pg)
        return sqlite3_bind_int64(st->lite, idx, v) == SQLITE_OK ? 0 : lite_fail(st->c);
    if (pg_slot(st, idx))
        return SDB_ERROR;
    snprintf(st->num[idx - 1], sizeof st->num[0], "%lld", v);
    st->val[idx - 1] = st->num[idx - 1];
    st->type[idx - 1] = 20;
    return 0;
}

int sdb_bind_int(struct sdb_stmt *st, int idx, int v)
{
    return sdb_bind_int64(st, idx, v);
}

int sdb_bind_null(struct sdb_stmt *st, int idx)
{
    if (!st->c->pg)
        return sqlite3_bind_null(st->lite, idx) == SQLITE_OK ? 0 : lite_fail(st->c);
    if (pg_slot(st, idx))
        return SDB_ERROR;
    st->val[idx - 1] = NULL;
    /* PostgreSQL types a parameter where it first sees it, and cannot
     * in "$N IS NULL": such a parameter is text. */
    st->type[idx - 1] = st->nulltext[idx - 1] ? 25 : 0;
    return 0;
}

int sdb_bind_text(struct sdb_stmt *st, int idx, const char *s)
{
    if (!s)
        return sdb_bind_null(st, idx);
    if (!st->c->pg)
        return sqlite3_bind_text64(st->lite, idx, s, strlen(s), SQLITE_STATIC, SQLITE_UTF8) ==
                       SQLITE_OK
                   ? 0
                   : lite_fail(st->c);
    if (pg_slot(st, idx))
        return SDB_ERROR;
    st->val[idx - 1] = s;
    st->type[idx - 1] = 25;
    return 0;
}

int sdb_bind_text_owned(struct sdb_stmt *st, int idx, char *s)
{
    if (!st->c->pg)
        /* SQLite calls free() even when the bind fails. */
        return sqlite3_bind_text64(st->lite, idx, s, strlen(s), free, SQLITE_UTF8) == SQLITE_OK
                   ? 0
                   : lite_fail(st->c);
    if (pg_slot(st, idx)) {
        free(s);
        return SDB_ERROR;
    }
    st->owned[idx - 1] = s;
    st->val[idx - 1] = s;
    st->type[idx - 1] = 25;
    return 0;
}

int sdb_step(struct sdb_stmt *st)
{
    int rc;

    if (st->c->pg)
        return sdb_pg_step(st);
    rc = sqlite3_step(st->lite);
    if (rc == SQLITE_ROW)
        return SDB_ROW;
    if (rc == SQLITE_DONE)
        return SDB_DONE;
    return lite_fail(st->c);
}

void sdb_reset(struct sdb_stmt *st)
{
    if (st->c->pg) {
        sdb_pg_reset(st);
        return;
    }
    sqlite3_reset(st->lite);
    sqlite3_clear_bindings(st->lite);
}

static int pg_has(struct sdb_stmt *st, int i)
{
    return st->res && st->row >= 0 && st->row < st->nrows && i >= 0 &&
           i < PQnfields(st->res);
}

long long sdb_column_int64(struct sdb_stmt *st, int i)
{
    if (!st->c->pg)
        return sqlite3_column_int64(st->lite, i);
    if (!pg_has(st, i) || PQgetisnull(st->res, st->row, i))
        return 0;
    const char *v = PQgetvalue(st->res, st->row, i);
    if (v[0] == 't' && !v[1])
        return 1;
    if (v[0] == 'f' && !v[1])
        return 0;
    return strtoll(v, NULL, 10);
}

int sdb_column_int(struct sdb_stmt *st, int i)
{
    return (int)sdb_column_int64(st, i);
}

const unsigned char *sdb_column_text(struct sdb_stmt *st, int i)
{
    if (!st->c->pg)
        return sqlite3_column_text(st->lite, i);
    if (!pg_has(st, i) || PQgetisnull(st->res, st->row, i))
        return NULL;
    return (const unsigned char *)PQgetvalue(st->res, st->row, i);
}

int sdb_column_null(struct sdb_stmt *st, int i)
{
    if (!st->c->pg)
        return sqlite3_column_type(st->lite, i) == SQLITE_NULL;
    return !pg_has(st, i) || PQgetisnull(st->res, st->row, i);
}
