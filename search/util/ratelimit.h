/* ratelimit.h -- a per-key token bucket in memory (kb-serve throttles
 * anonymous case posts per client address with it).
 *
 * Each key may spend `burst` tokens at once; tokens come back at
 * `per_hour` an hour.  The table is bounded (RATELIMIT_SLOTS keys):
 * when it is full, the key whose bucket is fullest makes room, so a
 * flood of new addresses can only forget the quietest ones, and one
 * client never spends another's tokens.
 *
 * Threads: every call takes the limiter's own mutex (held for a table
 * probe only). */
#ifndef KB_RATELIMIT_H
#define KB_RATELIMIT_H

struct ratelimit;

/* A limiter of burst tokens per key, refilled at per_hour; NULL when out
 * of memory.  Free with ratelimit_free (NULL-safe). */
struct ratelimit *ratelimit_new(unsigned burst, unsigned per_hour);
void ratelimit_free(struct ratelimit *rl);

/* Takes one token of key at time now (seconds): 0 when taken, else the
 * seconds until the next token (nothing taken). */
double ratelimit_take(struct ratelimit *rl, const char *key, double now);

#endif
