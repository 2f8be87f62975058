/* template.c -- loading and expanding the web templates. */
#include "template.h"

#include "escape.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tpl {
    char *name; /* file name without .html */
    char *text;
};

struct templates {
    struct tpl *list;
    size_t n;
};

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct strbuf sb = STRBUF_INIT;
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_add(&sb, buf, got);
    fclose(f);
    return strbuf_detach(&sb, NULL);
}

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
        l[t->n].text = slurp(path);
        if (!l[t->n].name || !l[t->n].text) {
            free(l[t->n].name);
            free(l[t->n].text);
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

void templates_free(struct templates *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->list[i].name);
        free(t->list[i].text);
    }
    free(t->list);
    free(t);
}

static const char *lookup(const struct tpl_var *vars, size_t n, const char *name,
                          size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0)
            return vars[i].value ? vars[i].value : "";
    return "";
}

int template_render(const struct templates *t, const char *name,
                    const struct tpl_var *vars, size_t nvars, struct strbuf *out)
{
    const char *text = NULL;
    for (size_t i = 0; t && i < t->n; i++)
        if (strcmp(t->list[i].name, name) == 0)
            text = t->list[i].text;
    if (!text)
        return -1;
    const char *p = text;
    for (;;) {
        const char *open = strstr(p, "{{");
        if (!open) {
            strbuf_adds(out, p);
            return 0;
        }
        strbuf_add(out, p, (size_t)(open - p));
        int raw = open[2] == '{';
        const char *nm = open + (raw ? 3 : 2);
        const char *close = strstr(nm, raw ? "}}}" : "}}");
        if (!close) {
            strbuf_adds(out, open);
            return 0;
        }
        const char *value = lookup(vars, nvars, nm, (size_t)(close - nm));
        if (raw)
            strbuf_adds(out, value);
        else
            escape_html(out, value);
        p = close + (raw ? 3 : 2);
    }
}
