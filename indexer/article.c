/* article.c -- the article data model: allocation and appends.
 *
 * The arrays in struct article carry no capacity field, so they grow
 * to the next power of two whenever the count reaches one; that keeps
 * appends amortised O(1) without changing the public struct. */
#include "article.h"

#include <stdlib.h>
#include <string.h>

static char *dup_or_empty(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    char *p = malloc(n + 1);

    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* The implicit capacity is 0 for no elements, else the larger of 4 and
 * the next power of two, so the array is full exactly when count is 0
 * or a power of two of at least 4. */
static int grow(void **arr, size_t count, size_t elem)
{
    size_t cap;
    void *p;

    if (count != 0 && (count < 4 || (count & (count - 1)) != 0))
        return 0;
    cap = count ? count * 2 : 4;
    if (cap < count || cap > (size_t)-1 / elem)
        return -1;
    p = realloc(*arr, cap * elem);
    if (!p)
        return -1;
    *arr = p;
    return 0;
}

struct article *article_new(void)
{
    return calloc(1, sizeof(struct article));
}

void article_free(struct article *a)
{
    size_t i;

    if (!a)
        return;
    free(a->id);
    free(a->locale);
    free(a->title);
    free(a->description);
    free(a->topic);
    free(a->product);
    for (i = 0; i < a->ntags; i++)
        free(a->tags[i]);
    free(a->tags);
    free(a->updated);
    free(a->path);
    free(a->markdown);
    free(a->headings);
    for (i = 0; i < a->nsections; i++) {
        free(a->sections[i].anchor);
        free(a->sections[i].title);
        free(a->sections[i].text);
    }
    free(a->sections);
    for (i = 0; i < a->nlinks; i++)
        free(a->links[i].target);
    free(a->links);
    for (i = 0; i < a->nqueries; i++)
        free(a->queries[i].text);
    free(a->queries);
    free(a);
}

int article_add_section(struct article *a, const char *anchor,
                        const char *title, int level, int is_question,
                        const char *text)
{
    struct article_section s;
    void *arr = a->sections;

    s.anchor = dup_or_empty(anchor);
    s.title = dup_or_empty(title);
    s.text = dup_or_empty(text);
    s.level = level;
    s.is_question = is_question;
    if (!s.anchor || !s.title || !s.text ||
        grow(&arr, a->nsections, sizeof s) != 0) {
        free(s.anchor);
        free(s.title);
        free(s.text);
        return -1;
    }
    a->sections = arr;
    a->sections[a->nsections++] = s;
    return 0;
}

int article_add_link(struct article *a, const char *target, unsigned line)
{
    struct article_link l;
    void *arr = a->links;

    l.target = dup_or_empty(target);
    l.line = line;
    if (!l.target || grow(&arr, a->nlinks, sizeof l) != 0) {
        free(l.target);
        return -1;
    }
    a->links = arr;
    a->links[a->nlinks++] = l;
    return 0;
}

int article_add_query(struct article *a, const char *text, unsigned line)
{
    struct article_query q;
    void *arr = a->queries;

    q.text = dup_or_empty(text);
    q.line = line;
    if (!q.text || grow(&arr, a->nqueries, sizeof q) != 0) {
        free(q.text);
        return -1;
    }
    a->queries = arr;
    a->queries[a->nqueries++] = q;
    return 0;
}

int article_set(char **field, const char *value)
{
    char *p = dup_or_empty(value);

    if (!p)
        return -1;
    free(*field);
    *field = p;
    return 0;
}
