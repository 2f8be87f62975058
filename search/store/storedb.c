/* storedb.c -- the connection, its message, statements, transactions
 * and the migration runner. */
#include "storedb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storeval.h"

static store_status status_of(int rc)
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
    return storedb_fail(db, status_of(sqlite3_extended_errcode(db->db)), "%s: %s", what,
                        sqlite3_errmsg(db->db));
}

void storedb_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

store_status storedb_run(struct storedb *db, sqlite3_stmt *st, const char *what)
{
    store_status r;
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    if (rc != SQLITE_DONE) {
        r = storedb_sqlfail(db, what);
        storedb_done(st);
        return r;
    }
    storedb_done(st);
    return STORE_OK;
}

store_status storedb_bind_text(struct storedb *db, sqlite3_stmt *st, int idx, const char *s)
{
    size_t n;
    int rc;

    if (!s) {
        rc = sqlite3_bind_null(st, idx);
    } else {
        n = strlen(s);
        if (storeval_utf8_valid(s, n)) {
            rc = sqlite3_bind_text64(st, idx, s, n, SQLITE_STATIC, SQLITE_UTF8);
        } else {
            char *c = storeval_utf8_clean(s);

            if (!c)
                return storedb_fail(db, STORE_ERR_NOMEM, "out of memory");
            /* SQLite calls free() even when the bind fails. */
            rc = sqlite3_bind_text64(st, idx, c, strlen(c), free, SQLITE_UTF8);
        }
    }
    if (rc != SQLITE_OK)
        return storedb_sqlfail(db, "bind");
    return STORE_OK;
}

store_status storedb_prepare(struct storedb *db, const char *const *sql, sqlite3_stmt **st,
                             size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (sqlite3_prepare_v3(db->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st[i], NULL) !=
            SQLITE_OK)
            return storedb_sqlfail(db, "prepare");
    return STORE_OK;
}

void storedb_finalize(sqlite3_stmt **st, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        sqlite3_finalize(st[i]);
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
    if (!sqlite3_get_autocommit(db->db)) {
        sqlite3_step(db->rollback);
        storedb_done(db->rollback);
    }
}

static store_status exec_sql(struct storedb *db, const char *sql, const char *what)
{
    char *msg = NULL;
    store_status st;
    int rc;

    /* Only constant SQL without data comes through here. */
    rc = sqlite3_exec(db->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        st = storedb_fail(db, status_of(rc), "%s: %s", what,
                          msg ? msg : sqlite3_errmsg(db->db));
        sqlite3_free(msg);
        return st;
    }
    return STORE_OK;
}

static store_status pragma_text(struct storedb *db, const char *sql, char *buf, size_t len)
{
    sqlite3_stmt *st;
    const unsigned char *t;
    store_status r = STORE_OK;
    int rc;

    if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK)
        return storedb_fail(db, status_of(sqlite3_errcode(db->db)), "%s",
                            sqlite3_errmsg(db->db));
    rc = sqlite3_step(st);
    t = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    snprintf(buf, len, "%s", t ? (const char *)t : "");
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        r = storedb_fail(db, status_of(rc), "%s", sqlite3_errmsg(db->db));
    sqlite3_finalize(st);
    return r;
}

store_status storedb_open(struct storedb *db, const char *path, int flags)
{
    static const char *const txn_sql[] = {"BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"};
    sqlite3_stmt *txn[3] = {NULL, NULL, NULL};
    char mode[16];
    store_status st;
    int rc;

    db->err[0] = '\0';
    rc = sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | flags,
                         NULL);
    if (rc != SQLITE_OK)
        return storedb_fail(db, db->db ? status_of(rc) : STORE_ERR_NOMEM, "%s",
                            db->db ? sqlite3_errmsg(db->db) : "out of memory");
    sqlite3_extended_result_codes(db->db, 1);
    sqlite3_busy_timeout(db->db, STORE_BUSY_MS);
    if ((st = pragma_text(db, "PRAGMA journal_mode=WAL", mode, sizeof mode)))
        return st;
    if (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)
        return storedb_fail(db, STORE_ERR_SCHEMA, "cannot use WAL (journal_mode is %s)", mode);
    /* In WAL mode synchronous=NORMAL already survives kill -9: a commit
     * sits in the WAL in the OS page cache.  It does not survive power
     * loss or a kernel panic, which may roll back the last commits.
     * FULL fsyncs the WAL at every commit, so an event acknowledged to
     * the browser is on stable storage.  That is one fsync per commit;
     * eventlog_record_many() amortises it when a caller can batch. */
    if ((st = exec_sql(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", "open")))
        return st;
    st = storedb_prepare(db, txn_sql, txn, 3);
    db->begin = txn[0];
    db->commit = txn[1];
    db->rollback = txn[2];
    return st;
}

void storedb_close(struct storedb *db)
{
    sqlite3_stmt *txn[3] = {db->begin, db->commit, db->rollback};

    storedb_finalize(txn, 3);
    db->begin = db->commit = db->rollback = NULL;
    sqlite3_close(db->db);
    db->db = NULL;
}

store_status storedb_migrate(struct storedb *db, const struct storedb_step *const *steps,
                             int n)
{
    char buf[32], sql[64], what[32];
    store_status st;
    int version, i;

    /* IMMEDIATE, and read the version inside the transaction, so two
     * processes opening a fresh file do not both run migration 1. */
    if ((st = exec_sql(db, "BEGIN IMMEDIATE", "migrate")))
        return st;
    if ((st = pragma_text(db, "PRAGMA user_version", buf, sizeof buf)))
        goto fail;
    version = atoi(buf);
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
    if (version < n) {
        /* PRAGMA takes no parameters; the value is our own integer. */
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", n);
        if ((st = exec_sql(db, sql, "migrate")))
            goto fail;
    }
    if ((st = exec_sql(db, "COMMIT", "migrate")))
        goto fail;
    return STORE_OK;
fail:
    sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}
