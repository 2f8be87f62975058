/* accounts.c -- users, tokens, sessions and sign-in throttling over
 * SQLite.  The schema is created by eventlog.c's migrations, so that
 * the service database has one version counter. */
#include "accounts.h"

#include "eventlog.h"

#include <math.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Argon2id cost: about 19 MiB and two passes (the minimum OWASP
 * suggests), a few tens of milliseconds here; a sign-in may cost that,
 * a search must not, which is why API calls use hashed tokens. */
#define PW_OPSLIMIT 2
#define PW_MEMLIMIT (19u * 1024 * 1024)

/* The window after which a key's failures are forgotten, and the
 * longest wait. */
#define THROTTLE_FORGET_MS (15 * 60 * 1000LL)
#define THROTTLE_MAX_WAIT 300.0

struct accounts {
    sqlite3 *db;
    char err[256];
    char dummy_hash[crypto_pwhash_STRBYTES]; /* for unknown names */
};

static int fail(struct accounts *a, const char *what)
{
    snprintf(a->err, sizeof a->err, "%s: %s", what, sqlite3_errmsg(a->db));
    return -1;
}

const char *accounts_errmsg(const struct accounts *a)
{
    return a ? a->err : "out of memory";
}

int accounts_open(const char *path, struct accounts **out, char *err, size_t errlen)
{
    *out = NULL;
    struct eventlog *el;
    if (eventlog_open(path, &el) != STORE_OK) {
        snprintf(err, errlen, "%s", eventlog_errmsg(el));
        eventlog_close(el);
        return -1;
    }
    eventlog_close(el);
    if (sodium_init() < 0) {
        snprintf(err, errlen, "cannot initialise libsodium");
        return -1;
    }
    struct accounts *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (sqlite3_open_v2(path, &a->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, a->db ? sqlite3_errmsg(a->db) : "cannot open");
        sqlite3_close(a->db);
        free(a);
        return -1;
    }
    sqlite3_busy_timeout(a->db, STORE_BUSY_MS);
    sqlite3_exec(a->db, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL", NULL, NULL, NULL);
    if (crypto_pwhash_str(a->dummy_hash, "not a password", 14, PW_OPSLIMIT, PW_MEMLIMIT) != 0) {
        snprintf(err, errlen, "out of memory hashing a password");
        accounts_close(a);
        return -1;
    }
    *out = a;
    return 0;
}

void accounts_close(struct accounts *a)
{
    if (!a)
        return;
    sqlite3_close(a->db);
    free(a);
}

enum account_role accounts_role_parse(const char *s)
{
    if (s && strcmp(s, "agent") == 0)
        return ROLE_AGENT;
    if (s && strcmp(s, "author") == 0)
        return ROLE_AUTHOR;
    return ROLE_NONE;
}

const char *accounts_role_name(enum account_role r)
{
    return r == ROLE_AUTHOR ? "author" : r == ROLE_AGENT ? "agent" : "none";
}

int accounts_name_ok(const char *name)
{
    size_t n = 0;
    if (!name)
        return 0;
    for (; name[n]; n++) {
        char c = name[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '@' || c == '-'))
            return 0;
    }
    return n >= 1 && n <= 64;
}

static long long ms(double t)
{
    return (long long)llround(t * 1000.0);
}

/* BLAKE2b-256 of a secret, hex: what the tables store. */
static void secret_hash(const char *secret, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)secret, strlen(secret), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

static void new_secret(char *out, size_t outlen)
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, outlen, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static sqlite3_stmt *prep(struct accounts *a, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fail(a, "prepare");
        return NULL;
    }
    return st;
}

int accounts_add(struct accounts *a, const char *name, enum account_role role,
                 const char *password)
{
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, password, strlen(password), PW_OPSLIMIT, PW_MEMLIMIT) != 0) {
        snprintf(a->err, sizeof a->err, "out of memory hashing the password");
        return -1;
    }
    sqlite3_stmt *st = prep(a, "INSERT INTO users(name, role, pwhash, created_ms) "
                               "VALUES (?1, ?2, ?3, ?4)");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, accounts_role_name(role), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, ms((double)time(NULL)));
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    sodium_memzero(hash, sizeof hash);
    if (rc == SQLITE_CONSTRAINT)
        return ACCOUNTS_EXISTS;
    if (rc != SQLITE_DONE)
        return fail(a, "add user");
    return 0;
}

/* Deletes the sessions and tokens of user name. */
static int end_credentials(struct accounts *a, const char *name)
{
    static const char *const sql[] = {
        "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
        "DELETE FROM tokens WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
    };
    for (size_t i = 0; i < 2; i++) {
        sqlite3_stmt *st = prep(a, sql[i]);
        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return fail(a, "end sessions");
    }
    return 0;
}

int accounts_set_password(struct accounts *a, const char *name, const char *password)
{
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, password, strlen(password), PW_OPSLIMIT, PW_MEMLIMIT) != 0) {
        snprintf(a->err, sizeof a->err, "out of memory hashing the password");
        return -1;
    }
    if (sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(a, "set password");
    sqlite3_stmt *st = prep(a, "UPDATE users SET pwhash = ?1 WHERE name = ?2");
    int rc = SQLITE_ERROR, changed = 0;
    if (st) {
        sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        changed = sqlite3_changes(a->db);
    }
    sodium_memzero(hash, sizeof hash);
    if (rc != SQLITE_DONE || (changed && end_credentials(a, name) != 0)) {
        if (rc != SQLITE_DONE)
            fail(a, "set password");
        sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if (sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fail(a, "set password");
        sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return changed ? 0 : ACCOUNTS_NOT_FOUND;
}

int accounts_set_disabled(struct accounts *a, const char *name, int disabled)
{
    sqlite3_stmt *st = prep(a, "UPDATE users SET disabled = ?1 WHERE name = ?2");
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, disabled ? 1 : 0);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(a, "disable user");
    if (!sqlite3_changes(a->db))
        return ACCOUNTS_NOT_FOUND;
    return disabled ? end_credentials(a, name) : 0;
}

static void fill_account(sqlite3_stmt *st, int col, struct account *u)
{
    memset(u, 0, sizeof *u);
    u->id = sqlite3_column_int64(st, col);
    const unsigned char *name = sqlite3_column_text(st, col + 1);
    snprintf(u->name, sizeof u->name, "%s", name ? (const char *)name : "");
    u->role = accounts_role_parse((const char *)sqlite3_column_text(st, col + 2));
    u->disabled = sqlite3_column_int(st, col + 3);
}

int accounts_list(struct accounts *a,
                  int (*fn)(void *ctx, const struct account *u, double created), void *ctx)
{
    sqlite3_stmt *st = prep(a, "SELECT id, name, role, disabled, created_ms FROM users "
                               "ORDER BY name");
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct account u;
        fill_account(st, 0, &u);
        if (fn(ctx, &u, (double)sqlite3_column_int64(st, 4) / 1000.0))
            break;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(a, "list users");
}

int accounts_token_create(struct accounts *a, const char *name, char *out, size_t outlen)
{
    if (outlen < ACCOUNTS_SECRET_SIZE) {
        snprintf(a->err, sizeof a->err, "token buffer too small");
        return -1;
    }
    char secret[ACCOUNTS_SECRET_SIZE], hash[65];
    new_secret(secret, sizeof secret);
    secret_hash(secret, hash);
    sqlite3_stmt *st = prep(a, "INSERT INTO tokens(user_id, hash, created_ms) "
                               "SELECT id, ?1, ?2 FROM users WHERE name = ?3 AND disabled = 0");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ms((double)time(NULL)));
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(a, "create token");
    if (!sqlite3_changes(a->db))
        return ACCOUNTS_NOT_FOUND;
    snprintf(out, outlen, "%s", secret);
    sodium_memzero(secret, sizeof secret);
    return 0;
}

int accounts_password_fetch(struct accounts *a, const char *name, struct account *u,
                            char hash[ACCOUNTS_HASH_SIZE])
{
    hash[0] = '\0';
    sqlite3_stmt *st = prep(a, "SELECT id, name, role, disabled, pwhash FROM users "
                               "WHERE name = ?1");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        fill_account(st, 0, u);
        const unsigned char *h = sqlite3_column_text(st, 4);
        snprintf(hash, ACCOUNTS_HASH_SIZE, "%s", h ? (const char *)h : "");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail(a, "sign in");
    return rc == SQLITE_ROW ? 0 : ACCOUNTS_NOT_FOUND;
}

int accounts_password_check(const struct accounts *a, const char *hash, const char *password)
{
    /* Verify against a dummy hash for unknown names: same cost. */
    int ok = crypto_pwhash_str_verify(hash && *hash ? hash : a->dummy_hash, password,
                                      strlen(password)) == 0;
    return hash && *hash && ok;
}

int accounts_verify_password(struct accounts *a, const char *name, const char *password,
                             struct account *u)
{
    char hash[ACCOUNTS_HASH_SIZE];
    int rc = accounts_password_fetch(a, name, u, hash);
    if (rc < 0)
        return rc;
    int ok = accounts_password_check(a, rc == 0 ? hash : NULL, password);
    sodium_memzero(hash, sizeof hash);
    if (rc == ACCOUNTS_NOT_FOUND)
        return ACCOUNTS_NOT_FOUND;
    if (!ok)
        return ACCOUNTS_BAD_PASSWORD;
    if (u->disabled)
        return ACCOUNTS_DISABLED;
    return 0;
}

int accounts_session_create(struct accounts *a, struct account *u, double now, char *sid,
                            size_t sidlen)
{
    char secret[ACCOUNTS_SECRET_SIZE], hash[65];
    if (sidlen < ACCOUNTS_SECRET_SIZE) {
        snprintf(a->err, sizeof a->err, "session buffer too small");
        return -1;
    }
    new_secret(secret, sizeof secret);
    secret_hash(secret, hash);
    new_secret(u->csrf, sizeof u->csrf);
    /* Expired sessions are swept here, not by a timer. */
    sqlite3_stmt *st = prep(a, "DELETE FROM sessions WHERE expires_ms < ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, ms(now));
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    st = prep(a, "INSERT INTO sessions(user_id, hash, csrf, created_ms, expires_ms) "
                 "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, u->id);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, u->csrf, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, ms(now));
    sqlite3_bind_int64(st, 5, ms(now + ACCOUNTS_SESSION_SECONDS));
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(a, "create session");
    snprintf(sid, sidlen, "%s", secret);
    sodium_memzero(secret, sizeof secret);
    return 0;
}

/* Looks a secret up by its hash; the stored hash is compared again in
 * constant time, so the lookup's index use reveals nothing useful. */
static int lookup(struct accounts *a, const char *sql, const char *secret, double now,
                  struct account *u, int with_csrf)
{
    if (!secret || !*secret || strlen(secret) >= ACCOUNTS_SECRET_SIZE)
        return ACCOUNTS_NOT_FOUND;
    char hash[65];
    secret_hash(secret, hash);
    sqlite3_stmt *st = prep(a, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ms(now));
    int rc = sqlite3_step(st);
    int result = ACCOUNTS_NOT_FOUND;
    if (rc == SQLITE_ROW) {
        fill_account(st, 0, u);
        const unsigned char *stored = sqlite3_column_text(st, 4);
        if (stored && strlen((const char *)stored) == 64 &&
            sodium_memcmp(stored, hash, 64) == 0 && !u->disabled)
            result = 0;
        if (with_csrf) {
            const unsigned char *c = sqlite3_column_text(st, 5);
            snprintf(u->csrf, sizeof u->csrf, "%s", c ? (const char *)c : "");
        }
    } else if (rc != SQLITE_DONE) {
        result = fail(a, "look up credentials");
    }
    sqlite3_finalize(st);
    return result;
}

int accounts_session_get(struct accounts *a, const char *sid, double now, struct account *u)
{
    return lookup(a,
                  "SELECT u.id, u.name, u.role, u.disabled, s.hash, s.csrf FROM sessions s "
                  "JOIN users u ON u.id = s.user_id WHERE s.hash = ?1 AND s.expires_ms > ?2",
                  sid, now, u, 1);
}

int accounts_session_end(struct accounts *a, const char *sid)
{
    char hash[65];
    secret_hash(sid, hash);
    sqlite3_stmt *st = prep(a, "DELETE FROM sessions WHERE hash = ?1");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(a, "end session");
}

int accounts_token_get(struct accounts *a, const char *token, double now, struct account *u)
{
    int rc = lookup(a,
                    "SELECT u.id, u.name, u.role, u.disabled, t.hash FROM tokens t "
                    "JOIN users u ON u.id = t.user_id WHERE t.hash = ?1 AND ?2 >= 0",
                    token, now, u, 0);
    if (rc == 0)
        u->csrf[0] = '\0';
    return rc;
}

/* Seconds key must still wait before another attempt, 0 when it need
 * not, -1 on a database error. */
static double throttle_wait(struct accounts *a, const char *key, int free, double now)
{
    sqlite3_stmt *st = prep(a, "SELECT count, last_ms FROM login_failures WHERE key = ?1");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    double wait = 0;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        long long count = sqlite3_column_int64(st, 0);
        long long last = sqlite3_column_int64(st, 1);
        if (ms(now) - last < THROTTLE_FORGET_MS && count >= free) {
            /* 1, 2, 4, ... seconds after the free attempts, capped. */
            double delay = pow(2.0, (double)(count - free));
            if (delay > THROTTLE_MAX_WAIT)
                delay = THROTTLE_MAX_WAIT;
            wait = (double)last / 1000.0 + delay - now;
            if (wait < 0)
                wait = 0;
        }
    } else if (rc != SQLITE_DONE) {
        wait = -1;
    }
    sqlite3_finalize(st);
    return wait;
}

static int throttle_count(struct accounts *a, const char *key, double now)
{
    sqlite3_stmt *st = prep(a, "INSERT INTO login_failures(key, count, last_ms) VALUES (?1, 1, ?2) "
                               "ON CONFLICT(key) DO UPDATE SET "
                               "count = CASE WHEN ?2 - last_ms > ?3 THEN 1 ELSE count + 1 END, "
                               "last_ms = ?2");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ms(now));
    sqlite3_bind_int64(st, 3, THROTTLE_FORGET_MS);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(a, "count a sign-in");
}

double accounts_throttle_take(struct accounts *a, const char *const *keys, const int *free,
                              size_t nkeys, double now)
{
    /* IMMEDIATE: the check and the count are one step for every
     * process that shares the database, not only for this one. */
    if (sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        fail(a, "throttle");
        return -1;
    }
    double wait = 0;
    for (size_t i = 0; i < nkeys && wait >= 0; i++) {
        double w = throttle_wait(a, keys[i], free[i], now);
        if (w < 0 || w > wait)
            wait = w;
    }
    for (size_t i = 0; i < nkeys && wait == 0; i++)
        if (throttle_count(a, keys[i], now) != 0)
            wait = -1;
    if (wait == 0 && sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fail(a, "throttle");
        wait = -1;
    }
    if (wait != 0)
        sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
    return wait;
}

void accounts_throttle_forgive(struct accounts *a, const char *key)
{
    sqlite3_stmt *st = prep(a, "UPDATE login_failures SET count = count - 1 "
                               "WHERE key = ?1 AND count > 0");
    if (!st)
        return;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

void accounts_throttle_clear(struct accounts *a, const char *key)
{
    sqlite3_stmt *st = prep(a, "DELETE FROM login_failures WHERE key = ?1");
    if (!st)
        return;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_finalize(st);
}
