/* page_learned.c -- the learned questions on the author dashboard: what
 * kb-index --learn indexed with each article (the set the index keeps,
 * kb_learned_foreach), less what authors removed, and the form that
 * removes one (POST /author/learned).  A removed question is hidden at
 * once and never applied again (learn.h); it leaves the search at the
 * next kb-index --learn run. */
#include "page_learned.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "html.h"
#include "learn.h"
#include "request.h"
#include "routes.h"

/* Most learned questions listed: the dashboard is no data export. */
#define LEARNED_MAX 200

struct learned_row {
    char *query, *locale, *article, *section;
};

struct learned_list {
    struct learned_row *rows;
    size_t n, cap;
    int oom;
};

static char *dup_str(const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s ? s : "", n);
    return d;
}

static int collect(void *ctx, const kb_learned *p)
{
    struct learned_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        struct learned_row *r = realloc(l->rows, cap * sizeof *r);
        if (!r) {
            l->oom = 1;
            return 1;
        }
        l->rows = r;
        l->cap = cap;
    }
    struct learned_row *r = &l->rows[l->n];
    r->query = dup_str(p->query);
    r->locale = dup_str(p->locale);
    r->article = dup_str(p->article);
    r->section = dup_str(p->section);
    if (!r->query || !r->locale || !r->article || !r->section) {
        free(r->query);
        free(r->locale);
        free(r->article);
        free(r->section);
        l->oom = 1;
        return 1;
    }
    l->n++;
    return 0;
}

static int by_article(const void *a, const void *b)
{
    const struct learned_row *x = a, *y = b;
    int c = strcmp(x->article, y->article);
    if (!c)
        c = strcmp(x->locale, y->locale);
    return c ? c : strcmp(x->query, y->query);
}

static void list_free(struct learned_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->rows[i].query);
        free(l->rows[i].locale);
        free(l->rows[i].article);
        free(l->rows[i].section);
    }
    free(l->rows);
}

static void hidden(struct html *out, const char *name, const char *value)
{
    html_lit(out, "<input type=\"hidden\"");
    html_attr(out, "name", name);
    html_attr(out, "value", value);
    html_lit(out, ">");
}

void learned_render(struct page *pg, struct request *rq, struct staff_articles *sa,
                    struct html *out)
{
    struct learned_list l = {NULL, 0, 0, 0};
    struct learnstore *ls = NULL;
    if (sa->ix)
        kb_learned_foreach(sa->ix, collect, &l);
    if (l.n && learn_open(rq->app->cfg.db_path, &ls) != STORE_OK) {
        fprintf(stderr, "kb-serve: learned questions: %s\n", learn_errmsg(ls));
        learn_close(ls);
        ls = NULL;
    }
    if (l.n > 1)
        qsort(l.rows, l.n, sizeof *l.rows, by_article);
    size_t shown = 0;
    for (size_t i = 0; i < l.n && shown < LEARNED_MAX; i++) {
        const struct learned_row *r = &l.rows[i];
        int removed = 0;
        if (ls && learn_is_removed(ls, r->locale, r->article, r->query, &removed) != STORE_OK)
            removed = 0;
        if (removed)
            continue;
        if (!shown++) {
            html_lit(out, "<div class=\"table-scroll\"><table class=\"data-table learned\">\n"
                          "<caption class=\"visually-hidden\">");
            html_text(out, page_t(pg, "author.learned_title"));
            html_lit(out, "</caption>\n<thead><tr><th scope=\"col\">");
            html_text(out, page_t(pg, "author.col.article"));
            html_lit(out, "</th><th scope=\"col\">");
            html_text(out, page_t(pg, "author.col.learned_query"));
            html_lit(out, "</th><th scope=\"col\"><span class=\"visually-hidden\">");
            html_text(out, page_t(pg, "author.learned_remove"));
            html_lit(out, "</span></th></tr></thead>\n<tbody>\n");
        }
        html_lit(out, "<tr><td>");
        staff_article_link(sa, r->article, r->locale, r->section, out);
        html_lit(out, "</td><th scope=\"row\" class=\"query learned-query\">");
        html_text(out, r->query);
        html_lit(out, "</th><td><form class=\"learned-remove\" method=\"post\" "
                      "action=\"/author/learned\">");
        hidden(out, "csrf", rq->user.csrf);
        hidden(out, "locale", r->locale);
        hidden(out, "article", r->article);
        hidden(out, "query", r->query);
        html_lit(out, "<button type=\"submit\" class=\"button secondary\">");
        html_text(out, page_t(pg, "author.learned_remove"));
        html_lit(out, "</button></form></td></tr>\n");
    }
    if (shown) {
        html_lit(out, "</tbody>\n</table></div>\n");
    } else {
        html_lit(out, "<p class=\"empty-note\">");
        html_text(out, page_t(pg, "author.no_learned"));
        html_lit(out, "</p>\n");
    }
    learn_close(ls);
    list_free(&l);
}

unsigned page_learned_remove(struct request *rq)
{
    json_t *body = NULL;
    unsigned st;
    if (rq->body.len && (st = req_body_object(rq, &body)))
        return st;
    struct page pg;
    staff_page_init(&pg, rq, "/author", NULL);
    if (auth_check_csrf(rq, body)) {
        json_decref(body);
        return staff_message(&pg, 403, "form.expired_title", "form.expired", "/author");
    }
    const char *locale = json_string_value(json_object_get(body, "locale"));
    const char *article = json_string_value(json_object_get(body, "article"));
    const char *query = json_string_value(json_object_get(body, "query"));
    struct learnstore *ls = NULL;
    store_status rc = STORE_ERR_INVALID;
    if (locale && article && query && strlen(query) <= 1024 && strlen(article) <= 512 &&
        strlen(locale) <= 32) {
        rc = learn_open(rq->app->cfg.db_path, &ls);
        if (rc == STORE_OK)
            rc = learn_remove(ls, locale, article, query, (double)time(NULL));
        if (rc != STORE_OK && rc != STORE_ERR_INVALID)
            fprintf(stderr, "kb-serve: remove a learned question: %s\n", learn_errmsg(ls));
    }
    learn_close(ls);
    json_decref(body);
    if (rc == STORE_ERR_INVALID) {
        rq->error_code = "invalid_fields";
        return staff_message(&pg, 400, "author.learned_title", "author.learned_bad", "/author");
    }
    if (rc != STORE_OK) {
        rq->error_code = "store_failed";
        return staff_message(&pg, 500, "author.learned_title", "author.learned_failed",
                             "/author");
    }
    page_release(&pg);
    reply_header(rq, "Location", "/author#learned");
    strbuf_release(&rq->out);
    strbuf_adds(&rq->out, "Removed.\n");
    rq->content_type = "text/plain; charset=utf-8";
    return 303;
}
