/* serve_config.c -- reading kb-serve's configuration file. */
#include "serve_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define CONFIG_LINE_MAX 4096

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* One line: 0, 1 to skip it, or -1 with the reason in why. */
static int split(char *line, char **key, char **value, const char **why)
{
    char *s = trim(line);
    if (!*s || *s == '#')
        return 1;
    char *eq = strchr(s, '=');
    if (!eq) {
        *why = "expected KEY = VALUE";
        return -1;
    }
    *eq = '\0';
    *key = trim(s);
    *value = trim(eq + 1);
    size_t n = strlen(*value);
    if (n >= 2 && (*value)[0] == '"' && (*value)[n - 1] == '"') {
        (*value)[n - 1] = '\0';
        (*value)++;
    }
    if (!**key) {
        *why = "a key is missing before '='";
        return -1;
    }
    if (!**value) {
        *why = "the value is empty";
        return -1;
    }
    return 0;
}

int config_read(const char *path, config_set_fn set, void *ctx, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: error: cannot read it: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned lineno = 0;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        const char *why = NULL;
        char *key, *value, reason[512];
        if (len > CONFIG_LINE_MAX) {
            why = "the line is longer than 4096 bytes";
        } else if (strlen(line) != (size_t)len) {
            why = "a NUL byte in the line";
        } else {
            int s = split(line, &key, &value, &why);
            if (s == 1)
                continue;
            if (s == 0 && set(ctx, key, value, reason, sizeof reason) != 0)
                why = reason;
        }
        if (why) {
            snprintf(err, errlen, "%s:%u: error: %s", path, lineno, why);
            rc = -1;
        }
    }
    free(line);
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: error: cannot read it: %s", path, strerror(errno));
        rc = -1;
    }
    fclose(f);
    return rc;
}
