/* page_comments.h -- the readers' comments card of the author
 * dashboard: what readers wrote with their votes ("Tell us more"), per
 * article, newest first, from the articles report (reports.h). */
#ifndef KB_PAGE_COMMENTS_H
#define KB_PAGE_COMMENTS_H

#include "page_staff.h"

#include <jansson.h>

/* Appends the card's content for the articles report rep to out: the
 * articles with comments (at most COMMENTS_ARTICLES, the one with the
 * newest comment first), each with its comments as the report lists
 * them.  Comments are customer text: escaped as text, never markup.
 * Internal articles' comments are shown too: the dashboard is for
 * authors only. */
#define COMMENTS_ARTICLES 10
void comments_render(struct page *pg, struct staff_articles *sa, json_t *rep,
                     struct html *out);

#endif
