/* article.h -- one content file parsed into an article and its answer units.
 *
 * The parsers (frontmatter.h, markdown.h, faq.h) fill a struct article;
 * kb-index hands it to the index layer (search/kb.h) and frees it.
 * Every string is owned by the article (heap, NUL-terminated, valid
 * UTF-8) and released by article_free(). */
#ifndef KB_ARTICLE_H
#define KB_ARTICLE_H

#include <stddef.h>

/* One answer unit: the lead (text before the first H2), an H2/H3
 * section, or one FAQ question with its answer. */
struct article_section {
    char *anchor;    /* stable anchor; "" for the lead unit */
    char *title;     /* plain-text heading or question; "" for the lead */
    int level;       /* 0 lead, 2 or 3 heading, question headings keep theirs */
    int is_question; /* 1 for an FAQ question (YAML FAQ or "...?" heading) */
    char *text;      /* plain text of the unit's body, blocks joined by '\n' */
};

/* A relative link found in the body, checked by kb-index afterwards. */
struct article_link {
    char *target;  /* as written, e.g. "billing.md#invoices" */
    unsigned line; /* 1-based line in the source file */
};

/* A question the article must answer: front matter 'queries:' (or an
 * FAQ question), searched after each run (query_check.h). */
struct article_query {
    char *text;    /* the question as written */
    unsigned line; /* 1-based line in the source file */
};

struct article {
    char *id;          /* front matter id, else path without extension */
    char *locale;      /* lower case, e.g. "ru-ru" */
    char *title;       /* front matter title, else first H1 */
    char *description; /* "" when absent */
    char *topic;       /* topic or ms.topic; "article" when absent */
    char *product;     /* product or ms.service; "" when absent */
    char **tags;       /* tags list (front matter tags/keywords) */
    size_t ntags;
    int internal;           /* audience: internal */
    int machine_translated; /* ms.translationtype: MT */
    char *updated;          /* "YYYY-MM-DD" or "" */
    char *path;             /* source path relative to the content folder */
    char *markdown;         /* body after DocFX clean-up, for rendering */
    char *headings;         /* every heading's plain text, '\n'-joined */
    struct article_section *sections;
    size_t nsections;
    struct article_link *links;
    size_t nlinks;
    struct article_query *queries;
    size_t nqueries;
    unsigned queries_top; /* queries_top: K; 0 means the default, 3 */
};

/* Returns a zeroed article (all strings NULL), or NULL on OOM.
 * Free with article_free(). */
struct article *article_new(void);

/* Frees the article and every string it owns.  NULL is a no-op. */
void article_free(struct article *a);

/* Appends a section; the strings are copied.  Returns 0, or -1 on OOM. */
int article_add_section(struct article *a, const char *anchor,
                        const char *title, int level, int is_question,
                        const char *text);

/* Appends a link; the target is copied.  Returns 0, or -1 on OOM. */
int article_add_link(struct article *a, const char *target, unsigned line);

/* Appends a question; the text is copied.  Returns 0, or -1 on OOM. */
int article_add_query(struct article *a, const char *text, unsigned line);

/* Replaces *field with a copy of value (NULL becomes "").  Returns 0 or
 * -1 on OOM. */
int article_set(char **field, const char *value);

/* Diagnostics: every parser reports into a struct diag instead of
 * printing, so kb-index decides how to show them (text or JSON). */
struct diag {
    unsigned line;  /* 1-based line in the source file, 0 if unknown */
    int is_error;   /* 1 error (file skipped), 0 warning */
    char msg[256];  /* what is wrong and what to do */
};

#endif
