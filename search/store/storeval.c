/* storeval.c -- UTF-8 cleaning, JSON strings and stored times. */
#include "storeval.h"

#include "utf8.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int storeval_utf8_valid(const char *s, size_t n)
{
    uint32_t cp;
    size_t len;
    for (size_t i = 0; i < n; i += len)
        if ((len = utf8_decode(s + i, n - i, &cp)) == 0)
            return 0;
    return 1;
}

char *storeval_utf8_clean(const char *s)
{
    size_t n, i = 0, o = 0, len;
    uint32_t cp;
    char *out;

    if (!s)
        return NULL;
    n = strlen(s);
    if (n > (SIZE_MAX - 1) / 3)
        return NULL;
    /* Each bad byte becomes at most the three bytes of U+FFFD. */
    out = malloc(n * 3 + 1);
    if (!out)
        return NULL;
    while (i < n) {
        len = utf8_decode(s + i, n - i, &cp);
        if (len) {
            memcpy(out + o, s + i, len);
            o += len;
            i += len;
        } else {
            o += utf8_encode(UTF8_REPLACEMENT, out + o);
            i += utf8_bad_length(s + i, n - i);
        }
    }
    out[o] = '\0';
    return out;
}

json_t *storeval_json_str(const char *s)
{
    json_t *j;
    char *c;

    if (!s)
        return json_null();
    j = json_string(s);
    if (j)
        return j;
    c = storeval_utf8_clean(s);
    if (!c)
        return NULL;
    j = json_string(c);
    free(c);
    return j;
}

long long storeval_ms(double ts)
{
    return (long long)(ts * 1000.0 + (ts >= 0 ? 0.5 : -0.5));
}

int storeval_ts_ok(double ts)
{
    return isfinite(ts) && ts >= 0 && ts < STOREVAL_TS_MAX;
}

long long storeval_bound_ms(double ts)
{
    if (ts != ts || ts < 0)
        return 0;
    if (ts > STOREVAL_TS_MAX)
        return storeval_ms(STOREVAL_TS_MAX);
    return storeval_ms(ts);
}

void storeval_format_time(long long ms, char *buf, size_t len)
{
    time_t secs;
    struct tm tm;
    char day[24];

    if (ms < 0)
        ms = 0;
    secs = (time_t)(ms / 1000);
    if (!gmtime_r(&secs, &tm) ||
        !strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm))
        snprintf(day, sizeof day, "1970-01-01T00:00:00");
    snprintf(buf, len, "%s.%03dZ", day, (int)(ms % 1000));
}
