/* storedb.c -- the connection, its message, statements, transactions
 * and the migration runner. */
#include "storedb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storeval.h"

store_status storedb_fail(struct storedb *db, store_status st, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(db->err, sizeof db->err, fmt, ap);
    va_end(ap);
    return st;
}

void storedb_prefix(struct storedb *db, const char *prefix)
{
    char why[sizeof db->err];
    size_t n, room;
    int k;

    memcpy(why, db->err, sizeof why);
    why[sizeof why - 1] = '\0';
    k = snprintf(db->err, sizeof db->err, "%s: ", prefix);
    if (k < 0 || (size_t)k >= sizeof db->err - 1)
        return;
    room = sizeof db->err - (size_t)k - 1;
    n = strlen(why);
    if (n > room)
        n = room;
    memcpy(db->err + k, why, n);
    db->err[(size_t)k + n] = '\0';
}

store_status storedb_sqlfail(struct storedb *db, const char *what)
{
    return storedb_fail(db, sdb_status(db->db), "%s: %s", what, sdb_errmsg(db->db));
}

void storedb_done(struct sdb_stmt *st)
{
    sdb_reset(st);
}

store_status storedb_run(struct storedb *db, struct sdb_stmt *st, const char *what)
{
    store_status r;
    int rc;

    while ((rc = sdb_step(st)) == SDB_ROW)
        ;
    if (rc != SDB_DONE) {
        r = storedb_sqlfail(db, what);
        storedb_done(st);
        return r;
    }
    storedb_done(st);
    return STORE_OK;
}

store_status storedb_bind_text(struct storedb *db, struct sdb_stmt *st, int idx, const char *s)
{
    int rc;

    if (!s || storeval_utf8_valid(s, strlen(s))) {
        rc = sdb_bind_text(st, idx, s);
    } else {
        char *c = storeval_utf8_clean(s);

        if (!c)
            return storedb_fail(db, STORE_ERR_NOMEM, "out of memory");
        rc = sdb_bind_text_owned(st, idx, c);
    }
    if (rc)
        return storedb_sqlfail(db, "bind");
    return STORE_OK;
}

store_status storedb_prepare(struct storedb *db, const char *const *sql, struct sdb_stmt **st,
                             size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (sdb_prepare(db->db, sql[i], &st[i]))
            return storedb_sqlfail(db, "prepare");
    return STORE_OK;
}

void storedb_finalize(struct sdb_stmt **st, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        sdb_finalize(st[i]);
        st[i] = NULL;
    }
}

store_status storedb_begin(struct storedb *db)
{
    return storedb_run(db, db->begin, "begin");
}

store_status storedb_commit(struct storedb *db)
{
    return storedb_run(db, db->commit, "commit");
}

void storedb_rollback(struct storedb *db)
{
    /* Keep the message of the failure that made us roll back. */
    if (db->db && sdb_in_txn(db->db)) {
        sdb_step(db->rollback);
        storedb_done(db->rollback);
    }
}

static store_status exec_sql(struct storedb *db, const char *sql, const char *what)
{
    /* Only constant SQL without data comes through here. */
    if (sdb_exec(db->db, sql))
        return storedb_sqlfail(db, what);
    return STORE_OK;
}

/* The first column of the first row of constant SQL, as text. */
static store_status query_text(struct storedb *db, const char *sql, char *buf, size_t len)
{
    struct sdb_stmt *st = NULL;
    const unsigned char *t;
    store_status r = STORE_OK;
    int rc;

    if (sdb_prepare(db->db, sql, &st)) {
        sdb_finalize(st);
        return storedb_fail(db, sdb_status(db->db), "%s", sdb_errmsg(db->db));
    }
    rc = sdb_step(st);
    t = rc == SDB_ROW ? sdb_column_text(st, 0) : NULL;
    snprintf(buf, len, "%s", t ? (const char *)t : "");
    if (rc != SDB_ROW && rc != SDB_DONE)
        r = storedb_fail(db, sdb_status(db->db), "%s", sdb_errmsg(db->db));
    sdb_finalize(st);
    return r;
}

store_status storedb_open(struct storedb *db, const char *path, int flags)
{
    static const char *const txn_sql[] = {"BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"};
    struct sdb_stmt *txn[3] = {NULL, NULL, NULL};
    char mode[16];
    store_status st;

    db->err[0] = '\0';
    if ((st = sdb_open(path, flags, &db->db)))
        return storedb_fail(db, st, "%s", sdb_errmsg(db->db));
    if (!sdb_is_postgres(db->db)) {
        if ((st = query_text(db, "PRAGMA journal_mode=WAL", mode, sizeof mode)))
            return st;
        if (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)
            return storedb_fail(db, STORE_ERR_SCHEMA, "cannot use WAL (journal_mode is %s)",
                                mode);
        /* In WAL mode synchronous=NORMAL already survives kill -9: a
         * commit sits in the WAL in the OS page cache.  It does not
         * survive power loss or a kernel panic, which may roll back the
         * last commits.  FULL fsyncs the WAL at every commit, so an
         * event acknowledged to the browser is on stable storage.  That
         * is one fsync per commit; eventlog_record_many() amortises it
         * when a caller can batch.  (On PostgreSQL a commit returns once
         * it is durable on the primary and, with
         * synchronous_standby_names, on its synchronous standby.) */
        if ((st = exec_sql(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", "open")))
            return st;
    }
    st = storedb_prepare(db, txn_sql, txn, 3);
    db->begin = txn[0];
    db->commit = txn[1];
    db->rollback = txn[2];
    return st;
}

void storedb_close(struct storedb *db)
{
    struct sdb_stmt *txn[3] = {db->begin, db->commit, db->rollback};

    storedb_finalize(txn, 3);
    db->begin = db->commit = db->rollback = NULL;
    sdb_close(db->db);
    db->db = NULL;
}

/* The version in the database, read inside the migration's
 * transaction. */
static store_status read_version(struct storedb *db, int *version)
{
    char buf[32];
    store_status st;

    if (!sdb_is_postgres(db->db)) {
        st = query_text(db, "PRAGMA user_version", buf, sizeof buf);
    } else {
        /* Every front end may start at once: one migrates at a time. */
        if ((st = exec_sql(db, "SELECT pg_advisory_xact_lock(7243901);"
                               "CREATE TABLE IF NOT EXISTS kb_schema_version ("
                               "  version INTEGER NOT NULL)",
                           "migrate")))
            return st;
        st = query_text(db, "SELECT coalesce(max(version), 0) FROM kb_schema_version", buf,
                        sizeof buf);
    }
    *version = atoi(buf);
    return st;
}

static store_status write_version(struct storedb *db, int n)
{
    char sql[128];

    /* Our own integer: neither engine takes a parameter here (PRAGMA),
     * and the PostgreSQL form stays the same constant text. */
    if (!sdb_is_postgres(db->db))
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", n);
    else
        snprintf(sql, sizeof sql,
                 "DELETE FROM kb_schema_version; INSERT INTO kb_schema_version VALUES (%d)", n);
    return exec_sql(db, sql, "migrate");
}

store_status storedb_migrate(struct storedb *db, const struct storedb_step *const *steps,
                             int n)
{
    char what[32];
    store_status st;
    int version, i;

    /* IMMEDIATE, and read the version inside the transaction, so two
     * processes opening a fresh file do not both run migration 1. */
    if ((st = exec_sql(db, "BEGIN IMMEDIATE", "migrate")))
        return st;
    if ((st = read_version(db, &version)))
        goto fail;
    if (version > n) {
        st = storedb_fail(db, STORE_ERR_SCHEMA,
                          "schema version %d is newer than this program's (%d)", version, n);
        goto fail;
    }
    for (i = version; i < n; i++) {
        snprintf(what, sizeof what, "migration %d", i + 1);
        if ((st = exec_sql(db, steps[i]->sql, what)))
            goto fail;
    }
    if (version < n && (st = write_version(db, n)))
        goto fail;
    if ((st = exec_sql(db, "COMMIT", "migrate")))
        goto fail;
    return STORE_OK;
fail:
    sdb_exec(db->db, "ROLLBACK");
    return st;
}
