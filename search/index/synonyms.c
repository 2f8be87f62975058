/* synonyms.c -- content/synonyms.yml: parsing (libyaml), the immutable
 * reference-counted set, and the holder that reloads it when the file
 * changes.
 *
 * File shape: a mapping from locale to a list of groups, each group a
 * list of at least two terms (words or phrases):
 *
 *     en-us:
 *       - [invoice, bill, statement]
 *       - [service request, ticket]
 */
#include "synonyms.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <yaml.h>

struct syn_group {
    char **terms;
    size_t n;
};

struct syn_locale {
    char *locale; /* lower case */
    struct syn_group *groups;
    size_t n;
};

struct kb_synonyms {
    atomic_uint refs;
    struct syn_locale *locales;
    size_t n;
};

static void set_err(char *err, size_t errlen, const char *path, const yaml_node_t *at,
                    const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    int n = snprintf(err, errlen, "%s:%lu: ", path,
                     at ? (unsigned long)at->start_mark.line + 1 : 1UL);
    if (n < 0 || (size_t)n >= errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static void free_set(kb_synonyms *s)
{
    for (size_t l = 0; l < s->n; l++) {
        struct syn_locale *loc = &s->locales[l];
        for (size_t g = 0; g < loc->n; g++) {
            for (size_t t = 0; t < loc->groups[g].n; t++)
                free(loc->groups[g].terms[t]);
            free(loc->groups[g].terms);
        }
        free(loc->groups);
        free(loc->locale);
    }
    free(s->locales);
    free(s);
}

static char *scalar_dup(const yaml_node_t *node)
{
    size_t n = node->data.scalar.length;
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, node->data.scalar.value, n);
        p[n] = '\0';
    }
    return p;
}

/* One group: a sequence of scalars.  0, or -1 with err set. */
static int read_group(yaml_document_t *doc, const yaml_node_t *seq, struct syn_group *g,
                      const char *path, char *err, size_t errlen)
{
    if (seq->type != YAML_SEQUENCE_NODE) {
        set_err(err, errlen, path, seq, "a group must be a list of terms, like [bill, invoice]");
        return -1;
    }
    size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    g->terms = calloc(n ? n : 1, sizeof *g->terms);
    if (!g->terms) {
        set_err(err, errlen, path, seq, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *t = yaml_document_get_node(doc, seq->data.sequence.items.start[i]);
        if (!t || t->type != YAML_SCALAR_NODE || t->data.scalar.length == 0) {
            set_err(err, errlen, path, t ? t : seq, "a synonym term must be a word or phrase");
            return -1;
        }
        if (!(g->terms[g->n] = scalar_dup(t))) {
            set_err(err, errlen, path, t, "out of memory");
            return -1;
        }
        g->n++;
    }
    if (g->n < 2) {
        set_err(err, errlen, path, seq, "a group needs at least two terms");
        return -1;
    }
    return 0;
}

static int read_locale(yaml_document_t *doc, const yaml_node_t *key, const yaml_node_t *val,
                       struct syn_locale *loc, const char *path, char *err, size_t errlen)
{
    if (key->type != YAML_SCALAR_NODE || key->data.scalar.length == 0 ||
        key->data.scalar.length > 32) {
        set_err(err, errlen, path, key, "expected a locale such as en-us");
        return -1;
    }
    if (!(loc->locale = scalar_dup(key))) {
        set_err(err, errlen, path, key, "out of memory");
        return -1;
    }
    for (char *c = loc->locale; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    if (val->type == YAML_SCALAR_NODE && val->data.scalar.length == 0)
        return 0; /* "de-de:" with no groups yet */
    if (val->type != YAML_SEQUENCE_NODE) {
        set_err(err, errlen, path, val, "'%s' must be a list of groups", loc->locale);
        return -1;
    }
    size_t n = (size_t)(val->data.sequence.items.top - val->data.sequence.items.start);
    loc->groups = calloc(n ? n : 1, sizeof *loc->groups);
    if (!loc->groups) {
        set_err(err, errlen, path, val, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *g = yaml_document_get_node(doc, val->data.sequence.items.start[i]);
        int rc = read_group(doc, g, &loc->groups[loc->n], path, err, errlen);
        loc->n++; /* counted even when half read, so free_set frees it */
        if (rc != 0)
            return -1;
    }
    return 0;
}

static kb_synonyms *parse_doc(yaml_document_t *doc, const char *path, char *err, size_t errlen)
{
    yaml_node_t *root = yaml_document_get_root_node(doc);
    kb_synonyms *s = calloc(1, sizeof *s);
    if (!s) {
        set_err(err, errlen, path, NULL, "out of memory");
        return NULL;
    }
    atomic_init(&s->refs, 1);
    if (!root) /* an empty file: no synonyms */
        return s;
    if (root->type != YAML_MAPPING_NODE) {
        set_err(err, errlen, path, root, "expected locales (en-us:, ru-ru:) at the top level");
        free_set(s);
        return NULL;
    }
    size_t n = (size_t)(root->data.mapping.pairs.top - root->data.mapping.pairs.start);
    s->locales = calloc(n ? n : 1, sizeof *s->locales);
    if (!s->locales) {
        set_err(err, errlen, path, root, "out of memory");
        free_set(s);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *p = &root->data.mapping.pairs.start[i];
        int rc = read_locale(doc, yaml_document_get_node(doc, p->key),
                             yaml_document_get_node(doc, p->value), &s->locales[s->n], path,
                             err, errlen);
        s->n++;
        if (rc != 0) {
            free_set(s);
            return NULL;
        }
    }
    return s;
}

kb_status kb_synonyms_load(const char *path, kb_synonyms **out, char *err, size_t errlen)
{
    if (!out)
        return KB_ERR_INVALID_ARG;
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!path)
        return KB_ERR_INVALID_ARG;
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, errlen, path, NULL, "cannot open the synonyms file");
        return KB_ERR_NOT_FOUND;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        return KB_ERR_NOMEM;
    }
    yaml_parser_set_input_file(&parser, f);
    kb_status st = KB_OK;
    if (!yaml_parser_load(&parser, &doc)) {
        if (err && errlen)
            snprintf(err, errlen, "%s:%lu: %s", path,
                     (unsigned long)parser.problem_mark.line + 1,
                     parser.problem ? parser.problem : "not valid YAML");
        st = KB_ERR_INVALID_ARG;
    } else {
        *out = parse_doc(&doc, path, err, errlen);
        if (!*out)
            st = KB_ERR_INVALID_ARG;
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    fclose(f);
    return st;
}

kb_synonyms *kb_synonyms_ref(kb_synonyms *s)
{
    if (s)
        atomic_fetch_add(&s->refs, 1);
    return s;
}

void kb_synonyms_free(kb_synonyms *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        free_set(s);
}

static const struct syn_locale *find_locale(const kb_synonyms *s, const char *locale)
{
    if (!s || !locale)
        return NULL;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->locales[i].locale, locale) == 0)
            return &s->locales[i];
    size_t lang = strcspn(locale, "-_");
    for (size_t i = 0; i < s->n; i++) {
        char c = s->locales[i].locale[lang];
        if (strncmp(s->locales[i].locale, locale, lang) == 0 &&
            (c == '\0' || c == '-' || c == '_'))
            return &s->locales[i];
    }
    return NULL;
}

size_t kb_synonyms_groups(const kb_synonyms *s, const char *locale)
{
    const struct syn_locale *l = find_locale(s, locale);
    return l ? l->n : 0;
}

const char *const *kb_synonyms_group(const kb_synonyms *s, const char *locale, size_t i,
                                     size_t *n)
{
    const struct syn_locale *l = find_locale(s, locale);
    *n = 0;
    if (!l || i >= l->n)
        return NULL;
    *n = l->groups[i].n;
    return (const char *const *)l->groups[i].terms;
}

/* ---- the reloading holder -------------------------------------------- */

struct synonyms_watch {
    char *path;
    pthread_mutex_t lock; /* guards everything below */
    kb_synonyms *current; /* one reference held here */
    struct timespec mtime;
    off_t size;
    ino_t ino;
    time_t checked; /* last look at the file, seconds */
};

static int same_file(const struct synonyms_watch *w, const struct stat *st)
{
    return st->st_mtim.tv_sec == w->mtime.tv_sec && st->st_mtim.tv_nsec == w->mtime.tv_nsec &&
           st->st_size == w->size && st->st_ino == w->ino;
}

static void remember(struct synonyms_watch *w, const struct stat *st)
{
    w->mtime = st->st_mtim;
    w->size = st->st_size;
    w->ino = st->st_ino;
}

int synonyms_watch_new(const char *path, struct synonyms_watch **out, char *err, size_t errlen)
{
    *out = NULL;
    struct synonyms_watch *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct stat st;
    if (stat(path, &st) != 0 || kb_synonyms_load(path, &w->current, err, errlen) != KB_OK) {
        if (err && errlen && !err[0])
            snprintf(err, errlen, "%s: cannot read the synonyms file", path);
        free(w->path);
        free(w);
        return -1;
    }
    remember(w, &st);
    w->checked = time(NULL);
    pthread_mutex_init(&w->lock, NULL);
    *out = w;
    return 0;
}

kb_synonyms *synonyms_watch_get(struct synonyms_watch *w)
{
    if (!w)
        return NULL;
    pthread_mutex_lock(&w->lock);
    time_t now = time(NULL);
    if (now != w->checked) {
        w->checked = now;
        struct stat st;
        if (stat(w->path, &st) == 0 && !same_file(w, &st)) {
            char err[512];
            kb_synonyms *fresh = NULL;
            remember(w, &st); /* a broken file is reported once, not every second */
            if (kb_synonyms_load(w->path, &fresh, err, sizeof err) == KB_OK) {
                kb_synonyms_free(w->current);
                w->current = fresh;
                fprintf(stderr, "kb-serve: reloaded %s\n", w->path);
            } else {
                fprintf(stderr, "kb-serve: %s (keeping the previous synonyms)\n", err);
            }
        }
    }
    kb_synonyms *s = kb_synonyms_ref(w->current);
    pthread_mutex_unlock(&w->lock);
    return s;
}

int synonyms_watch_reload(struct synonyms_watch *w, char *err, size_t errlen)
{
    struct stat st;
    kb_synonyms *fresh = NULL;
    if (stat(w->path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", w->path, strerror(errno));
        return -1;
    }
    if (kb_synonyms_load(w->path, &fresh, err, errlen) != KB_OK)
        return -1;
    pthread_mutex_lock(&w->lock);
    remember(w, &st);
    w->checked = time(NULL);
    kb_synonyms_free(w->current);
    w->current = fresh;
    pthread_mutex_unlock(&w->lock);
    return 0;
}

void synonyms_watch_free(struct synonyms_watch *w)
{
    if (!w)
        return;
    kb_synonyms_free(w->current);
    pthread_mutex_destroy(&w->lock);
    free(w->path);
    free(w);
}
