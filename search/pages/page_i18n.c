/* page_i18n.c -- loading web/i18n/<lang>.json and looking strings up. */
#include "page_i18n.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct i18n_entry {
    char *key;
    char *value;
};

struct i18n_lang {
    char code[16];
    const char *locale;         /* points into e[] */
    const char *name;
    struct i18n_entry *e;       /* sorted by key */
    size_t n;
    const struct i18n_lang *en; /* the fallback language of the table */
};

/* Filled by i18n_load() before anyone sees it, read-only afterwards, so
 * readers need no lock. */
struct i18n_table {
    struct i18n_lang *langs; /* sorted by code */
    size_t n;
};

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct i18n_entry *)a)->key, ((const struct i18n_entry *)b)->key);
}

static int lang_cmp(const void *a, const void *b)
{
    return strcmp(((const struct i18n_lang *)a)->code, ((const struct i18n_lang *)b)->code);
}

static const char *lookup(const struct i18n_lang *l, const char *key)
{
    if (!l)
        return NULL;
    struct i18n_entry probe = {(char *)key, NULL};
    const struct i18n_entry *e = bsearch(&probe, l->e, l->n, sizeof *l->e, entry_cmp);
    return e ? e->value : NULL;
}

static void lang_release(struct i18n_lang *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->e[i].key);
        free(l->e[i].value);
    }
    free(l->e);
    memset(l, 0, sizeof *l);
}

/* Reads one file into l; 0, or -1 with the reason on stderr. */
static int load_file(const char *path, const char *code, struct i18n_lang *l)
{
    json_error_t jerr;
    json_t *o = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    memset(l, 0, sizeof *l);
    if (!o || !json_is_object(o)) {
        fprintf(stderr, "kb-serve: %s:%d: %s\n", path, jerr.line,
                o ? "not a JSON object" : jerr.text);
        json_decref(o);
        return -1;
    }
    snprintf(l->code, sizeof l->code, "%s", code);
    l->e = calloc(json_object_size(o) + 1, sizeof *l->e);
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        if (!json_is_string(v)) {
            fprintf(stderr, "kb-serve: %s: \"%s\" is not a string; ignored\n", path, key);
            continue;
        }
        if (!l->e)
            break;
        l->e[l->n].key = strdup(key);
        l->e[l->n].value = strdup(json_string_value(v));
        if (!l->e[l->n].key || !l->e[l->n].value) {
            free(l->e[l->n].key);
            free(l->e[l->n].value);
            break;
        }
        l->n++;
    }
    json_decref(o);
    if (!l->e) {
        fprintf(stderr, "kb-serve: %s: out of memory\n", path);
        return -1;
    }
    qsort(l->e, l->n, sizeof *l->e, entry_cmp);
    l->locale = lookup(l, "meta.locale");
    l->name = lookup(l, "meta.name");
    return 0;
}

int i18n_load(const char *web_dir, struct i18n_table **out)
{
    struct i18n_table *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t)
        return -1;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/i18n", web_dir);
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "kb-serve: %s: no UI strings; pages show their keys\n", dir);
        *out = t;
        return 0;
    }
    struct dirent *de;
    int oom = 0;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 6 || len > 15 ||
            strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        struct i18n_lang *grown = realloc(t->langs, (t->n + 1) * sizeof *grown);
        if (!grown) {
            oom = 1;
            break;
        }
        t->langs = grown;
        char path[4400], code[16];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        snprintf(code, sizeof code, "%.*s", (int)(len - 5), de->d_name);
        if (load_file(path, code, &t->langs[t->n]) == 0)
            t->n++;
        else
            lang_release(&t->langs[t->n]);
    }
    closedir(d);
    if (oom) {
        i18n_free(t);
        return -1;
    }
    if (t->n)
        qsort(t->langs, t->n, sizeof *t->langs, lang_cmp);
    const struct i18n_lang *en = t->n ? &t->langs[0] : NULL;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->langs[i].code, "en") == 0)
            en = &t->langs[i];
    for (size_t i = 0; i < t->n; i++)
        t->langs[i].en = en;
    *out = t;
    return 0;
}

void i18n_free(struct i18n_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        lang_release(&t->langs[i]);
    free(t->langs);
    free(t);
}

const struct i18n_lang *i18n_get(const struct i18n_table *t, const char *lang)
{
    if (!t || !t->n)
        return NULL;
    char code[16];
    snprintf(code, sizeof code, "%s", lang ? lang : "");
    char *dash = strpbrk(code, "-_");
    if (dash)
        *dash = '\0';
    for (char *p = code; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->langs[i].code, code) == 0)
            return &t->langs[i];
    return t->langs[0].en;
}

const char *i18n_str(const struct i18n_lang *l, const char *key)
{
    const char *s = lookup(l, key);
    if (!s && l)
        s = lookup(l->en, key);
    return s ? s : key;
}

const char *i18n_code(const struct i18n_lang *l)
{
    return l ? l->code : "en";
}

const char *i18n_locale(const struct i18n_lang *l)
{
    return l && l->locale ? l->locale : "";
}

const char *i18n_name(const struct i18n_lang *l)
{
    return l && l->name ? l->name : i18n_code(l);
}

size_t i18n_count(const struct i18n_table *t)
{
    return t ? t->n : 0;
}

const struct i18n_lang *i18n_at(const struct i18n_table *t, size_t i)
{
    return t && i < t->n ? &t->langs[i] : NULL;
}

void i18n_each(const struct i18n_lang *l, int (*fn)(void *ctx, const char *key,
                                                    const char *value),
               void *ctx)
{
    const struct i18n_lang *en = l && l->en ? l->en : l;
    for (size_t i = 0; en && i < en->n; i++)
        if (fn(ctx, en->e[i].key, i18n_str(l, en->e[i].key)) != 0)
            return;
}
