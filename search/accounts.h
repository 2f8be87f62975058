/* accounts.h -- agents and authors: passwords, API tokens, sessions,
 * and throttling of failed sign-ins, stored in the service database
 * (tables of eventlog.c's migration 3).
 *
 * Secrets never touch the disk in the clear: passwords are stored as
 * crypto_pwhash strings (Argon2id), tokens and session ids as BLAKE2b
 * hashes, and every comparison of a secret is constant-time.
 *
 * Threads: one handle per thread, or a mutex around a shared one.
 * Status: 0 success, -1 error (accounts_errmsg), and the positive
 * ACCOUNTS_* results where stated. */
#ifndef KB_ACCOUNTS_H
#define KB_ACCOUNTS_H

#include <stddef.h>

struct accounts;

enum {
    ACCOUNTS_NOT_FOUND = 1, /* no such user, token or session */
    ACCOUNTS_DISABLED = 2,  /* the account exists but is disabled */
    ACCOUNTS_BAD_PASSWORD = 3,
    ACCOUNTS_EXISTS = 4
};

enum account_role { ROLE_NONE = 0, ROLE_AGENT = 1, ROLE_AUTHOR = 2 };

struct account {
    long long id;
    char name[65];
    enum account_role role;
    int disabled;
    char csrf[48]; /* the session's CSRF token; "" for API tokens */
};

/* Session lifetime, and the token sizes (base64url, no padding). */
#define ACCOUNTS_SESSION_SECONDS (12 * 3600)
#define ACCOUNTS_SECRET_SIZE 48

/* Opens the database at path (migrating it first).  0, or -1 with err. */
int accounts_open(const char *path, struct accounts **out, char *err, size_t errlen);
void accounts_close(struct accounts *a);
const char *accounts_errmsg(const struct accounts *a);

/* "agent"/"author" <-> enum; ROLE_NONE for anything else. */
enum account_role accounts_role_parse(const char *s);
const char *accounts_role_name(enum account_role r);

/* 1 when name is 1-64 of [a-z A-Z 0-9 . _ @ -]. */
int accounts_name_ok(const char *name);

/* Adds a user with a password (hashed here).  ACCOUNTS_EXISTS if the
 * name is taken. */
int accounts_add(struct accounts *a, const char *name, enum account_role role,
                 const char *password);
/* Sets a new password. */
int accounts_set_password(struct accounts *a, const char *name, const char *password);
/* Disables (1) or enables (0) a user; disabling also ends its sessions
 * and revokes its tokens.  ACCOUNTS_NOT_FOUND. */
int accounts_set_disabled(struct accounts *a, const char *name, int disabled);
/* Calls fn for each user, by name. */
int accounts_list(struct accounts *a,
                  int (*fn)(void *ctx, const struct account *u, double created), void *ctx);
/* Creates an API token for name: the token (base64url) is written into
 * out (ACCOUNTS_SECRET_SIZE bytes); only its hash is stored. */
int accounts_token_create(struct accounts *a, const char *name, char *out, size_t outlen);

/* Checks a password.  0 with *u filled; ACCOUNTS_NOT_FOUND,
 * ACCOUNTS_DISABLED or ACCOUNTS_BAD_PASSWORD.  Unknown names cost the
 * same time as wrong passwords, so names cannot be probed by timing. */
int accounts_verify_password(struct accounts *a, const char *name, const char *password,
                             struct account *u);

/* Starts a session for user id: the cookie value goes into sid, the
 * CSRF token into u->csrf. */
int accounts_session_create(struct accounts *a, struct account *u, double now, char *sid,
                            size_t sidlen);
/* Resolves a session cookie: 0 with *u (and its csrf), or
 * ACCOUNTS_NOT_FOUND when unknown, expired or the user is disabled. */
int accounts_session_get(struct accounts *a, const char *sid, double now, struct account *u);
int accounts_session_end(struct accounts *a, const char *sid);
/* Resolves an API token like accounts_session_get. */
int accounts_token_get(struct accounts *a, const char *token, double now, struct account *u);

/* Throttling of failed sign-ins per key ("user:x", "addr:y"): seconds
 * the key must still wait (0: go ahead). */
double accounts_throttle_wait(struct accounts *a, const char *key, double now);
void accounts_throttle_fail(struct accounts *a, const char *key, double now);
void accounts_throttle_clear(struct accounts *a, const char *key);

#endif
