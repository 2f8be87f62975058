/* serve_config.h -- kb-serve's configuration file: "key = value" lines
 * whose keys are the long options' names (kb-serve --config FILE). */
#ifndef KB_SERVE_CONFIG_H
#define KB_SERVE_CONFIG_H

#include <stddef.h>

/* Sets one option; returns 0, or -1 with the reason in err. */
typedef int (*config_set_fn)(void *ctx, const char *key, const char *value, char *err,
                             size_t errlen);

/* Reads path line by line: blank lines and lines whose first non-blank
 * character is '#' are skipped; every other line is KEY = VALUE, blanks
 * around both trimmed and one pair of double quotes around VALUE
 * removed.  set is called for each pair in file order; value points
 * into a buffer of the reader's that lives only for the call.  The
 * first bad line (no '=', an empty key or value, a NUL byte, a line
 * over 4 KiB, or set's refusal) ends the read.  Returns 0, or -1 with
 * "PATH:LINE: error: reason" (or "PATH: error: reason" when the file
 * cannot be read) in err. */
int config_read(const char *path, config_set_fn set, void *ctx, char *err, size_t errlen);

#endif
