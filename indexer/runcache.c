/* runcache.c -- INDEX/kb-index.cache: read, checked, written whole.
 *
 * The format and why each part can be trusted are in runcache.h.  The
 * cache is an optimisation only, so every failure here ends in "not
 * used" or "not written", never in an error of the run. */
#include "runcache.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_NAME "kb-index.cache"
#define CACHE_FORMAT 1
/* Files changed this close to (or after) the start of the run that
 * hashed them are hashed again; two seconds also covers file systems
 * with coarse timestamps. */
#define CACHE_RACY_NS (2LL * 1000000000LL)

struct runcache {
    char path[4096];       /* INDEX/kb-index.cache */
    char tmp[4096];        /* written first, then renamed to path */
    char hash_context[33]; /* only a cache with this one is used */
    long long started_ns;  /* wall clock at the start of this run */
    json_t *prev_files;    /* "files" of the loaded cache, or NULL */
    long long prev_started_ns;
    json_t *files;         /* "files" for the next run */
};

struct runcache *runcache_new(const char *index_dir, const char *hash_context,
                              long long started_ns)
{
    struct runcache *rc = calloc(1, sizeof *rc);
    if (!rc)
        return NULL;
    rc->files = json_object();
    if (!rc->files) {
        free(rc);
        return NULL;
    }
    snprintf(rc->path, sizeof rc->path, "%s/%s", index_dir, CACHE_NAME);
    snprintf(rc->tmp, sizeof rc->tmp, "%s/%s.tmp", index_dir, CACHE_NAME);
    snprintf(rc->hash_context, sizeof rc->hash_context, "%s", hash_context);
    rc->started_ns = started_ns;
    return rc;
}

void runcache_free(struct runcache *rc)
{
    if (!rc)
        return;
    json_decref(rc->prev_files);
    json_decref(rc->files);
    free(rc);
}

static int stats_match(json_t *c, const kb_stats *st)
{
    return json_integer_value(json_object_get(c, "revision")) == (json_int_t)st->revision &&
           json_integer_value(json_object_get(c, "articles")) == (json_int_t)st->articles &&
           json_integer_value(json_object_get(c, "sections")) == (json_int_t)st->sections;
}

void runcache_load(struct runcache *rc, kb_index *ix, struct linkcheck *lc)
{
    json_t *c = json_load_file(rc->path, 0, NULL);
    const char *ctx = json_string_value(json_object_get(c, "hash_context"));
    if (json_integer_value(json_object_get(c, "format")) == CACHE_FORMAT && ctx &&
        strcmp(ctx, rc->hash_context) == 0) {
        json_t *files = json_object_get(c, "files");
        if (json_is_object(files)) {
            json_decref(rc->prev_files);
            rc->prev_files = json_incref(files);
            rc->prev_started_ns = json_integer_value(json_object_get(c, "started_ns"));
        }
        kb_stats st;
        if (kb_get_stats(ix, &st) == KB_OK && stats_match(c, &st))
            linkcheck_restore(lc, json_object_get(c, "links"));
    }
    json_decref(c);
}

const char *runcache_hash(const struct runcache *rc, const struct content_file *f)
{
    json_t *e = json_object_get(rc->prev_files, f->path);
    if (json_array_size(e) != 6)
        return NULL;
    long long trusted_before = rc->prev_started_ns - CACHE_RACY_NS;
    if (f->ctime_ns >= trusted_before || f->mtime_ns >= trusted_before)
        return NULL;
    if ((unsigned long long)json_integer_value(json_array_get(e, 0)) != f->dev ||
        (unsigned long long)json_integer_value(json_array_get(e, 1)) != f->ino ||
        json_integer_value(json_array_get(e, 2)) != f->size ||
        json_integer_value(json_array_get(e, 3)) != f->mtime_ns ||
        json_integer_value(json_array_get(e, 4)) != f->ctime_ns)
        return NULL;
    return json_string_value(json_array_get(e, 5));
}

void runcache_keep(struct runcache *rc, const char *path)
{
    json_t *e = json_object_get(rc->prev_files, path);
    if (e)
        json_object_set(rc->files, path, e);
}

void runcache_remember(struct runcache *rc, const struct content_file *f,
                       const char *hash)
{
    json_object_set_new(rc->files, f->path,
                        json_pack("[I,I,I,I,I,s]", (json_int_t)f->dev, (json_int_t)f->ino,
                                  (json_int_t)f->size, (json_int_t)f->mtime_ns,
                                  (json_int_t)f->ctime_ns, hash));
}

int runcache_save(struct runcache *rc, kb_index *ix, struct linkcheck *lc)
{
    json_t *links = linkcheck_state(lc);
    kb_stats st;
    if (!links || kb_get_stats(ix, &st) != KB_OK)
        return 0;
    json_t *c = json_pack("{s:i,s:s,s:I,s:I,s:I,s:I,s:O,s:O}", "format", CACHE_FORMAT,
                          "hash_context", rc->hash_context, "revision",
                          (json_int_t)st.revision, "articles", (json_int_t)st.articles,
                          "sections", (json_int_t)st.sections, "started_ns",
                          (json_int_t)rc->started_ns, "files", rc->files, "links", links);
    int rv = 0;
    if (!c || json_dump_file(c, rc->tmp, JSON_COMPACT) != 0 || rename(rc->tmp, rc->path) != 0) {
        remove(rc->tmp);
        rv = -1;
    }
    json_decref(c);
    return rv;
}

const char *runcache_path(const struct runcache *rc)
{
    return rc->path;
}
