/* fixture.h -- reading a file of tests/data in a unit test.
 *
 * Header-only, for the tests built with KB_TEST_DATA (the path of
 * tests/data, set by tests/CMakeLists.txt). */
#ifndef KB_TESTS_FIXTURE_H
#define KB_TESTS_FIXTURE_H

#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

#ifndef KB_TEST_DATA
#error "build with -DKB_TEST_DATA=\"<path to tests/data>\""
#endif

/* Reads tests/data/<rel> into a NUL-terminated buffer the caller frees
 * and sets *len to its length.  NULL (and a failed check) if the file
 * is missing or cannot be read. */
static inline char *fixture(struct harness *h, const char *rel, size_t *len)
{
    char path[512];
    FILE *f;
    char *buf = NULL;
    long n;

    snprintf(path, sizeof path, "%s/%s", KB_TEST_DATA, rel);
    f = fopen(path, "rb");
    CHECK(h, f != NULL);
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL) {
        *len = fread(buf, 1, (size_t)n, f);
        buf[*len] = '\0';
    }
    fclose(f);
    CHECK(h, buf != NULL);
    return buf;
}

#endif
