/* page_kit.c -- the common frame of every server-rendered page: locale,
 * UI strings as template variables, the language switcher, the layout. */
#include "pages.h"
#include "api_events.h"

#include "auth.h"
#include "escape.h"
#include "popular.h"
#include "searchreq.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The visitor's choice of locale, remembered for a year. */
#define LOCALE_COOKIE "kb_locale"
#define LOCALE_COOKIE_AGE (365 * 24 * 3600)
#define LOCALES_MAX 32

/* Language names in themselves, for a locale of the content whose
 * language has no UI strings (web/i18n) to name it. */
static const char *const endonyms[][2] = {
    {"ar", "العربية"},  {"cs", "Čeština"},  {"da", "Dansk"},     {"de", "Deutsch"},
    {"en", "English"},  {"es", "Español"},  {"fi", "Suomi"},     {"fr", "Français"},
    {"it", "Italiano"}, {"ja", "日本語"},   {"ko", "한국어"},    {"nl", "Nederlands"},
    {"pl", "Polski"},   {"pt", "Português"}, {"ru", "Русский"},  {"sv", "Svenska"},
    {"tr", "Türkçe"},   {"uk", "Українська"}, {"zh", "中文"},
};

/* 1 when locale ("de-de") is of language code ("de"). */
static int same_language(const char *locale, const char *code)
{
    size_t n = strcspn(locale, "-_");
    return n && strlen(code) == n && strncasecmp(locale, code, n) == 0;
}

struct locale_list {
    char l[LOCALES_MAX][33];
    size_t n;
};

static void locale_list_add(void *ctx, const char *locale)
{
    struct locale_list *ll = ctx;
    if (ll->n < LOCALES_MAX && strlen(locale) < sizeof ll->l[0])
        snprintf(ll->l[ll->n++], sizeof ll->l[0], "%s", locale);
}

/* The locales of the index with public articles (the popular lists
 * know them); until the first lists are out, the UI languages'. */
static void index_locales(struct request *rq, struct locale_list *ll)
{
    ll->n = 0;
    if (popular_locales(rq->app->popular, locale_list_add, ll))
        return;
    const struct i18n_table *t = rq->app->i18n;
    for (size_t i = 0; i < i18n_count(t); i++)
        if (*i18n_locale(i18n_at(t, i)))
            locale_list_add(ll, i18n_locale(i18n_at(t, i)));
}

/* The staff pages (the sign-in form, /agent..., /author...) can be in
 * any UI language, not only in the index's locales: a German agent
 * gets German pages on a help center with no German articles, and the
 * console searches the default locale's articles, as for any locale
 * without content.  Customer pages keep to the index's locales (their
 * locale goes into events and reports). */
static int staff_reader(const char *path)
{
    static const char *const staff[] = {"/login", "/agent", "/author"};
    for (size_t i = 0; path && i < sizeof staff / sizeof *staff; i++) {
        size_t n = strlen(staff[i]);
        if (strncmp(path, staff[i], n) == 0 && (!path[n] || path[n] == '/' || path[n] == '?'))
            return 1;
    }
    return 0;
}

/* The content locale ("de-de") of the UI language of tag ("de",
 * "de-AT", "de-de") into out; NULL when there is no such UI language. */
static const char *ui_locale(struct request *rq, const char *tag, char *out, size_t len)
{
    const struct i18n_table *t = rq->app->i18n;
    for (size_t i = 0; tag && i < i18n_count(t); i++) {
        const char *loc = i18n_locale(i18n_at(t, i));
        if (*loc && same_language(tag, i18n_code(i18n_at(t, i))) &&
            strlen(loc) < len) {
            snprintf(out, len, "%s", loc);
            return out;
        }
    }
    return NULL;
}

/* The index's locales, and for staff the UI languages' it lacks. */
static void reader_locales(struct request *rq, int staff, struct locale_list *ll)
{
    index_locales(rq, ll);
    const struct i18n_table *t = rq->app->i18n;
    size_t n = ll->n;
    for (size_t i = 0; staff && i < i18n_count(t); i++) {
        const char *loc = i18n_locale(i18n_at(t, i));
        int have = !*loc;
        for (size_t k = 0; k < ll->n && !have; k++)
            have = same_language(ll->l[k], i18n_code(i18n_at(t, i)));
        if (!have)
            locale_list_add(ll, loc);
    }
    if (ll->n > n)
        qsort(ll->l, ll->n, sizeof ll->l[0], (int (*)(const void *, const void *))strcmp);
}

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
    for (size_t i = 0; i < i18n_count(t); i++)
        if (same_language(locale, i18n_code(i18n_at(t, i))))
            return i18n_name(i18n_at(t, i));
    for (size_t i = 0; i < sizeof endonyms / sizeof *endonyms; i++)
        if (same_language(locale, endonyms[i][0]))
            return endonyms[i][1];
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

/* The language switcher: one link per locale of the index, named in
 * its own language, to this page. */
static void add_switcher(struct page *pg)
{
    struct html links = HTML_INIT;
    struct strbuf url = STRBUF_INIT;
    const char *self = pg->self.buf ? pg->self.buf : "/";
    struct locale_list ll;
    reader_locales(pg->rq, staff_reader(pg->self.buf), &ll);
    for (size_t i = 0; i < ll.n; i++) {
        const char *loc = ll.l[i];
        char code[16];
        snprintf(code, sizeof code, "%.*s", (int)strcspn(loc, "-_"), loc);
        strbuf_release(&url);
        strbuf_adds(&url, self);
        strbuf_adds(&url, strchr(self, '?') ? "&locale=" : "?locale=");
        escape_url(&url, loc, 0);
        html_lit(&links, "<li><a");
        html_attr(&links, "href", url.buf);
        html_attr(&links, "hreflang", loc);
        html_attr(&links, "lang", code);
        if (strcmp(loc, pg->locale) == 0)
            html_attr(&links, "aria-current", "true");
        html_lit(&links, ">");
        html_text(&links, page_locale_name(pg, loc));
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

/* One language range of Accept-Language ("de-CH;q=0.8"). */
struct lang_range {
    char tag[33];
    double q;
};

static int range_cmp(const void *a, const void *b)
{
    const struct lang_range *x = a, *y = b;
    return (x->q < y->q) - (x->q > y->q);
}

/* Parses up to max ranges of an Accept-Language value, best first (a
 * stable order among equal weights: the header's); q=0 and "*" left
 * out.  Returns how many. */
static size_t parse_accept_language(const char *v, struct lang_range *out, size_t max)
{
    size_t n = 0;
    while (v && *v && n < max) {
        size_t len = strcspn(v, ",");
        const char *semi = memchr(v, ';', len);
        size_t tlen = semi ? (size_t)(semi - v) : len;
        while (tlen && (*v == ' ' || *v == '\t'))
            v++, tlen--, len--;
        while (tlen && (v[tlen - 1] == ' ' || v[tlen - 1] == '\t'))
            tlen--;
        double q = 1.0;
        const char *qs = semi ? strstr(semi, "q=") : NULL;
        if (qs && qs < v + len)
            q = strtod(qs + 2, NULL);
        if (tlen && tlen < sizeof out->tag && q > 0 && !(tlen == 1 && *v == '*')) {
            snprintf(out[n].tag, sizeof out->tag, "%.*s", (int)tlen, v);
            out[n].q = q + 1e-6 * (double)(max - n); /* keeps the header's order */
            n++;
        }
        v += len;
        if (*v == ',')
            v++;
    }
    qsort(out, n, sizeof *out, range_cmp);
    return n;
}

/* The locale of a visitor whose URL names none the index has: the
 * one chosen before (the kb_locale cookie), else the first range of
 * Accept-Language the index has, exactly ("de-de") or by language
 * ("de" or "de-at" take the index's first German locale), or for
 * staff a UI language's; else NULL. */
static const char *preferred_locale(struct request *rq, int staff, char *out, size_t len)
{
    const char *c = req_cookie(rq, LOCALE_COOKIE);
    if (c && (events_locale_known(rq, c, out, len) || (staff && ui_locale(rq, c, out, len))))
        return out;
    struct lang_range r[8];
    size_t n = parse_accept_language(req_header(rq, "Accept-Language"), r, 8);
    if (!n)
        return NULL;
    struct locale_list ll;
    index_locales(rq, &ll);
    for (size_t i = 0; i < n; i++) {
        if (events_locale_known(rq, r[i].tag, out, len))
            return out;
        char code[16];
        snprintf(code, sizeof code, "%.*s", (int)strcspn(r[i].tag, "-_"), r[i].tag);
        if (same_language(rq->app->cfg.default_locale, code)) {
            snprintf(out, len, "%s", rq->app->cfg.default_locale);
            return out;
        }
        for (size_t k = 0; k < ll.n; k++)
            if (same_language(ll.l[k], code) && events_locale_known(rq, ll.l[k], out, len))
                return out;
        if (staff && ui_locale(rq, code, out, len))
            return out;
    }
    return NULL;
}

/* A locale the visitor asked for in the URL is remembered, so that
 * the next page without one (a bookmark, the bare address) is in it. */
static void remember_locale(struct page *pg)
{
    int bad = 0;
    const char *asked = req_arg(pg->rq, "locale", &bad);
    const char *had = req_cookie(pg->rq, LOCALE_COOKIE);
    if (bad || !asked || strcasecmp(asked, pg->locale) != 0 ||
        (had && strcmp(had, pg->locale) == 0))
        return;
    char cookie[160];
    snprintf(cookie, sizeof cookie, LOCALE_COOKIE "=%s; Path=/; Max-Age=%d; SameSite=Lax%s",
             pg->locale, LOCALE_COOKIE_AGE, pg->rq->app->cfg.secure_cookies ? "; Secure" : "");
    reply_header(pg->rq, "Set-Cookie", cookie);
}

void page_init(struct page *pg, struct request *rq, const char *locale, const char *path,
               const char *extra_query)
{
    memset(pg, 0, sizeof *pg);
    pg->rq = rq;
    /* Only a locale the index has (public content in it), or for staff
     * a UI language's, is used: a made-up ?locale= gets the visitor's
     * preferred locale (cookie, Accept-Language) or the default one,
     * not <html lang="xx"> or a list, log entry or event of its own. */
    char known[sizeof pg->locale];
    int staff = staff_reader(path);
    if (!locale || !*locale || strlen(locale) >= sizeof pg->locale ||
        !(events_locale_known(rq, locale, known, sizeof known) ||
          (staff && ui_locale(rq, locale, known, sizeof known)))) {
        locale = preferred_locale(rq, staff, known, sizeof known);
        if (!locale)
            locale = rq->app->cfg.default_locale;
        reply_header(rq, "Vary", "Accept-Language, Cookie");
    } else {
        locale = known;
    }
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
    /* <html lang> is the language the page's words are in: English
     * for a locale whose language has no UI strings. */
    if (pg->ui)
        snprintf(pg->lang, sizeof pg->lang, "%s", i18n_code(pg->ui));
    remember_locale(pg);
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
    if (template_render(app_templates(pg->rq->app), name, &pg->vars, out) != 0)
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
    int rc = template_render(app_templates(rq->app), "page", &pg->vars, &out);
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

void page_pager_button(struct page *pg, const char *rel, struct strbuf *url, const char *key,
                       struct html *out)
{
    html_lit(out, "<a class=\"button secondary\"");
    html_attr(out, "rel", rel);
    html_attr(out, "href", url->buf ? url->buf : "");
    html_lit(out, ">");
    html_text(out, page_t(pg, key));
    html_lit(out, "</a>");
    if (strbuf_failed(url))
        html_fail(out);
    strbuf_release(url);
}
