/* test_accounts.c -- the accounts store: users, passwords, tokens,
 * sessions, sign-in throttling, on a service database shared with the
 * event log. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "accounts.h"
#include "eventlog.h"
#include "harness.h"
#include "storeval.h"

#define T0 1767225600.0 /* 2026-01-01T00:00:00Z */

struct tmpdir {
    char dir[64];
    char db[128];
};

static int tmpdir_make(struct tmpdir *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/kb-accounts-XXXXXX");
    if (!mkdtemp(t->dir))
        return -1;
    snprintf(t->db, sizeof t->db, "%s/events.db", t->dir);
    return 0;
}

static void tmpdir_remove(struct tmpdir *t)
{
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    char path[160];
    size_t i;

    for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        snprintf(path, sizeof path, "%s%s", t->db, sfx[i]);
        unlink(path);
    }
    rmdir(t->dir);
}

static long long sql_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    long long v = -1;

    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return v;
}

static int count_user(void *ctx, const struct account *u, double created)
{
    (void)u;
    (void)created;
    ++*(int *)ctx;
    return 0;
}

static void test_accounts(struct harness *h)
{
    static const char *const keys[] = {"addr:192.0.2.1"};
    static const int free_attempts[] = {1};
    struct tmpdir t;
    struct accounts *a = NULL;
    struct eventlog *el = NULL;
    struct account u;
    char hash[ACCOUNTS_HASH_SIZE], sid[ACCOUNTS_SECRET_SIZE];
    char tok[ACCOUNTS_SECRET_SIZE], sql[64];
    double wait = -1;
    int users = 0;
    sqlite3 *db;

    CHECK_INT_EQ(h, tmpdir_make(&t), 0);
    /* Opened by the accounts first: the event tables come too, under
     * the one version counter, and the event log opens it as it is. */
    CHECK_INT_EQ(h, accounts_open(t.db, &a), STORE_OK);
    CHECK_INT_EQ(h, sql_int(t.db, "PRAGMA user_version"),
                 eventlog_schema_version());
    CHECK_INT_EQ(h, sql_int(t.db, "SELECT count(*) FROM sqlite_schema WHERE "
                                  "name = 'events'"), 1);
    CHECK_INT_EQ(h, eventlog_open(t.db, &el), STORE_OK);
    eventlog_close(el);

    CHECK_INT_EQ(h, accounts_add(a, "ann", ROLE_AGENT, "pw-one"), STORE_OK);
    CHECK_INT_EQ(h, accounts_add(a, "ann", ROLE_AUTHOR, "pw-two"), STORE_EXISTS);
    CHECK_INT_EQ(h, accounts_add(a, "bob", ROLE_NONE, "pw"), STORE_ERR_INVALID);
    CHECK_INT_EQ(h, accounts_list(a, count_user, &users), STORE_OK);
    CHECK_INT_EQ(h, users, 1);
    CHECK_INT_EQ(h, accounts_verify_password(a, "ann", "pw-one", &u), STORE_OK);
    CHECK_STR_EQ(h, u.name, "ann");
    CHECK_INT_EQ(h, u.role, ROLE_AGENT);
    CHECK_INT_EQ(h, accounts_verify_password(a, "ann", "nope", &u),
                 STORE_BAD_PASSWORD);
    CHECK_INT_EQ(h, accounts_verify_password(a, "nobody", "pw", &u),
                 STORE_NOT_FOUND);
    CHECK_INT_EQ(h, accounts_password_fetch(a, "ann", &u, hash), STORE_OK);
    CHECK_INT_EQ(h, accounts_password_check(a, hash, "pw-one"), STORE_OK);
    CHECK_INT_EQ(h, accounts_password_check(a, hash, "pw-two"),
                 STORE_BAD_PASSWORD);
    CHECK_INT_EQ(h, accounts_password_check(a, NULL, "pw-one"),
                 STORE_BAD_PASSWORD);
    CHECK_INT_EQ(h, accounts_password_fetch(a, "nobody", &u, hash),
                 STORE_NOT_FOUND);
    CHECK_STR_EQ(h, hash, "");

    CHECK_INT_EQ(h, accounts_verify_password(a, "ann", "pw-one", &u), STORE_OK);
    CHECK_INT_EQ(h, accounts_session_create(a, &u, T0, sid, sizeof sid),
                 STORE_OK);
    CHECK_INT_EQ(h, accounts_session_get(a, sid, T0 + 1, &u), STORE_OK);
    CHECK(h, u.csrf[0] != '\0');
    CHECK_INT_EQ(h, accounts_session_get(a, sid,
                                         T0 + ACCOUNTS_SESSION_SECONDS + 1, &u),
                 STORE_NOT_FOUND);
    CHECK_INT_EQ(h, accounts_session_get(a, "not-a-session", T0, &u),
                 STORE_NOT_FOUND);
    CHECK_INT_EQ(h, accounts_session_create(a, &u, T0, sid, 5),
                 STORE_ERR_INVALID);
    CHECK_CONTAINS(h, accounts_errmsg(a), "buffer");
    CHECK_INT_EQ(h, accounts_token_create(a, "ann", tok, sizeof tok), STORE_OK);
    CHECK_INT_EQ(h, accounts_token_get(a, tok, T0, &u), STORE_OK);
    CHECK_STR_EQ(h, u.csrf, "");
    CHECK_INT_EQ(h, accounts_token_create(a, "nobody", sql, sizeof sql),
                 STORE_NOT_FOUND);

    /* Disabling ends the sessions and revokes the tokens. */
    CHECK_INT_EQ(h, accounts_session_create(a, &u, T0, sid, sizeof sid),
                 STORE_OK);
    CHECK_INT_EQ(h, accounts_set_disabled(a, "ann", 1), STORE_OK);
    CHECK_INT_EQ(h, accounts_session_get(a, sid, T0 + 1, &u), STORE_NOT_FOUND);
    CHECK_INT_EQ(h, accounts_token_get(a, tok, T0, &u), STORE_NOT_FOUND);
    CHECK_INT_EQ(h, accounts_verify_password(a, "ann", "pw-one", &u),
                 STORE_DISABLED);
    CHECK_INT_EQ(h, accounts_set_disabled(a, "nobody", 1), STORE_NOT_FOUND);
    CHECK_INT_EQ(h, accounts_set_password(a, "nobody", "x"), STORE_NOT_FOUND);
    CHECK_INT_EQ(h, accounts_set_disabled(a, "ann", 0), STORE_OK);
    CHECK_INT_EQ(h, accounts_set_password(a, "ann", "pw-new"), STORE_OK);
    CHECK_INT_EQ(h, accounts_verify_password(a, "ann", "pw-new", &u), STORE_OK);
    CHECK_INT_EQ(h, accounts_session_end(a, sid), STORE_OK);

    /* Throttling: one free failure, then a wait; clearing forgives. */
    CHECK_INT_EQ(h, accounts_throttle_take(a, keys, free_attempts, 1, T0, &wait),
                 STORE_OK);
    CHECK(h, wait == 0);
    CHECK_INT_EQ(h, accounts_throttle_take(a, keys, free_attempts, 1, T0, &wait),
                 STORE_OK);
    CHECK(h, wait > 0);
    CHECK_INT_EQ(h, accounts_throttle_forgive(a, keys[0]), STORE_OK);
    CHECK_INT_EQ(h, accounts_throttle_clear(a, keys[0]), STORE_OK);
    CHECK_INT_EQ(h, accounts_throttle_take(a, keys, free_attempts, 1, T0, &wait),
                 STORE_OK);
    CHECK(h, wait == 0);
    accounts_close(a);
    accounts_close(NULL);
    CHECK_STR_EQ(h, accounts_errmsg(NULL), "out of memory");

    /* A file from a newer program: the reason is on the handle. */
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
             eventlog_schema_version() + 1);
    CHECK_INT_EQ(h, sqlite3_open(t.db, &db), SQLITE_OK);
    CHECK_INT_EQ(h, sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    CHECK_INT_EQ(h, accounts_open(t.db, &a), STORE_ERR_SCHEMA);
    CHECK_CONTAINS(h, accounts_errmsg(a), "newer than this program");
    CHECK_INT_EQ(h, accounts_add(a, "carl", ROLE_AGENT, "pw"), STORE_ERR_INVALID);
    CHECK_INT_EQ(h, accounts_password_check(a, hash, "pw"), STORE_BAD_PASSWORD);
    accounts_close(a);
    tmpdir_remove(&t);
}

int main(void)
{
    struct harness h = {0, 0};

    test_accounts(&h);
    TEST_MAIN_END(&h);
}
