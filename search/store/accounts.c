/* accounts.c -- users, tokens, sessions and sign-in throttling over
 * SQLite.  The tables are accounts_schema.c's; schema.c migrates the
 * whole file on open, so the service database has one version counter.
 * Every statement is prepared once, at open. */
#include "accounts.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schema.h"
#include "storedb.h"

/* Argon2id cost: about 19 MiB and two passes (the minimum OWASP
 * suggests), a few tens of milliseconds here; a sign-in may cost that,
 * a search must not, which is why API calls use hashed tokens. */
#define PW_OPSLIMIT 2
#define PW_MEMLIMIT (19u * 1024 * 1024)

/* The window after which a key's failures are forgotten, and the
 * longest wait. */
#define THROTTLE_FORGET_MS (15 * 60 * 1000LL)
#define THROTTLE_MAX_WAIT 300.0

enum {
    ST_ADD,
    ST_SET_PASSWORD,
    ST_SET_DISABLED,
    ST_END_SESSIONS,
    ST_END_TOKENS,
    ST_LIST,
    ST_TOKEN_ADD,
    ST_PASSWORD_FETCH,
    ST_SESSION_SWEEP,
    ST_SESSION_ADD,
    ST_SESSION_GET,
    ST_SESSION_END,
    ST_TOKEN_GET,
    ST_THROTTLE_GET,
    ST_THROTTLE_COUNT,
    ST_THROTTLE_FORGIVE,
    ST_THROTTLE_CLEAR,
    ST_COUNT
};

static const char *const sql[ST_COUNT] = {
    [ST_ADD] = "INSERT INTO users(name, role, pwhash, created_ms) VALUES (?1, ?2, ?3, ?4)",
    [ST_SET_PASSWORD] = "UPDATE users SET pwhash = ?1 WHERE name = ?2",
    [ST_SET_DISABLED] = "UPDATE users SET disabled = ?1 WHERE name = ?2",
    [ST_END_SESSIONS] =
        "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
    [ST_END_TOKENS] = "DELETE FROM tokens WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
    [ST_LIST] = "SELECT id, name, role, disabled, created_ms FROM users ORDER BY name",
    [ST_TOKEN_ADD] = "INSERT INTO tokens(user_id, hash, created_ms) "
                     "SELECT id, ?1, ?2 FROM users WHERE name = ?3 AND disabled = 0",
    [ST_PASSWORD_FETCH] = "SELECT id, name, role, disabled, pwhash FROM users WHERE name = ?1",
    [ST_SESSION_SWEEP] = "DELETE FROM sessions WHERE expires_ms < ?1",
    [ST_SESSION_ADD] = "INSERT INTO sessions(user_id, hash, csrf, created_ms, expires_ms) "
                       "VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_SESSION_GET] =
        "SELECT u.id, u.name, u.role, u.disabled, s.hash, s.csrf FROM sessions s "
        "JOIN users u ON u.id = s.user_id WHERE s.hash = ?1 AND s.expires_ms > ?2",
    [ST_SESSION_END] = "DELETE FROM sessions WHERE hash = ?1",
    [ST_TOKEN_GET] = "SELECT u.id, u.name, u.role, u.disabled, t.hash FROM tokens t "
                     "JOIN users u ON u.id = t.user_id WHERE t.hash = ?1 AND ?2 >= 0",
    /* In the throttle's transaction: SQLite's BEGIN IMMEDIATE already
     * keeps other writers out; PostgreSQL locks the key's row, so two
     * front ends cannot both pass the check on the last free attempt. */
    [ST_THROTTLE_GET] = "SELECT count, last_ms FROM login_failures WHERE key = ?1"
                        " /*pg: FOR UPDATE*/",
    [ST_THROTTLE_COUNT] =
        "INSERT INTO login_failures(key, count, last_ms) VALUES (?1, 1, ?2) "
        "ON CONFLICT(key) DO UPDATE SET "
        "count = CASE WHEN ?2 - login_failures.last_ms > ?3 THEN 1"
        " ELSE login_failures.count + 1 END, last_ms = ?2",
    [ST_THROTTLE_FORGIVE] =
        "UPDATE login_failures SET count = count - 1 WHERE key = ?1 AND count > 0",
    [ST_THROTTLE_CLEAR] = "DELETE FROM login_failures WHERE key = ?1",
};

struct accounts {
    struct storedb db; /* connection and accounts_errmsg() */
    int ready;         /* opened and prepared */
    struct sdb_stmt *st[ST_COUNT];
    char dummy_hash[crypto_pwhash_STRBYTES]; /* for unknown names */
};

const char *accounts_errmsg(const struct accounts *a)
{
    return a ? a->db.err : "out of memory";
}

static store_status setup(struct accounts *a, const char *path)
{
    store_status st;

    if (sodium_init() < 0)
        return storedb_fail(&a->db, STORE_ERR_SYSTEM, "cannot initialise libsodium");
    if ((st = schema_open(&a->db, path, SDB_OPEN_SERIALIZED)) ||
        (st = storedb_prepare(&a->db, sql, a->st, ST_COUNT)))
        return st;
    if (crypto_pwhash_str(a->dummy_hash, "not a password", 14, PW_OPSLIMIT, PW_MEMLIMIT) != 0)
        return storedb_fail(&a->db, STORE_ERR_NOMEM, "out of memory hashing a password");
    return STORE_OK;
}

store_status accounts_open(const char *path, struct accounts **out)
{
    struct accounts *a = calloc(1, sizeof *a);
    store_status st;

    *out = a;
    if (!a)
        return STORE_ERR_NOMEM;
    if (!path)
        return storedb_fail(&a->db, STORE_ERR_INVALID, "no database path");
    if ((st = setup(a, path))) {
        storedb_prefix(&a->db, path);
        return st;
    }
    a->ready = 1;
    return STORE_OK;
}

void accounts_close(struct accounts *a)
{
    if (!a)
        return;
    storedb_finalize(a->st, ST_COUNT);
    storedb_close(&a->db);
    free(a);
}

/* Every entry point on the database starts here: a handle whose open
 * failed keeps the reason as its message and refuses the call. */
#define READY(a)                                                           \
    do {                                                                   \
        if (!(a)->ready)                                                   \
            return STORE_ERR_INVALID;                                      \
    } while (0)

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

/* Steps a statement that returns no rows to completion, then resets it. */
static store_status run(struct accounts *a, int which, const char *what)
{
    return storedb_run(&a->db, a->st[which], what);
}

static store_status hash_password(struct accounts *a, const char *password,
                                  char hash[crypto_pwhash_STRBYTES])
{
    if (crypto_pwhash_str(hash, password, strlen(password), PW_OPSLIMIT, PW_MEMLIMIT) != 0)
        return storedb_fail(&a->db, STORE_ERR_NOMEM, "out of memory hashing the password");
    return STORE_OK;
}

store_status accounts_add(struct accounts *a, const char *name, enum account_role role,
                          const char *password)
{
    READY(a);
    if (role != ROLE_AGENT && role != ROLE_AUTHOR)
        return storedb_fail(&a->db, STORE_ERR_INVALID, "add user: no role");
    char hash[crypto_pwhash_STRBYTES];
    store_status r = hash_password(a, password, hash);
    if (r)
        return r;
    struct sdb_stmt *st = a->st[ST_ADD];
    sdb_bind_text(st, 1, name);
    sdb_bind_text(st, 2, accounts_role_name(role));
    sdb_bind_text(st, 3, hash);
    sdb_bind_int64(st, 4, ms((double)time(NULL)));
    if (sdb_step(st) != SDB_DONE)
        r = sdb_unique_violation(a->db.db)
                ? STORE_EXISTS
                : storedb_sqlfail(&a->db, "add user");
    storedb_done(st);
    sodium_memzero(hash, sizeof hash);
    return r;
}

/* Deletes the sessions and tokens of user name. */
static store_status end_credentials(struct accounts *a, const char *name)
{
    static const int which[] = {ST_END_SESSIONS, ST_END_TOKENS};
    for (size_t i = 0; i < 2; i++) {
        sdb_bind_text(a->st[which[i]], 1, name);
        store_status r = run(a, which[i], "end sessions");
        if (r)
            return r;
    }
    return STORE_OK;
}

store_status accounts_set_password(struct accounts *a, const char *name, const char *password)
{
    READY(a);
    char hash[crypto_pwhash_STRBYTES];
    store_status r = hash_password(a, password, hash);
    if (r)
        return r;
    if ((r = storedb_begin(&a->db))) {
        sodium_memzero(hash, sizeof hash);
        return r;
    }
    struct sdb_stmt *st = a->st[ST_SET_PASSWORD];
    sdb_bind_text(st, 1, hash);
    sdb_bind_text(st, 2, name);
    r = run(a, ST_SET_PASSWORD, "set password");
    sodium_memzero(hash, sizeof hash);
    int changed = r == STORE_OK && sdb_changes(a->db.db) > 0;
    if (!r && changed)
        r = end_credentials(a, name);
    if (!r)
        r = storedb_commit(&a->db);
    if (r) {
        storedb_rollback(&a->db);
        return r;
    }
    return changed ? STORE_OK : STORE_NOT_FOUND;
}

store_status accounts_set_disabled(struct accounts *a, const char *name, int disabled)
{
    READY(a);
    struct sdb_stmt *st = a->st[ST_SET_DISABLED];
    sdb_bind_int(st, 1, disabled ? 1 : 0);
    sdb_bind_text(st, 2, name);
    store_status r = run(a, ST_SET_DISABLED, "disable user");
    if (r)
        return r;
    if (!sdb_changes(a->db.db))
        return STORE_NOT_FOUND;
    return disabled ? end_credentials(a, name) : STORE_OK;
}

static void fill_account(struct sdb_stmt *st, int col, struct account *u)
{
    memset(u, 0, sizeof *u);
    u->id = sdb_column_int64(st, col);
    const unsigned char *name = sdb_column_text(st, col + 1);
    snprintf(u->name, sizeof u->name, "%s", name ? (const char *)name : "");
    u->role = accounts_role_parse((const char *)sdb_column_text(st, col + 2));
    u->disabled = sdb_column_int(st, col + 3);
}

store_status accounts_list(struct accounts *a,
                           int (*fn)(void *ctx, const struct account *u, double created),
                           void *ctx)
{
    READY(a);
    struct sdb_stmt *st = a->st[ST_LIST];
    store_status r = STORE_OK;
    int rc;
    while ((rc = sdb_step(st)) == SDB_ROW) {
        struct account u;
        fill_account(st, 0, &u);
        if (fn(ctx, &u, (double)sdb_column_int64(st, 4) / 1000.0))
            break;
    }
    if (rc != SDB_ROW && rc != SDB_DONE)
        r = storedb_sqlfail(&a->db, "list users");
    storedb_done(st);
    return r;
}

store_status accounts_token_create(struct accounts *a, const char *name, char *out,
                                   size_t outlen)
{
    READY(a);
    if (outlen < ACCOUNTS_SECRET_SIZE)
        return storedb_fail(&a->db, STORE_ERR_INVALID, "token buffer too small");
    char secret[ACCOUNTS_SECRET_SIZE], hash[65];
    new_secret(secret, sizeof secret);
    secret_hash(secret, hash);
    struct sdb_stmt *st = a->st[ST_TOKEN_ADD];
    sdb_bind_text(st, 1, hash);
    sdb_bind_int64(st, 2, ms((double)time(NULL)));
    sdb_bind_text(st, 3, name);
    store_status r = run(a, ST_TOKEN_ADD, "create token");
    if (!r && !sdb_changes(a->db.db))
        r = STORE_NOT_FOUND;
    if (!r)
        snprintf(out, outlen, "%s", secret);
    sodium_memzero(secret, sizeof secret);
    return r;
}

store_status accounts_password_fetch(struct accounts *a, const char *name, struct account *u,
                                     char hash[ACCOUNTS_HASH_SIZE])
{
    hash[0] = '\0';
    READY(a);
    struct sdb_stmt *st = a->st[ST_PASSWORD_FETCH];
    sdb_bind_text(st, 1, name);
    int rc = sdb_step(st);
    store_status r = STORE_NOT_FOUND;
    if (rc == SDB_ROW) {
        fill_account(st, 0, u);
        const unsigned char *h = sdb_column_text(st, 4);
        snprintf(hash, ACCOUNTS_HASH_SIZE, "%s", h ? (const char *)h : "");
        r = STORE_OK;
    } else if (rc != SDB_DONE) {
        r = storedb_sqlfail(&a->db, "sign in");
    }
    storedb_done(st);
    return r;
}

store_status accounts_password_check(const struct accounts *a, const char *hash,
                                     const char *password)
{
    /* Verify against a dummy hash for unknown names: same cost. */
    int ok = crypto_pwhash_str_verify(hash && *hash ? hash : a->dummy_hash, password,
                                      strlen(password)) == 0;
    return hash && *hash && ok ? STORE_OK : STORE_BAD_PASSWORD;
}

store_status accounts_verify_password(struct accounts *a, const char *name,
                                      const char *password, struct account *u)
{
    char hash[ACCOUNTS_HASH_SIZE];
    store_status r = accounts_password_fetch(a, name, u, hash);
    if (r != STORE_OK && r != STORE_NOT_FOUND)
        return r;
    store_status check = accounts_password_check(a, r == STORE_OK ? hash : NULL, password);
    sodium_memzero(hash, sizeof hash);
    if (r == STORE_NOT_FOUND)
        return STORE_NOT_FOUND;
    if (check != STORE_OK)
        return STORE_BAD_PASSWORD;
    if (u->disabled)
        return STORE_DISABLED;
    return STORE_OK;
}

store_status accounts_session_create(struct accounts *a, struct account *u, double now,
                                     char *sid, size_t sidlen)
{
    READY(a);
    if (sidlen < ACCOUNTS_SECRET_SIZE)
        return storedb_fail(&a->db, STORE_ERR_INVALID, "session buffer too small");
    char secret[ACCOUNTS_SECRET_SIZE], hash[65];
    new_secret(secret, sizeof secret);
    secret_hash(secret, hash);
    new_secret(u->csrf, sizeof u->csrf);
    /* Expired sessions are swept here, not by a timer; a sweep that
     * fails is tried again at the next sign-in. */
    sdb_bind_int64(a->st[ST_SESSION_SWEEP], 1, ms(now));
    sdb_step(a->st[ST_SESSION_SWEEP]);
    storedb_done(a->st[ST_SESSION_SWEEP]);
    struct sdb_stmt *st = a->st[ST_SESSION_ADD];
    sdb_bind_int64(st, 1, u->id);
    sdb_bind_text(st, 2, hash);
    sdb_bind_text(st, 3, u->csrf);
    sdb_bind_int64(st, 4, ms(now));
    sdb_bind_int64(st, 5, ms(now + ACCOUNTS_SESSION_SECONDS));
    store_status r = run(a, ST_SESSION_ADD, "create session");
    if (!r)
        snprintf(sid, sidlen, "%s", secret);
    sodium_memzero(secret, sizeof secret);
    return r;
}

/* Looks a secret up by its hash; the stored hash is compared again in
 * constant time, so the lookup's index use reveals nothing useful. */
static store_status lookup(struct accounts *a, int which, const char *secret, double now,
                           struct account *u, int with_csrf)
{
    READY(a);
    if (!secret || !*secret || strlen(secret) >= ACCOUNTS_SECRET_SIZE)
        return STORE_NOT_FOUND;
    char hash[65];
    secret_hash(secret, hash);
    struct sdb_stmt *st = a->st[which];
    sdb_bind_text(st, 1, hash);
    sdb_bind_int64(st, 2, ms(now));
    int rc = sdb_step(st);
    store_status r = STORE_NOT_FOUND;
    if (rc == SDB_ROW) {
        fill_account(st, 0, u);
        const unsigned char *stored = sdb_column_text(st, 4);
        if (stored && strlen((const char *)stored) == 64 &&
            sodium_memcmp(stored, hash, 64) == 0 && !u->disabled)
            r = STORE_OK;
        if (with_csrf) {
            const unsigned char *c = sdb_column_text(st, 5);
            snprintf(u->csrf, sizeof u->csrf, "%s", c ? (const char *)c : "");
        }
    } else if (rc != SDB_DONE) {
        r = storedb_sqlfail(&a->db, "look up credentials");
    }
    storedb_done(st);
    return r;
}

store_status accounts_session_get(struct accounts *a, const char *sid, double now,
                                  struct account *u)
{
    return lookup(a, ST_SESSION_GET, sid, now, u, 1);
}

store_status accounts_session_end(struct accounts *a, const char *sid)
{
    READY(a);
    if (!sid)
        return STORE_OK;
    char hash[65];
    secret_hash(sid, hash);
    sdb_bind_text(a->st[ST_SESSION_END], 1, hash);
    return run(a, ST_SESSION_END, "end session");
}

store_status accounts_token_get(struct accounts *a, const char *token, double now,
                                struct account *u)
{
    store_status r = lookup(a, ST_TOKEN_GET, token, now, u, 0);
    if (r == STORE_OK)
        u->csrf[0] = '\0';
    return r;
}

/* The seconds key must still wait before another attempt into *wait
 * (0 when it need not). */
static store_status throttle_wait(struct accounts *a, const char *key, int free, double now,
                                  double *wait)
{
    struct sdb_stmt *st = a->st[ST_THROTTLE_GET];
    sdb_bind_text(st, 1, key);
    store_status r = STORE_OK;
    *wait = 0;
    int rc = sdb_step(st);
    if (rc == SDB_ROW) {
        long long count = sdb_column_int64(st, 0);
        long long last = sdb_column_int64(st, 1);
        if (ms(now) - last < THROTTLE_FORGET_MS && count >= free) {
            /* 1, 2, 4, ... seconds after the free attempts, capped. */
            double delay = pow(2.0, (double)(count - free));
            if (delay > THROTTLE_MAX_WAIT)
                delay = THROTTLE_MAX_WAIT;
            *wait = (double)last / 1000.0 + delay - now;
            if (*wait < 0)
                *wait = 0;
        }
    } else if (rc != SDB_DONE) {
        r = storedb_sqlfail(&a->db, "throttle");
    }
    storedb_done(st);
    return r;
}

static store_status throttle_count(struct accounts *a, const char *key, double now)
{
    struct sdb_stmt *st = a->st[ST_THROTTLE_COUNT];
    sdb_bind_text(st, 1, key);
    sdb_bind_int64(st, 2, ms(now));
    sdb_bind_int64(st, 3, THROTTLE_FORGET_MS);
    return run(a, ST_THROTTLE_COUNT, "count a sign-in");
}

store_status accounts_throttle_take(struct accounts *a, const char *const *keys, const int *free,
                                    size_t nkeys, double now, double *wait)
{
    *wait = 0;
    READY(a);
    /* IMMEDIATE: the check and the count are one step for every
     * process that shares the database, not only for this one. */
    store_status r = storedb_begin(&a->db);
    if (r)
        return r;
    for (size_t i = 0; i < nkeys && !r; i++) {
        double w;
        r = throttle_wait(a, keys[i], free[i], now, &w);
        if (!r && w > *wait)
            *wait = w;
    }
    for (size_t i = 0; i < nkeys && !r && *wait == 0; i++)
        r = throttle_count(a, keys[i], now);
    if (!r && *wait == 0)
        r = storedb_commit(&a->db);
    if (r || *wait != 0)
        storedb_rollback(&a->db);
    if (r)
        *wait = 0;
    return r;
}

store_status accounts_throttle_forgive(struct accounts *a, const char *key)
{
    READY(a);
    sdb_bind_text(a->st[ST_THROTTLE_FORGIVE], 1, key);
    return run(a, ST_THROTTLE_FORGIVE, "forgive a sign-in");
}

store_status accounts_throttle_clear(struct accounts *a, const char *key)
{
    READY(a);
    sdb_bind_text(a->st[ST_THROTTLE_CLEAR], 1, key);
    return run(a, ST_THROTTLE_CLEAR, "clear sign-in failures");
}
