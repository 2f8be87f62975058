/* accounts.h -- agents and authors: passwords, API tokens, sessions,
 * and throttling of failed sign-ins, stored in the service database
 * (tables and migration in accounts_schema.c).
 *
 * Secrets never touch the disk in the clear: passwords are stored as
 * crypto_pwhash strings (Argon2id), tokens and session ids as BLAKE2b
 * hashes, and every comparison of a secret is constant-time.
 *
 * Threads: one handle per thread, or a mutex around a shared one
 * (except accounts_password_check, which needs no lock).
 *
 * Status: every function that can fail returns a store_status
 * (store.h): STORE_OK, the answers stated per function (STORE_NOT_FOUND,
 * STORE_EXISTS, STORE_DISABLED, STORE_BAD_PASSWORD), or a failure
 * (STORE_BUSY, STORE_ERR_*) with the reason in accounts_errmsg().
 * Strings passed in are the caller's; nothing keeps them. */
#ifndef KB_ACCOUNTS_H
#define KB_ACCOUNTS_H

#include <stddef.h>

#include "store.h"

struct accounts;

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

/* Opens the service database at path (creating and migrating it; the
 * handle serialises its own SQLite calls, SQLITE_OPEN_FULLMUTEX; it
 * may also be a PostgreSQL DSN, see sdb.h).
 * *out is set even on failure (NULL only when memory ran out), so
 * accounts_errmsg() can say why ("PATH: reason"); the caller always
 * accounts_close()s it.  A handle whose open failed answers every other
 * call with STORE_ERR_INVALID.  STORE_ERR_SCHEMA (a newer file),
 * STORE_ERR_SYSTEM (libsodium). */
store_status accounts_open(const char *path, struct accounts **out);

/* Closes the handle.  NULL is a no-op. */
void accounts_close(struct accounts *a);

/* The reason for the last failure on a ("" if none).  Owned by a;
 * valid until the next call on a.  NULL gives "out of memory". */
const char *accounts_errmsg(const struct accounts *a);

/* "agent"/"author" <-> enum; ROLE_NONE for anything else. */
enum account_role accounts_role_parse(const char *s);
const char *accounts_role_name(enum account_role r);

/* 1 when name is 1-64 of [a-z A-Z 0-9 . _ @ -]. */
int accounts_name_ok(const char *name);

/* Adds a user with a password (hashed here).  STORE_EXISTS if the name
 * is taken; STORE_ERR_INVALID for ROLE_NONE. */
store_status accounts_add(struct accounts *a, const char *name, enum account_role role,
                          const char *password);

/* Sets a new password, and ends the account's sessions and revokes its
 * API tokens (whoever knew the old password may hold one).
 * STORE_NOT_FOUND. */
store_status accounts_set_password(struct accounts *a, const char *name,
                                   const char *password);

/* Disables (1) or enables (0) a user; disabling also ends its sessions
 * and revokes its tokens.  STORE_NOT_FOUND. */
store_status accounts_set_disabled(struct accounts *a, const char *name, int disabled);

/* Calls fn for each user, by name; u is borrowed for the call.  A
 * non-zero return from fn stops the list (still STORE_OK). */
store_status accounts_list(struct accounts *a,
                           int (*fn)(void *ctx, const struct account *u, double created),
                           void *ctx);

/* Creates an API token for name: the token (base64url) is written into
 * out (at least ACCOUNTS_SECRET_SIZE bytes, else STORE_ERR_INVALID);
 * only its hash is stored.  STORE_NOT_FOUND when there is no enabled
 * account of that name. */
store_status accounts_token_create(struct accounts *a, const char *name, char *out,
                                   size_t outlen);

/* Checks a password: STORE_OK with *u filled; STORE_NOT_FOUND,
 * STORE_BAD_PASSWORD or STORE_DISABLED.  Unknown names cost the same
 * time as wrong passwords, so names cannot be probed by timing.  Runs
 * the Argon2 check (tens of milliseconds) on the caller's thread: a
 * service holding a lock around the handle uses the two halves below
 * instead, so no other request waits on a password check. */
store_status accounts_verify_password(struct accounts *a, const char *name,
                                      const char *password, struct account *u);

/* The first half, quick (a lookup): fills *u and the stored hash
 * (crypto_pwhash_STRBYTES bytes) for name.  STORE_OK or
 * STORE_NOT_FOUND (hash ""). */
#define ACCOUNTS_HASH_SIZE 128
store_status accounts_password_fetch(struct accounts *a, const char *name, struct account *u,
                                     char hash[ACCOUNTS_HASH_SIZE]);

/* The second half, slow and touching no shared state but the handle's
 * read-only dummy hash (so it needs no lock): STORE_OK when password
 * matches hash, else STORE_BAD_PASSWORD; hash NULL or "" (an unknown
 * name) costs the same and answers STORE_BAD_PASSWORD.  Leaves no
 * message. */
store_status accounts_password_check(const struct accounts *a, const char *hash,
                                     const char *password);

/* Starts a session for user u->id: the cookie value goes into sid (at
 * least ACCOUNTS_SECRET_SIZE bytes, else STORE_ERR_INVALID), the CSRF
 * token into u->csrf.  Sweeps expired sessions on the way. */
store_status accounts_session_create(struct accounts *a, struct account *u, double now,
                                     char *sid, size_t sidlen);

/* Resolves a session cookie: STORE_OK with *u (and its csrf), or
 * STORE_NOT_FOUND when unknown, expired or the user is disabled. */
store_status accounts_session_get(struct accounts *a, const char *sid, double now,
                                  struct account *u);

/* Ends the session of cookie sid (unknown: STORE_OK all the same). */
store_status accounts_session_end(struct accounts *a, const char *sid);

/* Resolves an API token like accounts_session_get (u->csrf ""). */
store_status accounts_token_get(struct accounts *a, const char *token, double now,
                                struct account *u);

/* Throttling of sign-ins.  Each attempt is counted against keys
 * (kb-serve uses one for the client address and one for the pair of
 * address and account name, never the account alone, so nobody can
 * lock a user out from another address); key i allows free[i] failures
 * in 15 minutes, then waits of 1, 2, 4 ... seconds (at most 300).
 *
 * accounts_throttle_take checks every key and, when none must wait,
 * counts the attempt as a failure against all of them, in one
 * transaction: concurrent attempts cannot slip past the check.
 * STORE_OK with *wait 0 (go ahead) or the seconds to wait (nothing
 * counted); on a failure nothing is counted and the caller refuses.
 * After a successful sign-in the caller forgives the attempt:
 * accounts_throttle_clear for the pair, accounts_throttle_forgive (one
 * failure less) for the address. */
store_status accounts_throttle_take(struct accounts *a, const char *const *keys,
                                    const int *free, size_t nkeys, double now, double *wait);
store_status accounts_throttle_clear(struct accounts *a, const char *key);
store_status accounts_throttle_forgive(struct accounts *a, const char *key);

#endif
