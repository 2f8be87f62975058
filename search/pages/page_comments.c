/* page_comments.c -- the readers' comments card (page_comments.h). */
#include "page_comments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The created time of the newest comment of an article row ("" if
 * none); the report lists them newest first. */
static const char *newest(json_t *row)
{
    return staff_jstr(json_array_get(json_object_get(row, "comments"), 0), "created");
}

static int newest_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(newest(y), newest(x));
    return c ? c : strcmp(staff_jstr(x, "article"), staff_jstr(y, "article"));
}

/* One comment: the words, then when, the vote, the reason and the
 * section the reader came by. */
static void one_comment(struct page *pg, struct staff_articles *sa, const char *article,
                        json_t *c, struct html *out)
{
    const char *reason = staff_jstr(c, "reason"), *section = staff_jstr(c, "section");
    html_lit(out, "<li class=\"comment\"><blockquote class=\"comment-text\"");
    if (*staff_jstr(c, "locale"))
        html_attr(out, "lang", staff_jstr(c, "locale"));
    html_lit(out, "><p>");
    html_text(out, staff_jstr(c, "comment"));
    html_lit(out, "</p></blockquote>\n<p class=\"comment-meta\">");
    staff_time(pg, out, staff_jstr(c, "created"), STAFF_DATE_TIME);
    html_lit(out, " · <span class=\"comment-vote\">");
    html_text(out, page_t(pg, json_is_true(json_object_get(c, "helpful")) ? "author.comment_yes"
                                                                            : "author.comment_no"));
    html_lit(out, "</span>");
    if (*reason) {
        char key[64];
        snprintf(key, sizeof key, "fb.reason.%s", reason);
        html_lit(out, " · ");
        html_text(out, page_t(pg, key));
    }
    if (*section) {
        html_lit(out, " · ");
        html_text(out, page_t(pg, "author.comment_section"));
        html_lit(out, " ");
        staff_article_link(sa, article, staff_jstr(c, "locale"), section, out);
    }
    html_lit(out, "</p></li>\n");
}

void comments_render(struct page *pg, struct staff_articles *sa, json_t *rep, struct html *out)
{
    json_t *list = json_object_get(rep, "articles");
    size_t n = 0, i, k;
    json_t *row, *c, **v = calloc(json_array_size(list) + 1, sizeof *v);
    if (!v) {
        html_fail(out);
        return;
    }
    /* The article's own row holds every comment on it, its sections'
     * included. */
    json_array_foreach(list, i, row)
        if (!*staff_jstr(row, "section") &&
            json_integer_value(json_object_get(row, "comments_total")) > 0)
            v[n++] = row;
    if (!n) {
        free(v);
        html_lit(out, "<p class=\"empty-note\">");
        html_text(out, page_t(pg, "author.no_comments"));
        html_lit(out, "</p>\n");
        return;
    }
    qsort(v, n, sizeof *v, newest_cmp);
    html_lit(out, "<ol class=\"comment-articles\">\n");
    for (i = 0; i < n && i < COMMENTS_ARTICLES; i++) {
        const char *article = staff_jstr(v[i], "article");
        json_t *comments = json_object_get(v[i], "comments");
        long long total = (long long)json_integer_value(json_object_get(v[i], "comments_total"));
        char num[24];
        snprintf(num, sizeof num, "%lld", total);
        html_lit(out, "<li class=\"comment-article\"><p class=\"comment-head\">");
        staff_article_link(sa, article, NULL, NULL, out);
        html_lit(out, " <span class=\"comment-count\">");
        page_tf(pg, out, total == 1 ? "author.comments_one" : "author.comments_n", "n", num,
                NULL);
        html_lit(out, "</span></p>\n<ul class=\"comment-list\">\n");
        json_array_foreach(comments, k, c)
            one_comment(pg, sa, article, c, out);
        html_lit(out, "</ul>\n");
        if ((size_t)total > json_array_size(comments)) {
            snprintf(num, sizeof num, "%lld", total - (long long)json_array_size(comments));
            html_lit(out, "<p class=\"comment-more\"><a href=\"/api/reports/articles?format=csv\">");
            page_tf(pg, out, "author.comments_more", "n", num, NULL);
            html_lit(out, "</a></p>\n");
        }
        html_lit(out, "</li>\n");
    }
    html_lit(out, "</ol>\n");
    free(v);
}
