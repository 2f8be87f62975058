/* page_article.c -- the article page (GET /articles/{id}), its vote
 * without JavaScript (POST /articles/{id}/feedback), and the rendered
 * article for the case form's inline reader (GET /api/html/articles/{id}). */
#include "api_events.h"
#include "auth.h"
#include "csrf.h"
#include "escape.h"
#include "eventlog.h"
#include "eventq.h"
#include "linkcheck.h"
#include "markdown.h"
#include "pages.h"
#include "routes.h"
#include "searchreq.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RELATED_MAX 4

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* "On this page": the article's H2 and H3 sections. */
static void render_toc(json_t *rec, struct html *out)
{
    size_t i;
    json_t *s;
    struct strbuf href = STRBUF_INIT;
    json_array_foreach(json_object_get(rec, "sections"), i, s)
    {
        const char *anchor = jstr(s, "anchor");
        if (!*anchor)
            continue;
        json_int_t level = json_integer_value(json_object_get(s, "level"));
        strbuf_release(&href);
        strbuf_addch(&href, '#');
        strbuf_adds(&href, anchor);
        if (level >= 3)
            html_lit(out, "<li class=\"toc-sub\"><a");
        else
            html_lit(out, "<li><a");
        html_attr(out, "href", href.buf);
        html_lit(out, ">");
        html_text(out, jstr(s, "title"));
        html_lit(out, "</a></li>\n");
    }
    if (strbuf_failed(&href))
        html_fail(out);
    strbuf_release(&href);
}

/* The same article in its other locales. */
static void render_languages(const struct page *pg, json_t *rec, json_t *locales,
                             struct html *out)
{
    size_t i;
    json_t *l;
    json_array_foreach(locales, i, l)
    {
        const char *loc = json_string_value(l);
        if (!loc || strcmp(loc, jstr(rec, "locale")) == 0)
            continue;
        struct strbuf url = STRBUF_INIT;
        searchreq_article_url(&url, jstr(rec, "id"), loc, NULL);
        html_lit(out, "<li><a");
        html_attr(out, "hreflang", loc);
        html_attr(out, "lang", loc);
        html_attr(out, "href", url.buf);
        html_lit(out, ">");
        html_text(out, page_locale_name(pg, loc));
        html_lit(out, "</a></li>\n");
        strbuf_release(&url);
    }
}

/* Related articles: a search for the title and tags, without this one. */
static void render_related(struct page *pg, json_t *rec, struct html *out)
{
    struct request *rq = pg->rq;
    char err[256];
    kb_index *ix = handle_pool_get(rq->app->pool, err, sizeof err);
    if (!ix)
        return;
    struct strbuf text = STRBUF_INIT;
    strbuf_adds(&text, jstr(rec, "title"));
    size_t i;
    json_t *tag;
    json_array_foreach(json_object_get(rec, "tags"), i, tag)
    {
        strbuf_addch(&text, ' ');
        strbuf_adds(&text, json_string_value(tag) ? json_string_value(tag) : "");
    }
    /* Words only: quotes and operators in a title are not query syntax. */
    for (char *p = text.buf; p && *p; p++)
        if (*p == '"' || *p == '(' || *p == ')' || *p == '+' || *p == '-' || *p == ':')
            *p = ' ';
    kb_query q = {
        .text = text.buf ? text.buf : "",
        .locale = jstr(rec, "locale"),
        .default_locale = rq->app->cfg.default_locale,
        .limit = RELATED_MAX + 1,
        .include_internal = req_sees_internal(rq),
    };
    kb_results *res = NULL;
    if (kb_search(ix, &q, &res) == KB_OK) {
        size_t shown = 0;
        for (i = 0; i < kb_results_count(res) && shown < RELATED_MAX; i++) {
            const kb_hit *h = kb_results_get(res, i);
            if (strcmp(h->id, jstr(rec, "id")) == 0)
                continue;
            struct strbuf url = STRBUF_INIT;
            searchreq_article_url(&url, h->id, h->locale, NULL);
            page_scope_open(pg);
            page_set_text(pg, "url", url.buf);
            page_set_text(pg, "title", h->title);
            page_set_text(pg, "topic", page_topic_name(pg, h->topic));
            page_set_text(pg, "item_locale", h->locale);
            page_render(pg, "popular-item", out);
            page_scope_close(pg);
            strbuf_release(&url);
            shown++;
        }
    }
    kb_results_free(res);
    strbuf_release(&text);
}

/* The vote: the form, or the thanks after a vote without JavaScript. */
static void render_feedback(struct page *pg, json_t *rec, const char *voted,
                            struct html *out)
{
    page_scope_open(pg);
    if (voted && (strcmp(voted, "yes") == 0 || strcmp(voted, "no") == 0)) {
        page_set_text(pg, "thanks", page_t(pg, strcmp(voted, "yes") == 0 ? "fb.thanks"
                                                                         : "fb.thanks_no"));
        page_set_text(pg, "voted_no", strcmp(voted, "no") == 0 ? "no" : "yes");
        page_render(pg, "feedback-thanks", out);
    } else {
        char csrf[CSRF_TOKEN_SIZE];
        csrf_token(pg->rq, csrf);
        struct strbuf action = STRBUF_INIT;
        strbuf_adds(&action, "/articles/");
        escape_url(&action, jstr(rec, "id"), 1);
        strbuf_adds(&action, "/feedback");
        page_set_text(pg, "csrf", csrf);
        page_set_text(pg, "fb_action", action.buf);
        page_render(pg, "feedback", out);
        strbuf_release(&action);
    }
    page_scope_close(pg);
}

struct link_ctx {
    const char *path;   /* the article's file, relative to the content folder */
    const char *locale; /* the article's locale */
};

/* "../billing/late-fees.md#x" in an article becomes the page URL of that
 * article (the id is the path below the locale folder without the
 * extension, as kb-index derives it); other links stay as written. */
static char *article_link(void *vctx, const char *url)
{
    struct link_ctx *lc = vctx;
    char tpath[2048], anchor[512];
    if (!*lc->path || url[0] == '#' ||
        !linkcheck_resolve(lc->path, url, tpath, sizeof tpath, anchor, sizeof anchor))
        return NULL;
    char *id = tpath;
    char *slash = strchr(tpath, '/');
    if (slash) {
        *slash = '\0';
        if (strchr(tpath, '-') && searchreq_locale_ok(tpath))
            id = slash + 1;
        else
            *slash = '/';
    }
    char *dot = strrchr(id, '.');
    if (dot && !strchr(dot, '/'))
        *dot = '\0';
    struct strbuf sb = STRBUF_INIT;
    searchreq_article_url(&sb, id, lc->locale, anchor);
    return strbuf_detach(&sb, NULL);
}

/* The article's Markdown with its callout labels ("> **Note:**", as
 * kb-index writes "> [!NOTE]") in the language of l; caller frees.
 * Lines in fenced code blocks are left alone.  NULL on OOM. */
static char *localize_callouts(const char *md, const struct i18n_lang *l)
{
    static const char *const kinds[][2] = {
        {"**Note:**", "alert.note"},       {"**Important:**", "alert.important"},
        {"**Tip:**", "alert.tip"},         {"**Caution:**", "alert.caution"},
        {"**Warning:**", "alert.warning"},
    };
    struct strbuf out = STRBUF_INIT;
    int fenced = 0;
    for (const char *p = md; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p + 1) : strlen(p);
        size_t i = 0, quotes = 0;
        while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '>'))
            quotes += p[i++] == '>';
        if (strncmp(p + i, "```", 3) == 0 || strncmp(p + i, "~~~", 3) == 0)
            fenced = !fenced;
        size_t k = 0, n = 0;
        for (; !fenced && quotes && k < sizeof kinds / sizeof *kinds; k++) {
            n = strlen(kinds[k][0]);
            if (i + n <= len && strncmp(p + i, kinds[k][0], n) == 0)
                break;
        }
        if (fenced || !quotes || k == sizeof kinds / sizeof *kinds) {
            strbuf_add(&out, p, len);
        } else {
            strbuf_add(&out, p, i);
            strbuf_adds(&out, "**");
            /* The label is text: Markdown's punctuation taken literally. */
            for (const char *s = i18n_str(l, kinds[k][1]); *s; s++) {
                if (strchr("\\`*_[]<>#!|~", *s))
                    strbuf_addch(&out, '\\');
                strbuf_addch(&out, *s);
            }
            strbuf_adds(&out, "**");
            strbuf_add(&out, p + i + n, len - i - n);
        }
        p += len;
    }
    if (strbuf_failed(&out)) {
        strbuf_release(&out);
        return NULL;
    }
    return strbuf_detach(&out, NULL);
}

/* The page's body; pg set up, rec the article record. */
static void render_article(struct page *pg, json_t *rec, json_t *locales, const char *voted,
                           struct html *body)
{
    const char *alocale = jstr(rec, "locale");
    /* Callouts are labelled in the article's language. */
    char *md = localize_callouts(jstr(rec, "markdown"), i18n_get(pg->rq->app->i18n, alocale));
    struct link_ctx lc = {jstr(rec, "path"), alocale};
    char *rendered = md ? markdown_render_html_links(md, strlen(md), article_link, &lc) : NULL;
    free(md);
    struct html content = HTML_INIT, toc = HTML_INIT, langs = HTML_INIT, related = HTML_INIT,
                notices = HTML_INIT, feedback = HTML_INIT, updated = HTML_INIT,
                tocblock = HTML_INIT, langblock = HTML_INIT, relblock = HTML_INIT;
    if (!rendered)
        html_fail(&content);
    /* The renderer escapes by construction (cmark's safe mode); read
     * again, only its own tags and safe URLs survive. */
    html_sanitized(&content, rendered, &html_policy_article);
    free(rendered);
    page_set_text(pg, "id", jstr(rec, "id"));
    page_set_text(pg, "article_locale", alocale);
    render_toc(rec, &toc);
    render_languages(pg, rec, locales, &langs);
    render_related(pg, rec, &related);
    render_feedback(pg, rec, voted, &feedback);
    if (json_is_true(json_object_get(rec, "machine_translated")))
        page_render(pg, "notice-mt", &notices);
    if (strcmp(alocale, pg->locale) != 0) {
        struct html msg = HTML_INIT;
        page_tf(pg, &msg, "article.fallback", "language", page_locale_name(pg, alocale), NULL);
        page_scope_open(pg);
        page_set_html(pg, "message", &msg);
        page_render(pg, "notice-fallback", &notices);
        page_scope_close(pg);
        html_release(&msg);
    }
    if (*jstr(rec, "updated"))
        page_tf(pg, &updated, "article.updated", "date", jstr(rec, "updated"), NULL);
    page_set_html(pg, "toc", &toc);
    page_set_html(pg, "languages", &langs);
    page_set_html(pg, "related", &related);
    if (html_len(&toc))
        page_render(pg, "article-toc", &tocblock);
    if (html_len(&langs))
        page_render(pg, "article-languages", &langblock);
    if (html_len(&related))
        page_render(pg, "article-related", &relblock);

    page_set_text(pg, "title", jstr(rec, "title"));
    page_set_text(pg, "description", jstr(rec, "description"));
    page_set_text(pg, "topic", page_topic_name(pg, jstr(rec, "topic")));
    page_set_text(pg, "updated_iso", jstr(rec, "updated"));
    page_set_html(pg, "updated", &updated);
    page_set_html(pg, "notices", &notices);
    page_set_html(pg, "toc_block", &tocblock);
    page_set_html(pg, "languages_block", &langblock);
    page_set_html(pg, "related_block", &relblock);
    page_set_html(pg, "feedback", &feedback);
    page_set_html(pg, "content", &content);
    page_render(pg, "article", body);
    html_release(&content);
    html_release(&toc);
    html_release(&langs);
    html_release(&related);
    html_release(&notices);
    html_release(&feedback);
    html_release(&updated);
    html_release(&tocblock);
    html_release(&langblock);
    html_release(&relblock);
}

/* "yes" or "no" when this visit voted on the article before (its last
 * vote), else NULL: a reload shows the thanks, not the form again. */
static const char *visit_vote(struct request *rq, const char *id)
{
    const char *visit = req_visit(rq);
    if (rq->visit_is_new || !rq->app->reader)
        return NULL;
    json_t *events = NULL;
    pthread_mutex_lock(&rq->app->reader_lock);
    store_status st = eventlog_visit_events(rq->app->reader, visit, &events);
    pthread_mutex_unlock(&rq->app->reader_lock);
    const char *vote = NULL;
    size_t i;
    json_t *ev;
    if (st == STORE_OK)
        json_array_foreach(events, i, ev)
        {
            if (strcmp(jstr(ev, "type"), "vote") == 0 && strcmp(jstr(ev, "article"), id) == 0)
                vote = json_is_true(json_object_get(ev, "helpful")) ? "yes" : "no";
        }
    json_decref(events);
    return vote;
}

unsigned page_article(struct request *rq)
{
    const char *id = rq->path + strlen("/articles/");
    json_t *rec, *locales;
    unsigned st = article_load(rq, id, &rec, &locales);
    if (st)
        return st;
    int bad;
    const char *want = req_arg(rq, "locale", &bad);
    const char *voted = req_arg(rq, "voted", &bad);
    events_log_view(rq, jstr(rec, "id"), jstr(rec, "locale"));
    if (bad || !voted) {
        voted = visit_vote(rq, jstr(rec, "id"));
        bad = 0;
    }
    struct strbuf self = STRBUF_INIT;
    struct html body = HTML_INIT;
    strbuf_adds(&self, "/articles/");
    escape_url(&self, jstr(rec, "id"), 1);
    struct page pg;
    page_init(&pg, rq, want && *want ? want : jstr(rec, "locale"), self.buf, NULL);
    render_article(&pg, rec, locales, bad ? NULL : voted, &body);
    st = page_finish(&pg, 200, jstr(rec, "title"), &body);
    strbuf_release(&self);
    html_release(&body);
    json_decref(rec);
    json_decref(locales);
    return st;
}

/* A short page with one message and a way back. */
static unsigned message_page(struct page *pg, unsigned status, const char *title_key,
                             const char *text_key, const char *back_url)
{
    struct html body = HTML_INIT;
    page_set_text(pg, "heading", page_t(pg, title_key));
    page_set_text(pg, "message", page_t(pg, text_key));
    page_set_text(pg, "back_url", back_url);
    page_render(pg, "message", &body);
    unsigned st = page_finish(pg, status, page_t(pg, title_key), &body);
    html_release(&body);
    return st;
}

/* POST /articles/{id}/feedback: the vote form without JavaScript.
 * Stores the vote like POST /api/feedback, then sends the browser back
 * to the article, which thanks the customer (303, so a reload does not
 * vote twice). */
unsigned page_article_post(struct request *rq)
{
    const char *rest = rq->path + strlen("/articles/");
    size_t len = strlen(rest);
    static const char suffix[] = "/feedback";
    if (len <= sizeof suffix - 1 || strcmp(rest + len - (sizeof suffix - 1), suffix) != 0)
        return reply_error(rq, 404, "not_found", "no such path");
    char *id = strndup(rest, len - (sizeof suffix - 1));
    if (!id)
        return reply_error(rq, 503, "overloaded", "out of memory; try again");
    json_t *body = NULL;
    unsigned st = req_body_object(rq, &body);
    if (st) {
        free(id);
        return st;
    }
    const char *locale = json_string_value(json_object_get(body, "locale"));
    struct page pg;
    page_init(&pg, rq, locale, "/", NULL);
    struct strbuf back = STRBUF_INIT;
    strbuf_adds(&back, "/articles/");
    escape_url(&back, article_id_ok(id) ? id : "", 1);
    strbuf_adds(&back, "?locale=");
    escape_url(&back, pg.locale, 0);
    if (!csrf_ok(rq, body)) {
        st = message_page(&pg, 403, "form.expired_title", "form.expired", back.buf);
        goto out;
    }
    json_object_set_new(body, "article", json_string(id));
    struct eventlog_event ev;
    json_t *fields = NULL;
    char first[256];
    if (feedback_validate(rq, body, &ev, &fields, first, sizeof first) != 0) {
        unsigned status = json_object_get(fields, "article") ? 404 : 400;
        json_decref(fields);
        st = message_page(&pg, status, "fb.invalid_title", "fb.invalid", back.buf);
        goto out;
    }
    ev.visit = req_visit(rq);
    if (!ev.locale)
        ev.locale = rq->app->cfg.default_locale;
    if (!rq->app->events || eventq_record(rq->app->events, &ev, EVENTQ_WAIT) != 0) {
        st = message_page(&pg, 503, "fb.failed_title", "fb.failed", back.buf);
        goto out;
    }
    strbuf_adds(&back, ev.helpful ? "&voted=yes#feedback" : "&voted=no#feedback");
    page_release(&pg);
    reply_header(rq, "Location", back.buf);
    strbuf_release(&rq->out);
    strbuf_adds(&rq->out, "Thank you for your feedback.\n");
    rq->content_type = "text/plain; charset=utf-8";
    st = 303;
out:
    strbuf_release(&back);
    json_decref(body);
    free(id);
    return st;
}

/* GET /api/html/articles/{id}?locale=: the article rendered as safe
 * HTML (markdown_render_html: no raw HTML, no script links) for the
 * case form's inline reader: {"id","locale","title","url","updated",
 * "machine_translated","html"}. */
unsigned api_article_html(struct request *rq)
{
    const char *id = rq->path + strlen("/api/html/articles/");
    json_t *rec, *locales;
    unsigned st = article_load(rq, id, &rec, &locales);
    if (st)
        return st;
    char *md = localize_callouts(jstr(rec, "markdown"),
                                 i18n_get(rq->app->i18n, jstr(rec, "locale")));
    char *html = md ? markdown_render_html(md, strlen(md)) : NULL;
    free(md);
    struct strbuf url = STRBUF_INIT;
    searchreq_article_url(&url, jstr(rec, "id"), jstr(rec, "locale"), NULL);
    json_t *o = html && !strbuf_failed(&url)
                    ? json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "id", jstr(rec, "id"),
                                "locale", jstr(rec, "locale"), "title", jstr(rec, "title"),
                                "url", url.buf, "updated", jstr(rec, "updated"),
                                "machine_translated",
                                json_is_true(json_object_get(rec, "machine_translated")),
                                "html", html)
                    : NULL;
    free(html);
    strbuf_release(&url);
    json_decref(rec);
    json_decref(locales);
    if (!o)
        return reply_error(rq, 503, "overloaded", "out of memory; try again");
    return reply_json(rq, 200, o);
}
