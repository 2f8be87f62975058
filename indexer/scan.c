/* scan.c -- recursive walk of the content folder. */
#include "scan.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Guards against symlink loops and absurd trees. */
#define SCAN_MAX_DEPTH 32

int scan_is_locale_name(const char *name)
{
    size_t i = 0, a = 0, b = 0;
    while (name[i] && ((name[i] | 0x20) >= 'a' && (name[i] | 0x20) <= 'z')) {
        i++;
        a++;
    }
    if (a < 2 || a > 3 || name[i] != '-')
        return 0;
    i++;
    while (name[i] && ((name[i] | 0x20) >= 'a' && (name[i] | 0x20) <= 'z')) {
        i++;
        b++;
    }
    return name[i] == '\0' && b >= 2 && b <= 4;
}

static char *dup_lower(const char *s)
{
    char *r = strdup(s);
    if (r)
        for (char *p = r; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    return r;
}

static const char *extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot ? dot + 1 : "";
}

/* 1 for a Markdown file that documents the folder rather than being an
 * article: README.md in any folder and any case, like TOC.md; and, in
 * the content folder itself, the usual notes of the repository the
 * content comes from (SURVEY.md, CHANGELOG.md, CONTRIBUTING.md, ...),
 * by name: an article may well be named in capitals (CACM-0001.md). */
static int is_folder_note(const char *name, size_t stem_len, int depth)
{
    static const char *const top_notes[] = {
        "survey", "changelog", "changes", "contributing", "license", "licence",
        "notice", "legal-notices", "security", "code_of_conduct", "authors", "maintainers",
    };
    if (stem_len == 3 && strncasecmp(name, "toc", 3) == 0)
        return 1;
    if (stem_len == 6 && strncasecmp(name, "readme", 6) == 0)
        return 1;
    if (depth > 0)
        return 0;
    for (size_t i = 0; i < sizeof top_notes / sizeof top_notes[0]; i++)
        if (stem_len == strlen(top_notes[i]) && strncasecmp(name, top_notes[i], stem_len) == 0)
            return 1;
    return 0;
}

static int is_content_name(const char *name, int depth, int *is_yaml)
{
    const char *ext = extension(name);
    *is_yaml = 0;
    if (strcasecmp(ext, "md") == 0 || strcasecmp(ext, "markdown") == 0)
        return !is_folder_note(name, (size_t)(ext - 1 - name), depth);
    if (strcasecmp(ext, "yml") == 0 || strcasecmp(ext, "yaml") == 0) {
        *is_yaml = 1;
        return strcasecmp(name, "toc.yml") != 0 && strcasecmp(name, "toc.yaml") != 0 &&
               strcasecmp(name, "synonyms.yml") != 0 &&
               strcasecmp(name, "synonyms.yaml") != 0 &&
               strcasecmp(name, "_defaults.yml") != 0 &&
               strcasecmp(name, "_defaults.yaml") != 0;
    }
    return 0;
}

static int add_file(struct scan *s, const char *root, const char *rel, int is_yaml,
                    const struct stat *st)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        struct content_file *f = realloc(s->files, cap * sizeof *f);
        if (!f)
            return -1;
        s->files = f;
        s->cap = cap;
    }
    struct content_file *f = &s->files[s->n];
    memset(f, 0, sizeof *f);
    size_t alen = strlen(root) + strlen(rel) + 2;
    f->abs = malloc(alen);
    f->path = strdup(rel);
    if (!f->abs || !f->path)
        goto oom;
    snprintf(f->abs, alen, "%s/%s", root, rel);
    f->is_yaml = is_yaml;
    f->dev = (unsigned long long)st->st_dev;
    f->ino = (unsigned long long)st->st_ino;
    f->size = (long long)st->st_size;
    f->mtime_ns = (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
    f->ctime_ns = (long long)st->st_ctim.tv_sec * 1000000000LL + st->st_ctim.tv_nsec;

    const char *below = rel;
    const char *slash = strchr(rel, '/');
    if (slash) {
        char first[64];
        size_t n = (size_t)(slash - rel);
        if (n < sizeof first) {
            memcpy(first, rel, n);
            first[n] = '\0';
            if (scan_is_locale_name(first)) {
                f->locale = dup_lower(first);
                if (!f->locale)
                    goto oom;
                below = slash + 1;
            }
        }
    }
    f->id = strdup(below);
    if (!f->id)
        goto oom;
    char *dot = strrchr(f->id, '.');
    char *last = strrchr(f->id, '/');
    if (dot && (!last || dot > last))
        *dot = '\0';
    s->n++;
    return 0;
oom:
    free(f->abs);
    free(f->path);
    free(f->locale);
    free(f->id);
    return -1;
}

struct walk {
    const char *root;
    struct scan *out;
    void (*diag)(void *ctx, const char *path, int is_error, const char *msg);
    void *ctx;
};

/* Notes rel as unreadable and reports why.  Returns 0, or -2 on OOM. */
static int unreadable(struct walk *w, const char *rel, const char *what, int err)
{
    struct scan *s = w->out;
    if (s->nunreadable == s->unreadable_cap) {
        size_t cap = s->unreadable_cap ? s->unreadable_cap * 2 : 16;
        char **u = realloc(s->unreadable, cap * sizeof *u);
        if (!u)
            return -2;
        s->unreadable = u;
        s->unreadable_cap = cap;
    }
    if (!(s->unreadable[s->nunreadable] = strdup(rel)))
        return -2;
    s->nunreadable++;
    if (w->diag) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s: %s; its articles stay in the index as they were",
                 what, strerror(err));
        w->diag(w->ctx, rel, 1, msg);
    }
    return 0;
}

/* Returns 0, -1 when the root cannot be read, -2 on OOM. */
static int walk_dir(struct walk *w, const char *rel, int depth)
{
    char dir[4096];
    if (*rel)
        snprintf(dir, sizeof dir, "%s/%s", w->root, rel);
    else
        snprintf(dir, sizeof dir, "%s", w->root);
    if (depth > SCAN_MAX_DEPTH) {
        if (w->diag)
            w->diag(w->ctx, rel, 0, "folder nested too deeply (symlink loop?); skipped");
        return 0;
    }
    DIR *d = opendir(dir);
    if (!d) {
        if (depth == 0)
            return -1;
        /* Gone since its parent was listed: nothing below it exists.
         * Any other failure says nothing about what is below it. */
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        return unreadable(w, rel, "cannot read folder", errno);
    }
    int rc = 0;
    struct dirent *e;
    for (errno = 0; rc == 0 && (e = readdir(d)) != NULL; errno = 0) {
        if (e->d_name[0] == '.')
            continue; /* hidden files, ".", ".." */
        char child[4096];
        int n;
        if (*rel)
            n = snprintf(child, sizeof child, "%s/%s", rel, e->d_name);
        else
            n = snprintf(child, sizeof child, "%s", e->d_name);
        if (n < 0 || (size_t)n >= sizeof child)
            continue;
        char full[8192];
        snprintf(full, sizeof full, "%s/%s", w->root, child);
        int is_yaml;
        struct stat st;
        if (stat(full, &st) != 0) {
            /* A dangling symlink has nothing to read.  A file that is
             * no article could not have been indexed.  Anything else
             * (a folder without search permission, say) may hide
             * articles. */
            if (errno == ENOENT ||
                (e->d_type == DT_REG && !is_content_name(e->d_name, depth, &is_yaml)))
                continue;
            rc = unreadable(w, child, "cannot read", errno);
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk_dir(w, child, depth + 1);
        } else if (S_ISREG(st.st_mode) && is_content_name(e->d_name, depth, &is_yaml)) {
            if (add_file(w->out, w->root, child, is_yaml, &st) < 0)
                rc = -2;
        }
    }
    /* readdir() stopped on an error: the rest of the folder is unknown. */
    if (rc == 0 && errno != 0)
        rc = depth == 0 ? -1 : unreadable(w, rel, "cannot read folder", errno);
    closedir(d);
    return rc;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const struct content_file *)a)->path,
                  ((const struct content_file *)b)->path);
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int scan_content(const char *root, struct scan *out,
                 void (*diag)(void *ctx, const char *path, int is_error, const char *msg),
                 void *ctx, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a readable folder", root);
        return -1;
    }
    struct walk w = {root, out, diag, ctx};
    int rc = walk_dir(&w, "", 0);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", root,
                 rc == -2 ? "out of memory" : "cannot read folder");
        scan_release(out);
        return -1;
    }
    if (out->n)
        qsort(out->files, out->n, sizeof out->files[0], by_path);
    if (out->nunreadable)
        qsort(out->unreadable, out->nunreadable, sizeof out->unreadable[0], by_string);
    return 0;
}

int scan_is_unreadable(const struct scan *s, const char *path)
{
    if (!s->nunreadable)
        return 0;
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "%s", path);
    if (n < 0 || (size_t)n >= sizeof buf)
        return 0;
    /* The path itself, then each folder above it. */
    for (;;) {
        const char *key = buf;
        if (bsearch(&key, s->unreadable, s->nunreadable, sizeof s->unreadable[0], by_string))
            return 1;
        char *slash = strrchr(buf, '/');
        if (!slash)
            return 0;
        *slash = '\0';
    }
}

void scan_release(struct scan *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->files[i].path);
        free(s->files[i].abs);
        free(s->files[i].locale);
        free(s->files[i].id);
    }
    free(s->files);
    for (size_t i = 0; i < s->nunreadable; i++)
        free(s->unreadable[i]);
    free(s->unreadable);
    memset(s, 0, sizeof *s);
}
