/* storeval.h -- values as they cross the store's edge: text is made
 * valid UTF-8 before it is stored or put into JSON, and times (unix
 * seconds as a double, chosen by the caller) become the integer
 * milliseconds the tables hold.  Pure functions: no handle, no state,
 * safe from any thread. */
#ifndef KB_STOREVAL_H
#define KB_STOREVAL_H

#include <stddef.h>

#include <jansson.h>

/* Stored times must fit a four-digit year so ISO output stays sane:
 * [0, STOREVAL_TS_MAX) seconds, 1970-01-01 to 9999-12-31. */
#define STOREVAL_TS_MAX 253402300800.0

/* A copy of s (NUL-terminated) in which every ill-formed UTF-8 sequence
 * is replaced by U+FFFD, one per maximal ill-formed subpart (the Unicode
 * recommended practice).  Caller free()s; NULL on OOM or when s is
 * NULL. */
char *storeval_utf8_clean(const char *s);

/* 1 when the n bytes at s are well-formed UTF-8. */
int storeval_utf8_valid(const char *s, size_t n);

/* A new JSON string of s (caller json_decref()s), cleaned of ill-formed
 * UTF-8 if needed; JSON null when s is NULL; NULL on OOM. */
json_t *storeval_json_str(const char *s);

/* Seconds to milliseconds, rounded half away from zero. */
long long storeval_ms(double ts);

/* 1 when ts is a storable time: finite and in [0, STOREVAL_TS_MAX). */
int storeval_ts_ok(double ts);

/* A caller's range bound in milliseconds, clamped into the storable
 * range (NaN and negative give 0). */
long long storeval_bound_ms(double ts);

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" for ms since the epoch (negative: 0) into
 * buf; len >= 32 holds every storable time. */
void storeval_format_time(long long ms, char *buf, size_t len);

#endif
