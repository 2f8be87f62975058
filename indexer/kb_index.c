/* kb_index.c -- one kb-index run: a content folder into the search
 * index (kb_index.h; main() is in kb_index_main.c).
 *
 * One run is one index transaction: files whose content hash changed
 * are parsed and replaced, files that disappeared are removed, and the
 * whole run is committed once, so a reader sees either the old or the
 * new revision, never half of a run.
 *
 * "Disappeared" means the scan saw the file's folder and the file was
 * not in it.  A file or folder that could not be read is an error, and
 * the articles from it (or from below it) stay as they were: not being
 * able to look is not evidence that they are gone.  --full therefore
 * does not empty the index first: it parses every file it can read and
 * then removes the articles that no file of this run accounts for.
 *
 * What a run needs from the last one and the index cannot give cheaply
 * (stat() and hash of every file, the link map) is in the run cache,
 * INDEX/kb-index.cache: see runcache.h.  --full does not read it but
 * writes it for the next run. */
#include "article.h"
#include "docfx.h"
#include "faq.h"
#include "frontmatter.h"
#include "index_dir.h"
#include "kb.h"
#include "kb_index.h"
#include "kb_schema.h"
#include "learn_run.h"
#include "linkcheck.h"
#include "markdown.h"
#include "progress.h"
#include "query_check.h"
#include "record.h"
#include "replay.h"
#include "runcache.h"
#include "scan.h"
#include "utf8.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Files larger than this are not help articles; reading them whole
 * would only waste memory. */
#define MAX_FILE_BYTES (8u * 1024 * 1024)

/* Bumped when parsing changes, so every file is parsed again. */
#define PARSER_VERSION "kb-index-2"

struct run {
    struct kb_index_options opt;
    kb_index *ix;
    struct progress progress;
    struct linkcheck *links;
    struct runcache *cache;
    const struct scan *scan;
    json_t *seen_keys; /* article key -> path: duplicates; kept by --full */
    json_t *failed;    /* content path -> true: the file had an error */
    size_t learned;    /* learned pairs applied (learn_run.h) */
    unsigned long indexed, unchanged, deleted, errors, warnings, skipped;
    struct query_check_counts queries; /* the articles' questions */
    struct replay_counts replay;       /* --replay */
    int index_trouble; /* an index write failed: the link map may be off */
};

static void diag_print(struct run *r, const char *path, unsigned line, int is_error,
                       const char *msg)
{
    progress_clear(&r->progress);
    if (line)
        fprintf(stderr, "%s:%u: %s: %s\n", path, line, is_error ? "error" : "warning", msg);
    else
        fprintf(stderr, "%s: %s: %s\n", path, is_error ? "error" : "warning", msg);
    if (is_error)
        r->errors++;
    else
        r->warnings++;
}

static void scan_diag(void *ctx, const char *path, int is_error, const char *msg)
{
    diag_print(ctx, path, 0, is_error, msg);
}

static void lower_in_place(char *s)
{
    for (; s && *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* Reads a whole file; returns NULL with a message on failure. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read file: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            if (cap >= MAX_FILE_BYTES) {
                snprintf(err, errlen, "file larger than %u bytes; split it",
                         MAX_FILE_BYTES);
                free(buf);
                fclose(f);
                return NULL;
            }
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
            } else {
                buf = nb;
            }
        }
    }
    int failed = ferror(f);
    fclose(f);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (failed) {
        snprintf(err, errlen, "cannot read file: %s", strerror(errno));
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void content_hash(const struct kb_index_options *o, const char *buf, size_t len,
                         char out[33])
{
    unsigned char h[16];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    /* The parser and the index schema are part of the hash: when either
     * changes, every file is indexed again on the next run. */
    crypto_generichash_update(&st, (const unsigned char *)PARSER_VERSION,
                              sizeof PARSER_VERSION);
    crypto_generichash_update(&st, (const unsigned char *)KB_SCHEMA_VERSION,
                              sizeof KB_SCHEMA_VERSION);
    crypto_generichash_update(&st, (const unsigned char *)o->default_locale,
                              strlen(o->default_locale) + 1);
    crypto_generichash_update(&st, (const unsigned char *)buf, len);
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, 33, h, sizeof h);
}

static unsigned line_of(const char *buf, size_t off)
{
    unsigned line = 1;
    for (size_t i = 0; i < off; i++)
        if (buf[i] == '\n')
            line++;
    return line;
}

/* Parses one file into an article.  Returns 1 parsed, 0 not content
 * (a DocFX landing or TOC YAML), -1 error (reported). */
static int parse_file(struct run *r, const struct content_file *f, const char *buf,
                      size_t len, struct article *a)
{
    struct diag d = {0, 1, ""};
    if (f->is_yaml) {
        if (!faq_is_faq(buf, len))
            return 0;
        if (faq_parse(buf, len, a, &d) != 0) {
            diag_print(r, f->path, d.line, 1, d.msg);
            return -1;
        }
    } else {
        size_t body_off = 0;
        unsigned body_line = 1;
        if (frontmatter_parse(buf, len, a, &body_off, &body_line, &d) != 0) {
            diag_print(r, f->path, d.line, 1, d.msg);
            return -1;
        }
        char *clean = docfx_clean(buf + body_off, len - body_off);
        if (!clean) {
            diag_print(r, f->path, 0, 1, "out of memory");
            return -1;
        }
        int rc = markdown_extract(a, clean, strlen(clean), body_line, &d);
        free(clean);
        if (rc != 0) {
            diag_print(r, f->path, d.line, 1, d.msg);
            return -1;
        }
    }
    /* The locale folder wins over front matter: it is where the file is. */
    if (f->locale) {
        if (article_set(&a->locale, f->locale) != 0)
            return -1;
    } else if (!a->locale || !*a->locale) {
        if (article_set(&a->locale, r->opt.default_locale) != 0)
            return -1;
    }
    lower_in_place(a->locale);
    if ((!a->id || !*a->id) && article_set(&a->id, f->id) != 0)
        return -1;
    if (!a->title || !*a->title) {
        diag_print(r, f->path, 1, 1,
                   "missing title: add 'title:' to the front matter or a '# Heading' line");
        return -1;
    }
    if ((!a->topic || !*a->topic) &&
        article_set(&a->topic, f->is_yaml ? "faq" : "article") != 0)
        return -1;
    if (article_set(&a->path, f->path) != 0)
        return -1;
    if (!a->description && article_set(&a->description, "") != 0)
        return -1;
    if (!a->product && article_set(&a->product, "") != 0)
        return -1;
    if (!a->updated && article_set(&a->updated, "") != 0)
        return -1;
    if (!a->markdown && article_set(&a->markdown, "") != 0)
        return -1;
    return 1;
}

static int put_article(struct run *r, const struct content_file *f, struct article *a)
{
    kb_unit *units = calloc(a->nsections ? a->nsections : 1, sizeof *units);
    char *json = record_build(a);
    if (!units || !json) {
        free(units);
        free(json);
        diag_print(r, f->path, 0, 1, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < a->nsections; i++) {
        units[i].anchor = a->sections[i].anchor;
        units[i].title = a->sections[i].title;
        units[i].text = a->sections[i].text;
        units[i].is_question = a->sections[i].is_question;
    }
    kb_doc d = {
        .id = a->id, .locale = a->locale, .title = a->title,
        .description = a->description, .topic = a->topic, .product = a->product,
        .updated = a->updated, .tags = (const char *const *)a->tags,
        .ntags = a->ntags, .internal = a->internal,
        .machine_translated = a->machine_translated, .units = units,
        .nunits = a->nsections, .record_json = json,
    };
    kb_status st = kb_put(r->ix, &d);
    free(units);
    free(json);
    if (st != KB_OK) {
        diag_print(r, f->path, 0, 1, kb_last_error(r->ix));
        return -1;
    }
    return 0;
}

/* Removes the article behind a stored "<locale>/<id>" key. */
static int delete_key(struct run *r, const char *path, const char *key)
{
    const char *slash = strchr(key, '/');
    if (!slash)
        return 0;
    char locale[64];
    size_t n = (size_t)(slash - key);
    if (n >= sizeof locale)
        return 0;
    memcpy(locale, key, n);
    locale[n] = '\0';
    if (kb_delete(r->ix, locale, slash + 1) != KB_OK) {
        r->index_trouble = 1;
        diag_print(r, path, 0, 1, kb_last_error(r->ix));
        return -1;
    }
    return 0;
}

static void unchanged(struct run *r, const struct content_file *f, const char *key)
{
    r->unchanged++;
    json_object_set_new(r->seen_keys, key, json_string(f->path));
}

/* The article from path stays as the index has it, although this run
 * did not (or could not) read it again. */
static void keep(struct run *r, const char *path, const char *key)
{
    if (key)
        json_object_set_new(r->seen_keys, key, json_string(path));
}

/* The file at path is no article (any more): its article and its file
 * entry go.  Returns 0, or -1 when the index could not be changed
 * (reported). */
static int forget_file(struct run *r, const char *path, const char *key)
{
    if (key && delete_key(r, path, key) != 0)
        return -1;
    linkcheck_forget(r->links, path);
    if (kb_file_forget(r->ix, path) != KB_OK) {
        r->index_trouble = 1;
        diag_print(r, path, 0, 1, kb_last_error(r->ix));
        return -1;
    }
    return 0;
}

/* Handles one file; updates the run's counters. */
static void index_file(struct run *r, const struct content_file *f)
{
    char err[256];
    char *old_hash = NULL, *old_key = NULL;
    if (kb_file_get(r->ix, f->path, &old_hash, &old_key) != KB_OK) {
        diag_print(r, f->path, 0, 1, kb_last_error(r->ix));
        return;
    }
    const char *known = r->opt.full ? NULL : runcache_hash(r->cache, f);
    if (known && old_hash && strcmp(old_hash, known) == 0) {
        runcache_keep(r->cache, f->path);
        unchanged(r, f, old_key);
        free(old_hash);
        free(old_key);
        return;
    }

    size_t len = 0;
    char *buf = read_file(f->abs, &len, err, sizeof err);
    if (!buf) {
        diag_print(r, f->path, 0, 1, err);
        keep(r, f->path, old_key);
        free(old_hash);
        free(old_key);
        return;
    }
    char hash[33];
    content_hash(&r->opt, buf, len, hash);
    runcache_remember(r->cache, f, hash);
    /* Only files that were valid UTF-8 have a hash in the index, so an
     * unchanged one needs no second look. */
    if (!r->opt.full && old_hash && strcmp(old_hash, hash) == 0) {
        unchanged(r, f, old_key);
        free(old_hash);
        free(old_key);
        free(buf);
        return;
    }
    size_t bad = 0;
    if (!utf8_valid(buf, len, &bad)) {
        unsigned char c = (unsigned char)buf[bad];
        if (c == 0)
            snprintf(err, sizeof err,
                     "binary file (NUL byte at offset %zu); only UTF-8 text is indexed", bad);
        else
            snprintf(err, sizeof err, "invalid UTF-8 (byte 0x%02x); save the file as UTF-8",
                     (unsigned)c);
        diag_print(r, f->path, line_of(buf, bad), 1, err);
        keep(r, f->path, old_key);
        free(buf);
        free(old_hash);
        free(old_key);
        return;
    }

    struct article *a = article_new();
    int rc = a ? parse_file(r, f, buf, len, a) : -1;
    free(buf);
    if (rc == 1) {
        char key[1024];
        snprintf(key, sizeof key, "%s/%s", a->locale, a->id);
        json_t *other = json_object_get(r->seen_keys, key);
        if (other) {
            snprintf(err, sizeof err,
                     "duplicate article id '%s' (locale %s), also in %s; give one an 'id:'",
                     a->id, a->locale, json_string_value(other));
            diag_print(r, f->path, 1, 1, err);
        } else {
            if (old_key && strcmp(old_key, key) != 0)
                delete_key(r, f->path, old_key);
            if (put_article(r, f, a) == 0 &&
                kb_file_set(r->ix, f->path, hash, key) == KB_OK) {
                json_object_set_new(r->seen_keys, key, json_string(f->path));
                if (linkcheck_set(r->links, f->path, a) != 0) {
                    r->index_trouble = 1;
                    diag_print(r, f->path, 0, 1, "out of memory");
                } else {
                    r->indexed++;
                }
            } else {
                r->index_trouble = 1;
            }
        }
    } else if (rc == 0) {
        r->skipped++;
        /* An article that became a landing page or a TOC is gone. */
        if (old_key && forget_file(r, f->path, old_key) == 0)
            r->deleted++;
    } else {
        /* Keep the last good version searchable; only this run's parse
         * failed.  Its hash stays old, so the next run tries again. */
        keep(r, f->path, old_key);
    }
    article_free(a);
    free(old_hash);
    free(old_key);
}

struct gone_ctx {
    struct run *r;
    json_t *present; /* path -> true for every scanned file */
};

static int forget_if_gone(void *ctx, const char *path, const char *hash, const char *key)
{
    struct gone_ctx *g = ctx;
    (void)hash;
    if (json_object_get(g->present, path))
        return 0;
    if (scan_is_unreadable(g->r->scan, path)) {
        /* Below a folder the scan could not read (reported there). */
        keep(g->r, path, key);
        runcache_keep(g->r->cache, path);
        return 0;
    }
    if (forget_file(g->r, path, key) == 0)
        g->r->deleted++;
    return 0;
}

/* kb_foreach_record callback: the keys of records no file of this run
 * accounts for. */
static int collect_unseen(void *ctx, const char *json, size_t len)
{
    struct gone_ctx *g = ctx;
    json_t *rec = json_loadb(json, len, 0, NULL);
    const char *id = json_string_value(json_object_get(rec, "id"));
    const char *locale = json_string_value(json_object_get(rec, "locale"));
    const char *path = json_string_value(json_object_get(rec, "path"));
    if (id && locale) {
        char key[1024];
        snprintf(key, sizeof key, "%s/%s", locale, id);
        /* A file with an error may not have said which article it had
         * (the index could not tell): its path keeps the record. */
        if (!json_object_get(g->r->seen_keys, key) &&
            !(path && (json_object_get(g->r->failed, path) ||
                       scan_is_unreadable(g->r->scan, path))))
            json_object_set_new(g->present, key, json_string(path ? path : key));
    }
    json_decref(rec);
    return 0;
}

/* --full: removes every article that no file of this run indexed or
 * kept, as emptying the index first would have, without touching the
 * ones kept because their files could not be read or had errors.
 * Returns 0, or -1 on an index error. */
static int remove_unseen(struct run *r)
{
    json_t *unseen = json_object();
    struct gone_ctx g = {r, unseen};
    if (!unseen || kb_foreach_record(r->ix, 1, collect_unseen, &g) != KB_OK) {
        json_decref(unseen);
        return -1;
    }
    /* Deleted after the walk: the walk reads the documents it deletes. */
    const char *key;
    json_t *path;
    json_object_foreach(unseen, key, path)
    {
        if (delete_key(r, json_string_value(path), key) == 0)
            r->deleted++;
    }
    json_decref(unseen);
    return 0;
}

static void link_warning(void *ctx, const char *path, unsigned line, const char *msg)
{
    diag_print(ctx, path, line, 0, msg);
}

/* A question an article must answer that it does not: a warning, an
 * error with --strict-queries. */
static void query_miss(void *ctx, const char *path, unsigned line, const char *msg)
{
    struct run *r = ctx;
    diag_print(r, path, line, r->opt.strict_queries, msg);
}

static void replay_line(void *ctx, int worse, const char *line)
{
    struct run *r = ctx;
    (void)worse;
    progress_clear(&r->progress);
    fprintf(stderr, "replay: %s\n", line);
}

/* --replay (replay.h); -1 when it could not run (reported). */
static int replay(struct run *r, double now)
{
    char err[512];
    struct replay_options ro = {
        r->opt.replay_db, r->opt.index, r->opt.default_locale, r->opt.synonyms,
        r->opt.replay_top, r->opt.deflection_window, now,
    };
    if (replay_run(r->ix, &ro, replay_line, r, &r->replay, err, sizeof err) == 0)
        return 0;
    progress_clear(&r->progress);
    fprintf(stderr, "kb-index: %s\n", err);
    return -1;
}

static long long realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Leaves the run cache for the revision just committed.  After a
 * failed index write the link map may not match the index, so the old
 * cache stays and its revision no longer fits.  Failing to write is
 * not an error: the next run does without. */
static void save_cache(struct run *r)
{
    if (r->index_trouble || runcache_save(r->cache, r->ix, r->links) == 0)
        return;
    progress_clear(&r->progress);
    fprintf(stderr, "kb-index: cannot write %s; the next run reads the index "
            "instead\n", runcache_path(r->cache));
}

static int fail(struct run *r, const char *what)
{
    progress_clear(&r->progress);
    fprintf(stderr, "kb-index: %s: %s\n", what, kb_last_error(r->ix));
    return 3;
}

/* The articles' questions (query_check.h) on the index r->ix sees; -1
 * when the index could not be searched (reported). */
static int check_questions(struct run *r)
{
    if (query_check_run(r->ix, r->opt.default_locale, query_miss, r, &r->queries) == 0)
        return 0;
    fail(r, "cannot search the articles' questions");
    return -1;
}

static void print_summary(struct run *r, double seconds)
{
    kb_stats st = {0};
    kb_get_stats(r->ix, &st);
    if (r->opt.json) {
        json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:{s:I,s:I}}", "indexed",
                              (json_int_t)r->indexed, "unchanged",
                              (json_int_t)r->unchanged, "deleted",
                              (json_int_t)r->deleted, "errors", (json_int_t)r->errors,
                              "warnings", (json_int_t)r->warnings, "articles",
                              (json_int_t)st.articles, "sections",
                              (json_int_t)st.sections, "seconds", seconds, "queries",
                              "checked", (json_int_t)r->queries.checked, "missed",
                              (json_int_t)r->queries.missed);
        if (o && json_object_set_new(o, "learned", json_integer((json_int_t)r->learned)))
            json_decref(o), o = NULL;
        if (o && r->opt.replay_db &&
            json_object_set_new(o, "replay",
                                json_pack("{s:I,s:I,s:I}", "queries",
                                          (json_int_t)r->replay.queries, "worse",
                                          (json_int_t)r->replay.worse, "better",
                                          (json_int_t)r->replay.better)))
            json_decref(o), o = NULL;
        if (o) {
            json_dumpf(o, stdout, JSON_COMPACT);
            fputc('\n', stdout);
        }
        json_decref(o);
    } else if (!r->opt.quiet && isatty(STDOUT_FILENO)) {
        printf("kb-index: %lu indexed, %lu unchanged, %lu deleted, %lu errors, "
               "%lu warnings; %lu articles, %lu sections in the index (%.2f s)\n",
               r->indexed, r->unchanged, r->deleted, r->errors, r->warnings,
               st.articles, st.sections, seconds);
        if (r->opt.replay_db)
            printf("kb-index: %lu replayed queries, %lu worse, %lu better\n",
                   r->replay.queries, r->replay.worse, r->replay.better);
    }
}

int kb_index_run(const struct kb_index_options *o)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.opt = *o;
    if (sodium_init() < 0) {
        fputs("kb-index: cannot initialise libsodium\n", stderr);
        return 3;
    }
    double t0 = progress_now();
    /* Taken before the scan stats the files: see runcache_hash(). */
    long long started_ns = realtime_ns();
    /* The hash of nothing stands for the options that go into every
     * hash; a cache taken under other ones is not used. */
    char hash_context[33];
    content_hash(&r.opt, "", 0, hash_context);
    char err[512];
    struct scan sc;
    progress_init(&r.progress, 0, 0);
    if (scan_content(r.opt.content, &sc, scan_diag, &r, err, sizeof err) != 0) {
        fprintf(stderr, "kb-index: %s\n", err);
        return 2;
    }
    if (sc.n == 0) {
        /* Committing nothing would empty the index: most likely the
         * wrong folder. */
        fprintf(stderr, "kb-index: no articles found in %s (Markdown .md files or YAML "
                        "FAQs, at any depth); the index is left as it is\n", r.opt.content);
        scan_release(&sc);
        return 2;
    }
    if (index_dir_unusable(r.opt.index)) {
        scan_release(&sc);
        return 3;
    }
    kb_status st = kb_open_shards(r.opt.index, r.opt.shards, KB_OPEN_WRITE, &r.ix);
    if (st != KB_OK) {
        fprintf(stderr, "kb-index: cannot open index %s: %s%s%s\n", r.opt.index,
                kb_status_str(st), r.ix ? ": " : "", r.ix ? kb_last_error(r.ix) : "");
        if (st == KB_ERR_LOCKED)
            fputs("kb-index: another kb-index is writing this index; try again when "
                  "it has finished\n", stderr);
        kb_close(r.ix);
        scan_release(&sc);
        return 3;
    }
    int code = 0;
    r.scan = &sc;
    r.seen_keys = json_object();
    r.failed = json_object();
    r.links = linkcheck_new();
    r.cache = runcache_new(r.opt.index, hash_context, started_ns);
    json_t *present = json_object();
    if (!r.seen_keys || !r.failed || !r.links || !r.cache || !present) {
        fputs("kb-index: out of memory\n", stderr);
        code = 3;
        goto out;
    }
    if (!r.opt.full)
        runcache_load(r.cache, r.ix, r.links);
    if (kb_begin(r.ix) != KB_OK) {
        code = fail(&r, "cannot start the index transaction");
        goto out;
    }
    if (r.opt.full)
        linkcheck_reset(r.links);
    for (size_t i = 0; i < sc.n; i++)
        json_object_set_new(present, sc.files[i].path, json_true());
    struct gone_ctx g = {&r, present};
    if (kb_foreach_file(r.ix, forget_if_gone, &g) != KB_OK) {
        code = fail(&r, "cannot read the index's file list");
        goto out;
    }

    progress_init(&r.progress, sc.n, !r.opt.quiet && !r.opt.json && isatty(STDOUT_FILENO));
    double last_json = 0;
    for (size_t i = 0; i < sc.n; i++) {
        unsigned long errors = r.errors;
        index_file(&r, &sc.files[i]);
        if (r.errors != errors)
            json_object_set_new(r.failed, sc.files[i].path, json_true());
        progress_update(&r.progress, i + 1, sc.files[i].path);
        if (r.opt.progress_json && (progress_now() - last_json > 0.2 || i + 1 == sc.n)) {
            last_json = progress_now();
            printf("{\"progress\":{\"done\":%zu,\"total\":%zu}}\n", i + 1, sc.n);
            fflush(stdout);
        }
    }
    progress_clear(&r.progress);

    if (r.opt.full) {
        if (remove_unseen(&r) != 0) {
            code = fail(&r, "cannot read the index's records");
            goto out;
        }
        /* Articles kept without being read are not in the map this
         * run built. */
        if (r.errors)
            linkcheck_recheck_all(r.links);
    }
    if (linkcheck_run(r.links, r.ix, link_warning, &r) != 0) {
        code = fail(&r, "cannot check links");
        goto out;
    }
    /* Learned words go with the unit documents kb_put() just replaced:
     * put them back, or apply the database's current set. */
    if (learn_run(r.ix, r.opt.learn_db, r.opt.learn_min_visits, r.opt.deflection_window,
                  (double)realtime_ns() / 1e9, &r.learned, err, sizeof err) != 0) {
        progress_clear(&r.progress);
        fprintf(stderr, "kb-index: %s\n", err);
        code = 3;
        goto out;
    }
    /* The articles' questions are searched on what this run wrote.  Only
     * when their misses decide the commit (--strict --strict-queries)
     * before it; else after, so that a changed article is served
     * without waiting for every question of the help center. */
    int check_first = r.opt.strict && r.opt.strict_queries;
    if (check_first && check_questions(&r) != 0) {
        code = 3;
        goto out;
    }
    if (r.opt.replay_db && replay(&r, (double)realtime_ns() / 1e9) != 0) {
        code = 3;
        goto out;
    }
    /* A run that commits nothing still says which questions its
     * content misses (the reindex job's status lists them). */
    int refused = (r.opt.strict && r.errors) || (r.opt.gate && r.replay.worse);
    if (refused && !check_first && check_questions(&r) != 0) {
        code = 3;
        goto out;
    }
    if (r.opt.strict && r.errors) {
        kb_cancel(r.ix);
        fprintf(stderr, "kb-index: %lu file(s) with errors; --strict: nothing committed\n",
                r.errors);
        r.indexed = r.deleted = 0;
        code = 1;
    } else if (r.opt.gate && r.replay.worse) {
        kb_cancel(r.ix);
        fprintf(stderr, "kb-index: %lu of %lu replayed queries worse; --gate: nothing "
                "committed\n", r.replay.worse, r.replay.queries);
        r.indexed = r.deleted = 0;
        code = 4;
    } else {
        if (kb_commit(r.ix) != KB_OK) {
            code = fail(&r, "cannot commit");
            goto out;
        }
        save_cache(&r);
        if (!check_first && check_questions(&r) != 0) {
            code = 3;
            goto out;
        }
        code = r.errors ? 1 : 0;
    }
    print_summary(&r, progress_now() - t0);
out:
    json_decref(present);
    json_decref(r.seen_keys);
    json_decref(r.failed);
    runcache_free(r.cache);
    linkcheck_free(r.links);
    kb_close(r.ix);
    scan_release(&sc);
    return code;
}
