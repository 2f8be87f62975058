/* fuzz_util.h -- small helpers shared by the libFuzzer targets.
 *
 * The fuzz build inherits CMAKE_BUILD_TYPE, whose flags may carry
 * -DNDEBUG, so invariants are checked with FUZZ_CHECK, which stays on
 * in every build and aborts, which libFuzzer reports as a crash with
 * the input saved. */
#ifndef KB_FUZZ_UTIL_H
#define KB_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                    \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__,      \
                    __LINE__, #cond);                                       \
            abort();                                                        \
        }                                                                   \
    } while (0)

/* Like FUZZ_CHECK, and prints the string the invariant was about. */
#define FUZZ_CHECK_STR(cond, s)                                             \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "%s:%d: invariant broken: %s\n  in: \"%s\"\n",  \
                    __FILE__, __LINE__, #cond, (s) ? (s) : "(null)");       \
            abort();                                                        \
        }                                                                   \
    } while (0)

/* A NUL-terminated copy of data[0..size) (which may hold NUL bytes;
 * C-string users then see the part before the first one).  Aborts on
 * OOM: libFuzzer's malloc limit is far above any input. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Reference UTF-8 check, written from the table of well-formed byte
 * sequences (Unicode 15, table 3-7) rather than by decoding, so it
 * can serve as the other side of a differential test.  NUL counts as
 * well-formed here; callers add their own rule for it. */
static inline int fuzz_utf8_wellformed(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = s[i];
        uint8_t lo = 0x80, hi = 0xBF;
        size_t k, need;
        if (b <= 0x7F) {
            i++;
            continue;
        }
        if (b >= 0xC2 && b <= 0xDF)
            need = 1;
        else if (b >= 0xE0 && b <= 0xEF)
            need = 2;
        else if (b >= 0xF0 && b <= 0xF4)
            need = 3;
        else
            return 0;
        if (b == 0xE0)
            lo = 0xA0;
        else if (b == 0xED)
            hi = 0x9F;
        else if (b == 0xF0)
            lo = 0x90;
        else if (b == 0xF4)
            hi = 0x8F;
        if (n - i <= need)
            return 0;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (k = 2; k <= need; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return 0;
        i += need + 1;
    }
    return 1;
}

/* Valid UTF-8 with no NUL byte: the promise every parser output makes. */
static inline int fuzz_utf8_str_ok(const char *s)
{
    return s && fuzz_utf8_wellformed((const uint8_t *)s, strlen(s));
}

static inline int fuzz_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive (ASCII) prefix test. */
static inline int fuzz_has_prefix_ci(const char *s, size_t n, const char *prefix)
{
    size_t i;
    for (i = 0; prefix[i]; i++)
        if (i >= n || fuzz_lower((unsigned char)s[i]) != prefix[i])
            return 0;
    return 1;
}

/* Number of non-overlapping occurrences of needle in hay. */
static inline size_t fuzz_count(const char *hay, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    const char *p = hay;
    if (k == 0)
        return 0;
    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += k;
    }
    return n;
}

#endif
