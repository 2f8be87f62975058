/* idem.h -- requests carried out once: a form carries a key of its own
 * (an idempotency key), and a second POST of the same form, a reload
 * or a double click, gets the first one's result instead of doing the
 * work again.
 *
 * The table lives in memory (struct app's idem), holds the last
 * IDEM_MAX keys for IDEM_TTL seconds, and is thread-safe: while one
 * request does the work for a key, another with the same key waits for
 * its result.  It keeps two requests in flight on this process from
 * both doing the work; what outlives the process is the store's: a
 * case is stored with its key (eventlog_case_create, struct
 * eventlog_case's idem), so the same submission after a restart, or on
 * another front end, answers the case it made the first time. */
#ifndef KB_IDEM_H
#define KB_IDEM_H

#include <stddef.h>

#define IDEM_MAX 4096
#define IDEM_TTL (24 * 3600)
#define IDEM_KEY_MAX 64    /* bytes of a key, without the NUL */
#define IDEM_RESULT_MAX 64 /* bytes of a result, with the NUL */

struct idem;

/* A new empty table in *out (free with idem_free()); 0, or -1 when out
 * of memory. */
int idem_new(struct idem **out);

/* Frees the table; NULL is a no-op. */
void idem_free(struct idem *t);

/* A new random key for a form (24 characters; libsodium must be
 * initialised). */
void idem_key_new(char out[IDEM_KEY_MAX + 1]);

/* 1 when key looks like a key a form of ours carries: 16 to
 * IDEM_KEY_MAX characters of the URL-safe base64 alphabet. */
int idem_key_ok(const char *key);

enum idem_claim {
    IDEM_FIRST, /* the caller does the work, then idem_done() or idem_abandon() */
    IDEM_DONE   /* done before: result holds what idem_done() was given */
};

/* Claims key (idem_key_ok()).  Waits, for at most timeout seconds,
 * while another request holds it; a key still held after that, or one
 * the table has no room for, is answered IDEM_FIRST as well (the work
 * is then done twice rather than not at all). */
enum idem_claim idem_claim(struct idem *t, const char *key, char result[IDEM_RESULT_MAX],
                           double timeout);

/* The work for a claimed key is done: result (at most
 * IDEM_RESULT_MAX - 1 bytes) is what later claims get. */
void idem_done(struct idem *t, const char *key, const char *result);

/* The work for a claimed key failed: the next claim does it again. */
void idem_abandon(struct idem *t, const char *key);

#endif
