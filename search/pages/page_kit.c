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

void page_set_text(struct page *pg, const char *name, const char *text)
{
    tpl_set_text(&pg->vars, name, text);
}

void page_set_html(struct page *pg, const char *name, const struct html *h)
{
    tpl_set_html(&pg->vars, name, h);
}

void page_scope_open(struct page *pg)
{
    tpl_scope_open(&pg->vars);
}

void page_scope_close(struct page *pg)
{
    tpl_scope_close(&pg->vars);
}

void page_set_snippet(struct page *pg, const kb_hit *h)
{
    /* The index layer gives text and spans; searchreq_snippet_html()
     * escapes the text and marks the spans; read again, only <mark>
     * survives. */
    struct strbuf marked = STRBUF_INIT;
    searchreq_snippet_html(&marked, h);
    struct html snippet = HTML_INIT;
    if (strbuf_failed(&marked))
        html_fail(&snippet);
    else
        html_sanitized(&snippet, marked.buf ? marked.buf : "", &html_policy_marks);
    page_set_html(pg, "snippet", &snippet);
    html_release(&snippet);
    strbuf_release(&marked);
}

const char *page_t(const struct page *pg, const char *key)
{
    return i18n_str(pg->ui, key);
}

/* "t.<key>" in a template: the UI string, text.  NULL when the
 * language files have no such key (the slot stays empty). */
static const char *ui_string(const void *ctx, const char *name, size_t len)
{
    char key[128];
    if (len < 3 || len - 2 >= sizeof key || strncmp(name, "t.", 2) != 0)
        return NULL;
    memcpy(key, name + 2, len - 2);
    key[len - 2] = '\0';
    const char *s = i18n_str(ctx, key);
    return s == key ? NULL : s;
}

static int add_js_string(void *ctx, const char *key, const char *value)
{
    if (strncmp(key, "js.", 3) == 0)
        json_object_set_new(ctx, key + 3, json_string(value));
    return 0;
}

/* The UI strings: "t.<key>" for the templates, the "js." ones as JSON
 * for app.js. */
static void add_strings(struct page *pg)
{
    pg->vars.fallback = ui_string;
    pg->vars.fallback_ctx = pg->ui;
    json_t *js = json_object();
    i18n_each(pg->ui, add_js_string, js);
    char *dump = js ? json_dumps(js, JSON_COMPACT) : NULL;
    page_set_text(pg, "i18n_js", dump ? dump : "{}");
    free(dump);
    json_decref(js);
}

static void add_url(struct page *pg, const char *name, const char *path)
{
    struct strbuf sb = STRBUF_INIT;
    page_url(pg, &sb, path);
    page_set_text(pg, name, sb.buf);
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
    struct html links = HTML_INIT;
    struct strbuf url = STRBUF_INIT;
    const char *self = pg->self.buf ? pg->self.buf : "/";
    const struct i18n_table *t = pg->rq->app->i18n;
    for (size_t i = 0; i < i18n_count(t); i++) {
        const struct i18n_lang *l = i18n_at(t, i);
        if (!*i18n_locale(l))
            continue;
        strbuf_release(&url);
        strbuf_adds(&url, self);
        strbuf_adds(&url, strchr(self, '?') ? "&locale=" : "?locale=");
        escape_url(&url, i18n_locale(l), 0);
        html_lit(&links, "<li><a");
        html_attr(&links, "href", url.buf);
        html_attr(&links, "hreflang", i18n_locale(l));
        html_attr(&links, "lang", i18n_code(l));
        if (strcmp(i18n_code(l), pg->lang) == 0)
            html_attr(&links, "aria-current", "true");
        html_lit(&links, ">");
        html_text(&links, i18n_name(l));
        html_lit(&links, "</a></li>");
    }
    if (strbuf_failed(&url))
        html_fail(&links);
    page_set_html(pg, "locale_links", &links);
    page_set_text(pg, "locale_name", page_locale_name(pg, pg->locale));
    strbuf_release(&url);
    html_release(&links);
}

/* One link of the staff bar; aria-current when this page is under it. */
static void staff_link(struct page *pg, struct html *out, const char *path, const char *key)
{
    const char *self = pg->self.buf ? pg->self.buf : "";
    size_t n = strlen(path);
    int current = strncmp(self, path, n) == 0 && (self[n] == '\0' || self[n] == '/' ||
                                                  self[n] == '?');
    struct strbuf url = STRBUF_INIT;
    page_url(pg, &url, path);
    html_lit(out, "<a");
    html_attr(out, "href", url.buf ? url.buf : path);
    if (current)
        html_attr(out, "aria-current", "page");
    html_lit(out, ">");
    html_text(out, page_t(pg, key));
    html_lit(out, "</a>");
    strbuf_release(&url);
}

/* The bar a signed-in agent or author sees above the header: who is
 * signed in, their pages, and the sign-out form with the session's
 * CSRF token.  Empty for customers. */
static void add_staff_bar(struct page *pg)
{
    const struct account *u = req_user(pg->rq);
    struct html links = HTML_INIT, bar = HTML_INIT;
    if (u) {
        staff_link(pg, &links, "/agent", "staff.agent");
        if (u->role == ROLE_AUTHOR)
            staff_link(pg, &links, "/author", "staff.author");
        page_scope_open(pg);
        page_set_html(pg, "staff_links", &links);
        page_set_text(pg, "user_name", u->name);
        page_set_text(pg, "user_role",
                      page_t(pg, u->role == ROLE_AUTHOR ? "role.author" : "role.agent"));
        page_set_text(pg, "user_csrf", u->csrf);
        page_render(pg, "staff-bar", &bar);
        page_scope_close(pg);
    }
    page_set_html(pg, "staff_bar", &bar);
    html_release(&links);
    html_release(&bar);
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
    page_set_text(pg, "locale", pg->locale);
    page_set_text(pg, "lang", pg->lang);
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

void page_tf(const struct page *pg, struct html *out, const char *key, ...)
{
    const char *fmt = page_t(pg, key);
    for (const char *p = fmt; *p;) {
        const char *open = strchr(p, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (!open || !close) {
            html_text(out, p);
            return;
        }
        html_text_n(out, p, (size_t)(open - p));
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
        if (value)
            html_text(out, value);
        else
            html_text_n(out, open, (size_t)(close - open + 1));
        p = close + 1;
    }
}

void page_render(struct page *pg, const char *name, struct html *out)
{
    if (template_render(pg->rq->app->tpl, name, &pg->vars, out) != 0)
        fprintf(stderr, "kb-serve: template %s.html is missing\n", name);
}

void page_release(struct page *pg)
{
    tpl_vars_release(&pg->vars);
    strbuf_release(&pg->self);
    memset(pg, 0, sizeof *pg);
}

unsigned page_finish(struct page *pg, unsigned status, const char *title,
                     const struct html *body)
{
    struct request *rq = pg->rq;
    struct html out = HTML_INIT;
    page_set_text(pg, "title", title);
    if (body)
        page_set_html(pg, "body", body);
    int rc = template_render(rq->app->tpl, "page", &pg->vars, &out);
    page_release(pg);
    strbuf_release(&rq->out);
    html_to_strbuf(&out, &rq->out);
    if (rc != 0)
        return reply_error(rq, 500, "template_missing", "the page template is missing");
    if (strbuf_failed(&rq->out))
        return reply_error(rq, 503, "overloaded", "out of memory; try again");
    rq->content_type = "text/html; charset=utf-8";
    return status;
}
