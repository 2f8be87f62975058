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
    /* Folders and entries the walk could not read (relative paths,
     * sorted): what is below them is not known, so it is not gone. */
    char **unreadable;
    size_t nunreadable;
    size_t unreadable_cap;
};

/* Walks root recursively.  Hidden entries, TOC files, READMEs (any
 * folder), Markdown named in capitals at the top and the content
 * folder's own configuration (synonyms.yml, _defaults.yml) are left
 * out.  Returns 0, or -1 with a message in err (unreadable root, OOM).
 * A sub-folder that cannot be listed, or an entry that cannot be
 * stat()ed for a reason other than not existing (ENOENT), is reported
 * through diag() as an error and noted in out->unreadable; an entry
 * that does not exist is simply left out.  A folder nested too deeply
 * is a warning.  Free the result with scan_release(). */
int scan_content(const char *root, struct scan *out,
                 void (*diag)(void *ctx, const char *path, int is_error, const char *msg),
                 void *ctx, char *err, size_t errlen);

/* 1 when path (relative, like content_file.path) is one of the
 * scan's unreadable paths or lies below one: the scan cannot say
 * whether it exists. */
int scan_is_unreadable(const struct scan *s, const char *path);

void scan_release(struct scan *s);

/* 1 when name looks like a locale folder ("en-us", "zh-CN"). */
int scan_is_locale_name(const char *name);

#endif
