/* pages.c -- server-rendered HTML: the help-center home, search
 * results and static files.  Pages work without JavaScript; every
 * value is text for a {{x}} slot or markup made with the HTML builder
 * (html.h).  The article page is in page_article.c, the case form in
 * page_contact.c. */
#include "api_events.h"
#include "escape.h"
#include "pages.h"
#include "routes.h"
#include "searchreq.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The search box, filled with q. */
static void search_form(struct page *pg, const char *q, struct html *out)
{
    page_set_text(pg, "q", q);
    page_render(pg, "searchform", out);
}

static const char *locale_arg(struct request *rq)
{
    int bad;
    const char *locale = req_arg(rq, "locale", &bad);
    return bad ? NULL : locale;
}

/* The locale a page is shown in: the one asked for when the index has
 * it, else NULL (the default).  A made-up ?locale= then names no list,
 * no log entry and no UI language of its own. */
static const char *known_locale(struct request *rq, const char *locale, char *buf,
                                size_t len)
{
    return locale && *locale && events_locale_known(rq, locale, buf, len) ? buf : NULL;
}

/* locale: one of the index (known_locale()), or NULL. */
static unsigned home(struct request *rq, const char *locale)
{
    struct page pg;
    page_init(&pg, rq, locale, "/", NULL);
    struct html form = HTML_INIT, popular = HTML_INIT, body = HTML_INIT, topics = HTML_INIT;
    search_form(&pg, "", &form);
    popular_render(&pg, 6, &popular);
    topics_render(&pg, &topics);
    page_set_html(&pg, "searchform", &form);
    page_set_html(&pg, "popular", &popular);
    page_set_html(&pg, "topics", &topics);
    page_render(&pg, "home", &body);
    unsigned st = page_finish(&pg, 200, page_t(&pg, "home.title"), &body);
    html_release(&form);
    html_release(&popular);
    html_release(&topics);
    html_release(&body);
    return st;
}

unsigned page_home(struct request *rq)
{
    char buf[64];
    return home(rq, known_locale(rq, locale_arg(rq), buf, sizeof buf));
}

/* One result: title, best section as a deep link, snippet, topic,
 * locale and date.  data-* attributes feed the click log (app.js). */
static void render_hit(struct page *pg, const kb_hit *h, size_t rank, struct html *out)
{
    struct strbuf url = STRBUF_INIT, surl = STRBUF_INIT;
    struct html section = HTML_INIT, updated = HTML_INIT;
    char rankstr[24];
    snprintf(rankstr, sizeof rankstr, "%zu", rank);
    searchreq_article_url(&url, h->id, h->locale, NULL);
    searchreq_article_url(&surl, h->id, h->locale, h->anchor);
    page_scope_open(pg);
    page_set_text(pg, "id", h->id);
    page_set_text(pg, "anchor", h->anchor);
    page_set_text(pg, "rank", rankstr);
    page_set_text(pg, "url", *h->anchor ? surl.buf : url.buf);
    page_set_text(pg, "section_url", surl.buf);
    page_set_text(pg, "title", h->title);
    page_set_text(pg, "section_title", h->section_title);
    page_set_snippet(pg, h);
    page_set_text(pg, "topic", page_topic_name(pg, h->topic));
    page_set_text(pg, "hit_locale", h->locale);
    page_set_text(pg, "locale_label", page_locale_name(pg, h->locale));
    page_set_text(pg, "internal", h->internal ? page_t(pg, "result.internal") : "");
    if (*h->anchor)
        page_render(pg, "hit-section", &section);
    page_set_html(pg, "section", &section);
    if (*h->updated)
        page_tf(pg, &updated, "result.updated", "date", h->updated, NULL);
    page_set_html(pg, "updated", &updated);
    page_render(pg, "hit", out);
    page_scope_close(pg);
    strbuf_release(&url);
    strbuf_release(&surl);
    html_release(&section);
    html_release(&updated);
}

/* A link to another page of the same search. */
static void page_link(struct page *pg, const struct searchreq *sr, unsigned offset,
                      const char *rel, const char *key, struct html *out)
{
    struct strbuf url = STRBUF_INIT;
    strbuf_adds(&url, "/search?q=");
    escape_url(&url, sr->q, 0);
    strbuf_adds(&url, "&locale=");
    escape_url(&url, pg->locale, 0);
    if (sr->limit != 10)
        strbuf_addf(&url, "&limit=%u", sr->limit);
    if (offset)
        strbuf_addf(&url, "&offset=%u", offset);
    if (sr->exact)
        strbuf_adds(&url, "&exact=1");
    if (sr->topic && *sr->topic) {
        strbuf_adds(&url, "&topic=");
        escape_url(&url, sr->topic, 0);
    }
    if (sr->product && *sr->product) {
        strbuf_adds(&url, "&product=");
        escape_url(&url, sr->product, 0);
    }
    page_pager_button(pg, rel, &url, key, out);
}

static void render_pager(struct page *pg, const struct searchreq *sr, size_t shown,
                         unsigned long total, struct html *out)
{
    struct html links = HTML_INIT;
    if (sr->offset > 0)
        page_link(pg, sr, sr->offset > sr->limit ? sr->offset - sr->limit : 0, "prev",
                  "results.prev", &links);
    if (shown && sr->offset + shown < total && sr->offset + sr->limit <= SEARCHREQ_MAX_OFFSET)
        page_link(pg, sr, sr->offset + sr->limit, "next", "results.next", &links);
    if (html_len(&links)) {
        page_scope_open(pg);
        page_set_html(pg, "links", &links);
        page_render(pg, "pager", out);
        page_scope_close(pg);
    }
    html_release(&links);
}

/* "Showing results for X — search instead for Y" when a word was
 * corrected: Y, as typed, links to the same search with exact=1. */
static void render_corrected(struct page *pg, kb_results *res, const struct searchreq *sr,
                             struct html *out)
{
    const char *fixed = kb_results_suggestion(res);
    if (!fixed)
        return;
    struct html msg = HTML_INIT;
    struct strbuf url = STRBUF_INIT;
    strbuf_adds(&url, "/search?q=");
    escape_url(&url, sr->q, 0);
    strbuf_adds(&url, "&locale=");
    escape_url(&url, pg->locale, 0);
    strbuf_adds(&url, "&exact=1");
    page_tf(pg, &msg, "results.corrected", "q", fixed, NULL);
    html_lit(&msg, " — <a class=\"search-instead\"");
    html_attr(&msg, "href", url.buf);
    html_lit(&msg, ">");
    page_tf(pg, &msg, "results.search_instead", "q", sr->q, NULL);
    html_lit(&msg, "</a>");
    if (strbuf_failed(&url))
        html_fail(&msg);
    page_scope_open(pg);
    page_set_html(pg, "message", &msg);
    page_render(pg, "notice-fallback", out);
    page_scope_close(pg);
    html_release(&msg);
    strbuf_release(&url);
}

static void render_results(struct page *pg, kb_results *res, const struct searchreq *sr,
                           struct html *out)
{
    const char *q = sr->q;
    unsigned offset = sr->offset;
    size_t n = kb_results_count(res);
    struct html items = HTML_INIT, heading = HTML_INIT, more = HTML_INIT, filters = HTML_INIT;
    struct strbuf contact = STRBUF_INIT;
    char count[32];
    snprintf(count, sizeof count, "%lu", kb_results_total(res));
    for (size_t i = 0; i < n; i++)
        render_hit(pg, kb_results_get(res, i), offset + i + 1, &items);
    page_set_text(pg, "q", q);
    page_url(pg, &contact, "/contact");
    strbuf_adds(&contact, "&subject=");
    escape_url(&contact, q, 0);
    page_set_text(pg, "contact_subject_url", contact.buf);
    render_corrected(pg, res, sr, out);
    if (n) {
        page_tf(pg, &heading,
                !kb_results_total_exact(res)  ? "results.count_about"
                : kb_results_total(res) == 1 ? "results.count_one"
                                             : "results.count",
                "n", count, "q", q, NULL);
        page_set_html(pg, "heading", &heading);
        page_set_html(pg, "hits", &items);
        render_pager(pg, sr, n, kb_results_total(res), &more);
        page_set_html(pg, "pager", &more);
        filters_render(pg, res, sr, &filters);
        page_set_html(pg, "filters", &filters);
        page_render(pg, "results", out);
    } else {
        page_tf(pg, &heading, "noresults.title", "q", q, NULL);
        page_set_html(pg, "heading", &heading);
        popular_render(pg, 5, &more);
        page_set_html(pg, "popular", &more);
        page_render(pg, "no-results", out);
    }
    html_release(&items);
    html_release(&heading);
    html_release(&more);
    html_release(&filters);
    strbuf_release(&contact);
}

/* A question too long to search as typed was shortened: say so, and
 * with which words, above the results; the box keeps the question. */
static void render_shortened(struct page *pg, const char *q, struct html *out)
{
    struct html msg = HTML_INIT;
    page_tf(pg, &msg, "results.shortened", "q", q, NULL);
    page_scope_open(pg);
    page_set_html(pg, "message", &msg);
    page_render(pg, "notice-fallback", out);
    page_scope_close(pg);
    html_release(&msg);
}

static unsigned search_page(struct request *rq, struct strbuf *short_q)
{
    struct searchreq sr;
    const char *typed;
    unsigned st = searchreq_parse_page(rq, &sr, short_q, &typed);
    if (st)
        return st;
    char locale[64];
    sr.locale = known_locale(rq, sr.locale, locale, sizeof locale);
    if ((!sr.q || !*sr.q) && sr.product && *sr.product)
        return topic_page(rq, &sr);
    if (!sr.q || !*sr.q)
        return home(rq, sr.locale);
    struct page pg;
    struct strbuf query = STRBUF_INIT;
    strbuf_adds(&query, "q=");
    escape_url(&query, sr.q, 0);
    page_init(&pg, rq, sr.locale, "/search", query.buf);
    strbuf_release(&query);
    struct searchreq run = sr;
    run.locale = pg.locale;
    run.facets = 1;
    kb_results *res;
    if ((st = searchreq_run(rq, &run, 0, &res))) {
        page_release(&pg);
        return st;
    }
    /* A page past the last one (an old link, a hand-made offset): the
     * last page there is, not "no articles match". */
    unsigned long total = kb_results_total(res);
    if (!kb_results_count(res) && sr.offset > 0 && total > 0) {
        unsigned last = (unsigned)((total - 1) / sr.limit * sr.limit);
        kb_results_free(res);
        struct strbuf url = STRBUF_INIT;
        strbuf_adds(&url, "/search?");
        strbuf_adds(&url, pg.self.buf + strlen("/search?"));
        strbuf_adds(&url, "&locale=");
        escape_url(&url, pg.locale, 0);
        if (sr.topic && *sr.topic) {
            strbuf_adds(&url, "&topic=");
            escape_url(&url, sr.topic, 0);
        }
        if (sr.product && *sr.product) {
            strbuf_adds(&url, "&product=");
            escape_url(&url, sr.product, 0);
        }
        if (sr.limit != 10)
            strbuf_addf(&url, "&limit=%u", sr.limit);
        if (last)
            strbuf_addf(&url, "&offset=%u", last);
        if (sr.exact)
            strbuf_adds(&url, "&exact=1");
        page_release(&pg);
        reply_header(rq, "Location", url.buf ? url.buf : "/search");
        strbuf_release(&url);
        strbuf_release(&rq->out);
        strbuf_adds(&rq->out, "Past the last page of results.\n");
        rq->content_type = "text/plain; charset=utf-8";
        return 303;
    }
    struct html form = HTML_INIT, results = HTML_INIT, body = HTML_INIT;
    struct strbuf title = STRBUF_INIT;
    search_form(&pg, typed ? typed : sr.q, &form);
    if (typed)
        render_shortened(&pg, sr.q, &results);
    render_results(&pg, res, &sr, &results);
    events_log_search(rq, sr.q, sr.locale, (int)kb_results_total(res), 0, res);
    kb_results_free(res);
    page_set_html(&pg, "searchform", &form);
    page_set_html(&pg, "results", &results);
    page_render(&pg, "search", &body);
    /* Plain text: the layout escapes the title. */
    strbuf_adds(&title, sr.q);
    strbuf_adds(&title, " · ");
    strbuf_adds(&title, page_t(&pg, "nav.search"));
    st = page_finish(&pg, 200, title.buf, &body);
    html_release(&form);
    html_release(&results);
    html_release(&body);
    strbuf_release(&title);
    return st;
}

unsigned page_search(struct request *rq)
{
    struct strbuf short_q = STRBUF_INIT;
    unsigned st = search_page(rq, &short_q);
    strbuf_release(&short_q);
    return st;
}

static const char *mime_of(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

unsigned page_static(struct request *rq)
{
    const char *rel = rq->path + strlen("/static/");
    if (!article_id_ok(rel))
        return reply_error(rq, 404, "not_found", "no such file");
    char path[PATH_MAX + 600], real[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", rq->app->static_root, rel);
    /* realpath also resolves symlinks: the file must really live under
     * the static folder. */
    if (!realpath(path, real) ||
        strncmp(real, rq->app->static_root, strlen(rq->app->static_root)) != 0 ||
        real[strlen(rq->app->static_root)] != '/')
        return reply_error(rq, 404, "not_found", "no such file");
    struct stat stt;
    if (stat(real, &stt) != 0 || !S_ISREG(stt.st_mode) || stt.st_size > 4 * 1024 * 1024)
        return reply_error(rq, 404, "not_found", "no such file");
    FILE *f = fopen(real, "rb");
    if (!f)
        return reply_error(rq, 404, "not_found", "no such file");
    char buf[8192];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_add(&rq->out, buf, got);
    fclose(f);
    rq->content_type = mime_of(real);
    reply_header(rq, "Cache-Control", "public, max-age=300");
    return 200;
}

/* An error page is a page of the site in the reader's language (the
 * locale asked for, else the visitor's), with the search box: what
 * went wrong in words from the UI strings ("error.<code>", else one
 * per kind of status); the service's English message is not shown. */
void page_error(struct request *rq, unsigned status, const char *code, const char *msg)
{
    char st[16], key[64];
    snprintf(st, sizeof st, "%u", status);
    struct page pg;
    page_init(&pg, rq, locale_arg(rq), rq->path, NULL);
    snprintf(key, sizeof key, "error.%s", code ? code : "");
    const char *title = page_t(&pg, key);
    if (title == key)
        title = page_t(&pg, status == 404   ? "error.not_found"
                            : status < 500 ? "error.bad_request"
                                           : "error.unavailable");
    struct html form = HTML_INIT, body = HTML_INIT;
    search_form(&pg, "", &form);
    page_set_text(&pg, "status", st);
    page_set_text(&pg, "heading", title);
    (void)msg;
    page_set_text(&pg, "code", code);
    page_set_html(&pg, "searchform", &form);
    page_render(&pg, "error", &body);
    rq->error_code = code;
    page_finish(&pg, status, title, &body);
    html_release(&form);
    html_release(&body);
}
