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
/* Sets a new password, and ends the account's sessions and revokes
 * its API tokens (whoever knew the old password may hold one). */
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
 * same time as wrong passwords, so names cannot be probed by timing.
 * Runs the Argon2 check (tens of milliseconds) on the caller's thread:
 * a service holding a lock around the handle uses the two halves below
 * instead, so no other request waits on a password check. */
int accounts_verify_password(struct accounts *a, const char *name, const char *password,
                             struct account *u);

/* The first half, quick (a lookup): fills *u and the stored hash
 * (crypto_pwhash_STRBYTES bytes) for name.  0, ACCOUNTS_NOT_FOUND, or
 * -1 on a database error. */
#define ACCOUNTS_HASH_SIZE 128
int accounts_password_fetch(struct accounts *a, const char *name, struct account *u,
                            char hash[ACCOUNTS_HASH_SIZE]);
/* The second half, slow and touching no shared state but the handle's
 * read-only dummy hash (so it needs no lock): 1 when password matches
 * hash; hash NULL (an unknown name) costs the same and answers 0. */
int accounts_password_check(const struct accounts *a, const char *hash, const char *password);

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

/* Throttling of sign-ins.  Each attempt is counted against keys
 * (kb-serve uses one for the client address and one for the pair of
 * address and account name, never the account alone, so nobody can
 * lock a user out from another address); key i allows free[i] failures
 * in 15 minutes, then waits of 1, 2, 4 ... seconds (at most 300).
 *
 * accounts_throttle_take checks every key and, when none must wait,
 * counts the attempt as a failure against all of them, in one
 * transaction: concurrent attempts cannot slip past the check.
 * Returns 0 (go ahead), or the seconds to wait (nothing counted), or
 * -1 on a database error (nothing counted, the caller refuses).
 * After a successful sign-in the caller forgives the attempt:
 * accounts_throttle_clear for the pair, accounts_throttle_forgive (one
 * failure less) for the address. */
double accounts_throttle_take(struct accounts *a, const char *const *keys, const int *free,
                              size_t nkeys, double now);
void accounts_throttle_clear(struct accounts *a, const char *key);
void accounts_throttle_forgive(struct accounts *a, const char *key);

#endif
