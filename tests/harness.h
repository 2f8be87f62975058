/* harness.h -- a tiny unit-test runner shared by every tests/test_*.c.
 *
 * Each CHECK records a pass or a failure (with file:line) and goes on,
 * so one run shows every broken expectation.  TEST_MAIN_END prints the
 * closing "N passed, N failed" line that CI reads and returns non-zero
 * when anything failed. */
#ifndef KB_TESTS_HARNESS_H
#define KB_TESTS_HARNESS_H

#include <stdio.h>
#include <string.h>

struct harness {
    int passed;
    int failed;
};

#define CHECK(h, cond)                                                      \
    do {                                                                    \
        if (cond) {                                                         \
            (h)->passed++;                                                  \
        } else {                                                            \
            (h)->failed++;                                                  \
            fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                   \
    } while (0)

#define CHECK_INT_EQ(h, got, want)                                          \
    do {                                                                    \
        long long g_ = (long long)(got), w_ = (long long)(want);            \
        if (g_ == w_) {                                                     \
            (h)->passed++;                                                  \
        } else {                                                            \
            (h)->failed++;                                                  \
            fprintf(stderr, "%s:%d: FAIL: %s == %lld, want %lld\n",         \
                    __FILE__, __LINE__, #got, g_, w_);                      \
        }                                                                   \
    } while (0)

#define CHECK_STR_EQ(h, got, want)                                          \
    do {                                                                    \
        const char *g_ = (got), *w_ = (want);                               \
        if (g_ && w_ && strcmp(g_, w_) == 0) {                              \
            (h)->passed++;                                                  \
        } else {                                                            \
            (h)->failed++;                                                  \
            fprintf(stderr, "%s:%d: FAIL: %s == \"%s\", want \"%s\"\n",     \
                    __FILE__, __LINE__, #got, g_ ? g_ : "(null)",           \
                    w_ ? w_ : "(null)");                                    \
        }                                                                   \
    } while (0)

#define CHECK_CONTAINS(h, hay, needle)                                      \
    do {                                                                    \
        const char *g_ = (hay), *n_ = (needle);                             \
        if (g_ && strstr(g_, n_)) {                                         \
            (h)->passed++;                                                  \
        } else {                                                            \
            (h)->failed++;                                                  \
            fprintf(stderr, "%s:%d: FAIL: %s does not contain \"%s\"\n",    \
                    __FILE__, __LINE__, #hay, n_);                          \
        }                                                                   \
    } while (0)

#define CHECK_NOT_CONTAINS(h, hay, needle)                                  \
    do {                                                                    \
        const char *g_ = (hay), *n_ = (needle);                             \
        if (!g_ || !strstr(g_, n_)) {                                       \
            (h)->passed++;                                                  \
        } else {                                                            \
            (h)->failed++;                                                  \
            fprintf(stderr, "%s:%d: FAIL: %s contains \"%s\"\n",            \
                    __FILE__, __LINE__, #hay, n_);                          \
        }                                                                   \
    } while (0)

#define TEST_MAIN_END(h)                                                    \
    do {                                                                    \
        printf("%d passed, %d failed\n", (h)->passed, (h)->failed);         \
        return (h)->failed ? 1 : 0;                                         \
    } while (0)

#endif
