/* storeval.c -- UTF-8 cleaning, JSON strings and stored times. */
#include "storeval.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Length of the well-formed UTF-8 sequence at p (n bytes left), or 0
 * when it is ill-formed, with *bad set to the length of its maximal
 * subpart (the bytes one U+FFFD replaces). */
static size_t utf8_seq(const unsigned char *p, size_t n, size_t *bad)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t need, i;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        *bad = 1;
        return 0;
    }
    for (i = 1; i < need; i++) {
        if (i >= n || p[i] < lo || p[i] > hi) {
            *bad = i;
            return 0;
        }
        lo = 0x80;
        hi = 0xBF;
    }
    return need;
}

int storeval_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, len, bad;

    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        len = utf8_seq(p + i, n - i, &bad);
        if (!len)
            return 0;
        i += len;
    }
    return 1;
}

char *storeval_utf8_clean(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n, i = 0, o = 0, len, bad;
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
        len = utf8_seq(p + i, n - i, &bad);
        if (len) {
            memcpy(out + o, p + i, len);
            o += len;
            i += len;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i += bad;
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
