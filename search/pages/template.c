/* template.c -- loading and filling the web templates; see template.h
 * for the slot rules. */
#include "template.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tpl {
    char *name;       /* file name without .html */
    struct html text; /* the program's own markup */
};

struct templates {
    struct tpl *list;
    size_t n;
};

struct tpl_value {
    char *name;
    int is_html;
    char *text;       /* is_html == 0 */
    struct html html; /* is_html == 1 */
};

int templates_load(const char *dir, struct templates **out, char *err, size_t errlen)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: cannot read the templates folder (use --web DIR)", dir);
        return -1;
    }
    struct templates *t = calloc(1, sizeof *t);
    struct dirent *e;
    while (t && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".html") != 0 || e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct tpl *l = realloc(t->list, (t->n + 1) * sizeof *l);
        if (!l)
            break;
        t->list = l;
        l[t->n].name = strndup(e->d_name, len - 5);
        l[t->n].text = (struct html)HTML_INIT;
        if (!l[t->n].name || html_file(&l[t->n].text, path) != 0 ||
            html_failed(&l[t->n].text)) {
            free(l[t->n].name);
            html_release(&l[t->n].text);
            snprintf(err, errlen, "%s: cannot read template", path);
            closedir(d);
            templates_free(t);
            return -1;
        }
        t->n++;
    }
    closedir(d);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *out = t;
    return 0;
}

const char *templates_missing(const struct templates *have, const struct templates *fresh)
{
    for (size_t i = 0; have && i < have->n; i++) {
        size_t j = 0;
        while (fresh && j < fresh->n && strcmp(fresh->list[j].name, have->list[i].name) != 0)
            j++;
        if (!fresh || j == fresh->n)
            return have->list[i].name;
    }
    return NULL;
}

void templates_free(struct templates *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->list[i].name);
        html_release(&t->list[i].text);
    }
    free(t->list);
    free(t);
}

/* ---- values ---- */

static void value_free(struct tpl_value *v)
{
    free(v->name);
    free(v->text);
    html_release(&v->html);
}

/* The slot for name in the innermost scope, new or emptied; NULL when
 * out of memory (v failed). */
static struct tpl_value *slot(struct tpl_vars *v, const char *name)
{
    size_t from = v->nscopes ? v->scopes[v->nscopes - 1] : 0;
    for (size_t i = from; i < v->n; i++)
        if (strcmp(v->v[i].name, name) == 0) {
            free(v->v[i].text);
            v->v[i].text = NULL;
            html_release(&v->v[i].html);
            return &v->v[i];
        }
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 32;
        struct tpl_value *grown = realloc(v->v, cap * sizeof *grown);
        if (!grown) {
            v->failed = 1;
            return NULL;
        }
        v->v = grown;
        v->cap = cap;
    }
    struct tpl_value *s = &v->v[v->n];
    memset(s, 0, sizeof *s);
    s->html = (struct html)HTML_INIT;
    if (!(s->name = strdup(name))) {
        v->failed = 1;
        return NULL;
    }
    v->n++;
    return s;
}

void tpl_set_text(struct tpl_vars *v, const char *name, const char *text)
{
    struct tpl_value *s = slot(v, name);
    if (!s)
        return;
    s->is_html = 0;
    if (!(s->text = strdup(text ? text : "")))
        v->failed = 1;
}

void tpl_set_html(struct tpl_vars *v, const char *name, const struct html *h)
{
    struct tpl_value *s = slot(v, name);
    if (!s)
        return;
    s->is_html = 1;
    html_append(&s->html, h);
    if (html_failed(&s->html))
        v->failed = 1;
}

void tpl_scope_open(struct tpl_vars *v)
{
    if (v->nscopes == v->capscopes) {
        size_t cap = v->capscopes ? v->capscopes * 2 : 8;
        size_t *grown = realloc(v->scopes, cap * sizeof *grown);
        if (!grown) {
            /* The values land in the outer scope: kept, not lost. */
            v->failed = 1;
            return;
        }
        v->scopes = grown;
        v->capscopes = cap;
    }
    v->scopes[v->nscopes++] = v->n;
}

void tpl_scope_close(struct tpl_vars *v)
{
    if (!v->nscopes)
        return;
    size_t from = v->scopes[--v->nscopes];
    while (v->n > from)
        value_free(&v->v[--v->n]);
}

void tpl_vars_release(struct tpl_vars *v)
{
    if (!v)
        return;
    while (v->n)
        value_free(&v->v[--v->n]);
    free(v->v);
    free(v->scopes);
    *v = (struct tpl_vars)TPL_VARS_INIT;
}

/* The innermost value of name, or NULL. */
static const struct tpl_value *lookup(const struct tpl_vars *v, const char *name, size_t len)
{
    for (size_t i = v ? v->n : 0; i-- > 0;)
        if (strlen(v->v[i].name) == len && memcmp(v->v[i].name, name, len) == 0)
            return &v->v[i];
    return NULL;
}

static void fill(const char *tname, const struct tpl_vars *vars, const char *name, size_t len,
                 int raw, struct html *out)
{
    const struct tpl_value *val = lookup(vars, name, len);
    if (val && val->is_html) {
        if (raw)
            html_append(out, &val->html);
        else
            html_text(out, html_str(&val->html));
        return;
    }
    const char *text = val ? val->text
                           : vars && vars->fallback
                                 ? vars->fallback(vars->fallback_ctx, name, len)
                                 : NULL;
    if (!text || !*text)
        return;
    if (raw)
        fprintf(stderr, "kb-serve: template %s.html: {{{%.*s}}} takes HTML; it was set as "
                        "text and is left empty\n", tname, (int)len, name);
    else
        html_text(out, text);
}

int template_render(const struct templates *t, const char *name,
                    const struct tpl_vars *vars, struct html *out)
{
    const struct html *tpl = NULL;
    for (size_t i = 0; t && i < t->n; i++)
        if (strcmp(t->list[i].name, name) == 0)
            tpl = &t->list[i].text;
    if (!tpl)
        return -1;
    if (vars && vars->failed) {
        /* A value is missing: fail the output rather than show a page
         * without it. */
        html_fail(out);
        return 0;
    }
    const char *text = html_str(tpl), *p = text;
    for (;;) {
        const char *open = strstr(p, "{{");
        if (!open) {
            html_append_slice(out, tpl, (size_t)(p - text), strlen(p));
            return 0;
        }
        html_append_slice(out, tpl, (size_t)(p - text), (size_t)(open - p));
        int raw = open[2] == '{';
        const char *nm = open + (raw ? 3 : 2);
        const char *close = strstr(nm, raw ? "}}}" : "}}");
        if (!close) {
            html_append_slice(out, tpl, (size_t)(open - text), strlen(open));
            return 0;
        }
        fill(name, vars, nm, (size_t)(close - nm), raw, out);
        p = close + (raw ? 3 : 2);
    }
}
