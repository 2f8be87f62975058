/* page_staff.h -- what the agent console (page_agent.c,
 * page_agent_case.c) and the author dashboard (page_author.c) share:
 * the forbidden page, dates for display, and links to articles by id.
 *
 * These pages are for signed-in agents and authors only; they are built
 * with the page kit (pages.h) like the customer pages, so the same
 * rules hold: text through templates, markup with the HTML builder. */
#ifndef KB_PAGE_STAFF_H
#define KB_PAGE_STAFF_H

#include "kb.h"
#include "pages.h"

#include <jansson.h>

/* The 403 page for a signed-in agent who asks for an author page, with
 * a link back to the console; returns its status.  The dispatcher calls
 * it (app->forbidden_page) before any handler of an author page. */
unsigned staff_forbidden(struct request *rq);

/* Sets pg up as a staff page (path for the language switcher) and
 * marks its <body> for the staff styles. */
void staff_page_init(struct page *pg, struct request *rq, const char *path,
                     const char *extra_query);

/* A page with one heading, one message and a link back to back_path
 * (a local path such as "/author": the link keeps the page's locale),
 * via page_finish(). */
unsigned staff_message(struct page *pg, unsigned status, const char *title_key,
                       const char *text_key, const char *back_path);

/* Appends an ISO 8601 UTC time ("2026-03-14T10:22:33.123Z") as
 * <time datetime="...">...</time> showing, by style, the time of day
 * with seconds (STAFF_TIME), the date and minutes (STAFF_DATE_TIME) or
 * the date and seconds (STAFF_DATE_SECONDS), and "UTC", worded in the
 * page's language (the UI strings date.*: "14.03.2026, 10:22 Uhr UTC"). */
enum staff_time_style { STAFF_TIME, STAFF_DATE_TIME, STAFF_DATE_SECONDS };
void staff_time(const struct page *pg, struct html *out, const char *iso,
                enum staff_time_style style);

/* The date of iso ("2026-03-14", or a longer ISO 8601 time) in the
 * page's language as text into buf (len bytes), returned: the whole
 * date (date.day, "14.03.2026") or day and month (date.day_short,
 * "14.03", for a chart's axis).  iso itself when it is no date. */
const char *staff_date(const struct page *pg, const char *iso, int short_form, char *buf,
                       size_t len);

/* A ratio (0.42) as a percentage in the page's language (num.percent:
 * "42%", "42 %") into buf, returned. */
const char *staff_percent(const struct page *pg, double ratio, char *buf, size_t len);

/* The display name of a product id ("Billing and payments"). */
const char *staff_product_name(const struct page *pg, const char *product);

/* Article titles by id, looked up once per page in the index
 * (internal articles included). */
struct staff_articles {
    struct page *pg;
    kb_index *ix;  /* the thread's handle, or NULL: links show ids */
    json_t *cache; /* "locale|id" -> record {title, sections} or null */
};

void staff_articles_init(struct staff_articles *sa, struct page *pg);
void staff_articles_release(struct staff_articles *sa);

/* Appends a link to the article (and section, "" or NULL for none) in
 * locale (NULL: the default): "Title › Section", or the id when the
 * index has no such article any more. */
void staff_article_link(struct staff_articles *sa, const char *id, const char *locale,
                        const char *section, struct html *out);

/* The string value of key in o, "" when missing. */
const char *staff_jstr(json_t *o, const char *key);

/* A message of kb-index (a diagnostic, why a job failed): the
 * indexer's own words, in English whatever the page's language, and
 * marked so (lang="en") for screen readers and translation tools. */
void staff_tool_text(struct html *out, const char *msg);

/* kb-index's diagnostics in list ([{file, line, message}]) under a
 * heading of rank level (2 or 3) with key's text ({n}: how many), as
 * "file:line message" items of a list of class "diag-list cls";
 * nothing when the list is empty. */
void staff_diags(struct page *pg, json_t *list, const char *key, const char *cls, int level,
                 struct html *out);

#endif
