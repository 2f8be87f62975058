/* scan.h -- find the content files under a folder.
 *
 * A first-level folder named like a locale ("en-us", "ru-RU": letters,
 * a dash, letters) gives the locale of everything below it; an article
 * id defaults to the path below that folder (or below the content root)
 * without its extension. */
#ifndef KB_SCAN_H
#define KB_SCAN_H

#include <stddef.h>

struct content_file {
    char *path;   /* relative to the content root, '/' separators */
    char *abs;    /* path to open */
    char *locale; /* from the locale folder, lower case; NULL if none */
    char *id;     /* default article id */
    int is_yaml;  /* .yml / .yaml (FAQ candidates) */
    /* What stat() said during the walk, before the file was read:
     * kb-index trusts a remembered content hash only while all of
     * these are unchanged (see runcache.h). */
    unsigned long long dev, ino;
    long long size;
    long long mtime_ns, ctime_ns; /* nanoseconds since the epoch */
};

struct scan {
    struct content_file *files; /* sorted by path */
    size_t n;
    size_t cap;
};

/* Walks root recursively.  Hidden entries, TOC files and the content
 * folder's own configuration (synonyms.yml, _defaults.yml) are left
 * out.  Returns 0, or -1 with a message in err (unreadable root, OOM).
 * A sub-folder that cannot be read is reported through warn() and
 * skipped.  Free the result with scan_release(). */
int scan_content(const char *root, struct scan *out,
                 void (*warn)(void *ctx, const char *path, const char *msg),
                 void *ctx, char *err, size_t errlen);

void scan_release(struct scan *s);

/* 1 when name looks like a locale folder ("en-us", "zh-CN"). */
int scan_is_locale_name(const char *name);

#endif
