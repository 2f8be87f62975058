/* page_kit.c -- the common frame of every server-rendered page: locale,
 * UI strings as template variables, the language switcher, the layout. */
#include "pages.h"
#include "api_events.h"

#include "auth.h"
#include "escape.h"
#include "searchreq.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *page_keep(struct page *pg, const char *s)
{
    char **grown = realloc(pg->kept, (pg->nkept + 1) * sizeof *grown);
    if (!grown)
        return "";
    pg->kept = grown;
    char *copy = strdup(s ? s : "");
    if (!copy)
        return "";
    pg->kept[pg->nkept++] = copy;
    return copy;
}

void page_set(struct page *pg, const char *name, const char *value)
{
    for (size_t i = 0; i < pg->nvars; i++)
        if (strcmp(pg->vars[i].name, name) == 0) {
            pg->vars[i].value = value;
            return;
        }
    if (pg->nvars == pg->cap) {
        size_t cap = pg->cap ? pg->cap * 2 : 64;
        struct tpl_var *grown = realloc(pg->vars, cap * sizeof *grown);
        if (!grown)
            return;
        pg->vars = grown;
        pg->cap = cap;
    }
    pg->vars[pg->nvars].name = name;
    pg->vars[pg->nvars].value = value;
    pg->nvars++;
}

const char *page_t(const struct page *pg, const char *key)
{
    return i18n_str(pg->ui, key);
}

/* Template names are "t." + key: built in one buffer that is not
 * touched again once the pointers into it are taken. */
struct name_pass {
    struct strbuf names;
    struct page *pg;
    const char *cursor;
    json_t *js;
};

static int collect_name(void *ctx, const char *key, const char *value)
{
    struct name_pass *np = ctx;
    (void)value;
    strbuf_adds(&np->names, "t.");
    strbuf_add(&np->names, key, strlen(key) + 1);
    return 0;
}

static int assign_name(void *ctx, const char *key, const char *value)
{
    struct name_pass *np = ctx;
    page_set(np->pg, np->cursor, value);
    np->cursor += strlen(np->cursor) + 1;
    if (strncmp(key, "js.", 3) == 0)
        json_object_set_new(np->js, key + 3, json_string(value));
    return 0;
}

static void add_strings(struct page *pg)
{
    struct name_pass np = {STRBUF_INIT, pg, NULL, json_object()};
    i18n_each(pg->ui, collect_name, &np);
    if (strbuf_failed(&np.names) || !np.names.buf) {
        strbuf_release(&np.names);
        json_decref(np.js);
        return;
    }
    size_t len;
    char *names = strbuf_detach(&np.names, &len);
    /* Owned by the page from here on. */
    char **grown = realloc(pg->kept, (pg->nkept + 1) * sizeof *grown);
    if (!grown) {
        free(names);
        json_decref(np.js);
        return;
    }
    pg->kept = grown;
    pg->kept[pg->nkept++] = names;
    np.cursor = names;
    i18n_each(pg->ui, assign_name, &np);
    char *js = json_dumps(np.js, JSON_COMPACT);
    page_set(pg, "i18n_js", page_keep(pg, js ? js : "{}"));
    free(js);
    json_decref(np.js);
}

static void add_url(struct page *pg, const char *name, const char *path)
{
    struct strbuf sb = STRBUF_INIT;
    page_url(pg, &sb, path);
    page_set(pg, name, page_keep(pg, sb.buf));
    strbuf_release(&sb);
}

const char *page_locale_name(const struct page *pg, const char *locale)
{
    const struct i18n_table *t = pg->rq->app->i18n;
    for (size_t i = 0; i < i18n_count(t); i++)
        if (strcmp(i18n_locale(i18n_at(t, i)), locale) == 0)
            return i18n_name(i18n_at(t, i));
    return locale;
}

const char *page_topic_name(const struct page *pg, const char *topic)
{
    char key[80];
    if (!topic || !*topic || strlen(topic) > 60)
        return topic ? topic : "";
    snprintf(key, sizeof key, "topic.%s", topic);
    const char *s = i18n_str(pg->ui, key);
    return s == key ? topic : s;
}

/* The language switcher: one link per UI language, to this page. */
static void add_switcher(struct page *pg)
{
    struct strbuf sb = STRBUF_INIT;
    const char *self = pg->self.buf ? pg->self.buf : "/";
    const struct i18n_table *t = pg->rq->app->i18n;
    for (size_t i = 0; i < i18n_count(t); i++) {
        const struct i18n_lang *l = i18n_at(t, i);
        if (!*i18n_locale(l))
            continue;
        int current = strcmp(i18n_code(l), pg->lang) == 0;
        strbuf_adds(&sb, "<li><a href=\"");
        escape_html(&sb, self);
        strbuf_adds(&sb, strchr(self, '?') ? "&amp;locale=" : "?locale=");
        escape_url(&sb, i18n_locale(l), 0);
        strbuf_adds(&sb, "\" hreflang=\"");
        escape_html(&sb, i18n_locale(l));
        strbuf_adds(&sb, "\" lang=\"");
        escape_html(&sb, i18n_code(l));
        strbuf_adds(&sb, current ? "\" aria-current=\"true\">" : "\">");
        escape_html(&sb, i18n_name(l));
        strbuf_adds(&sb, "</a></li>");
    }
    page_set(pg, "locale_links", page_keep(pg, sb.buf));
    page_set(pg, "locale_name", page_locale_name(pg, pg->locale));
    strbuf_release(&sb);
}

/* One link of the staff bar; aria-current when this page is under it. */
static void staff_link(struct page *pg, struct strbuf *out, const char *path,
                       const char *key)
{
    const char *self = pg->self.buf ? pg->self.buf : "";
    size_t n = strlen(path);
    int current = strncmp(self, path, n) == 0 && (self[n] == '\0' || self[n] == '/' ||
                                                  self[n] == '?');
    strbuf_adds(out, "<a href=\"");
    struct strbuf url = STRBUF_INIT;
    page_url(pg, &url, path);
    escape_html(out, url.buf ? url.buf : path);
    strbuf_release(&url);
    strbuf_adds(out, current ? "\" aria-current=\"page\">" : "\">");
    escape_html(out, page_t(pg, key));
    strbuf_adds(out, "</a>");
}

/* The bar a signed-in agent or author sees above the header: who is
 * signed in, their pages, and the sign-out form with the session's
 * CSRF token.  Empty for customers. */
static void add_staff_bar(struct page *pg)
{
    const struct account *u = req_user(pg->rq);
    if (!u) {
        page_set(pg, "staff_bar", "");
        return;
    }
    struct strbuf links = STRBUF_INIT, bar = STRBUF_INIT;
    staff_link(pg, &links, "/agent", "staff.agent");
    if (u->role == ROLE_AUTHOR)
        staff_link(pg, &links, "/author", "staff.author");
    page_set(pg, "staff_links", links.buf);
    page_set(pg, "user_name", u->name);
    page_set(pg, "user_role", page_t(pg, u->role == ROLE_AUTHOR ? "role.author" : "role.agent"));
    page_set(pg, "user_csrf", u->csrf);
    page_render(pg, "staff-bar", &bar);
    page_set(pg, "staff_links", "");
    page_set(pg, "staff_bar", page_keep(pg, bar.buf));
    strbuf_release(&links);
    strbuf_release(&bar);
}

void page_init(struct page *pg, struct request *rq, const char *locale, const char *path,
               const char *extra_query)
{
    memset(pg, 0, sizeof *pg);
    pg->rq = rq;
    /* Only a locale the index has (public content in it) is used: a
     * made-up ?locale= gets the default locale's page, not <html
     * lang="xx"> or a list, log entry or event of its own. */
    char known[sizeof pg->locale];
    if (!locale || !*locale || strlen(locale) >= sizeof pg->locale ||
        !events_locale_known(rq, locale, known, sizeof known))
        locale = rq->app->cfg.default_locale;
    else
        locale = known;
    snprintf(pg->locale, sizeof pg->locale, "%s", locale);
    for (char *p = pg->locale; *p; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
        if (*p == '_')
            *p = '-';
    }
    snprintf(pg->lang, sizeof pg->lang, "%.*s", (int)sizeof pg->lang - 1, pg->locale);
    char *dash = strchr(pg->lang, '-');
    if (dash)
        *dash = '\0';
    pg->ui = i18n_get(rq->app->i18n, pg->lang);
    strbuf_adds(&pg->self, path);
    if (extra_query && *extra_query) {
        strbuf_addch(&pg->self, '?');
        strbuf_adds(&pg->self, extra_query);
    }
    add_strings(pg);
    page_set(pg, "locale", pg->locale);
    page_set(pg, "lang", pg->lang);
    add_url(pg, "home_url", "/");
    add_url(pg, "contact_url", "/contact");
    add_switcher(pg);
    add_staff_bar(pg);
}

void page_url(const struct page *pg, struct strbuf *out, const char *path)
{
    strbuf_adds(out, path);
    strbuf_adds(out, strchr(path, '?') ? "&locale=" : "?locale=");
    escape_url(out, pg->locale, 0);
}

void page_tf(const struct page *pg, struct strbuf *out, const char *key, ...)
{
    const char *fmt = page_t(pg, key);
    for (const char *p = fmt; *p;) {
        const char *open = strchr(p, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (!open || !close) {
            escape_html(out, p);
            return;
        }
        struct strbuf lit = STRBUF_INIT;
        strbuf_add(&lit, p, (size_t)(open - p));
        escape_html(out, lit.buf ? lit.buf : "");
        strbuf_release(&lit);
        const char *value = NULL;
        va_list ap;
        va_start(ap, key);
        for (const char *name; (name = va_arg(ap, const char *)) != NULL;) {
            const char *v = va_arg(ap, const char *);
            if (strlen(name) == (size_t)(close - open - 1) &&
                strncmp(name, open + 1, (size_t)(close - open - 1)) == 0)
                value = v;
        }
        va_end(ap);
        if (value) {
            escape_html(out, value);
        } else {
            struct strbuf raw = STRBUF_INIT;
            strbuf_add(&raw, open, (size_t)(close - open + 1));
            escape_html(out, raw.buf ? raw.buf : "");
            strbuf_release(&raw);
        }
        p = close + 1;
    }
}

void page_render(struct page *pg, const char *name, struct strbuf *out)
{
    if (template_render(pg->rq->app->tpl, name, pg->vars, pg->nvars, out) != 0)
        fprintf(stderr, "kb-serve: template %s.html is missing\n", name);
}

void page_release(struct page *pg)
{
    for (size_t i = 0; i < pg->nkept; i++)
        free(pg->kept[i]);
    free(pg->kept);
    free(pg->vars);
    strbuf_release(&pg->self);
    memset(pg, 0, sizeof *pg);
}

unsigned page_finish(struct page *pg, unsigned status, const char *title, const char *body)
{
    struct request *rq = pg->rq;
    page_set(pg, "title", title);
    page_set(pg, "body", body ? body : "");
    strbuf_release(&rq->out);
    int rc = template_render(rq->app->tpl, "page", pg->vars, pg->nvars, &rq->out);
    page_release(pg);
    if (rc != 0)
        return reply_error(rq, 500, "template_missing", "the page template is missing");
    if (strbuf_failed(&rq->out))
        return reply_error(rq, 503, "overloaded", "out of memory; try again");
    rq->content_type = "text/html; charset=utf-8";
    return status;
}
