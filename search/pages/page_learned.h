/* page_learned.h -- the learned questions on the author dashboard
 * (page_learned.c). */
#ifndef KB_PAGE_LEARNED_H
#define KB_PAGE_LEARNED_H

#include "page_staff.h"

/* Appends the table of learned questions, each with its article (and
 * section) and a form that removes it, or a note when there is none. */
void learned_render(struct page *pg, struct request *rq, struct staff_articles *sa,
                    struct html *out);

/* POST /author/learned (authors): form csrf, locale, article, query;
 * removes the question from the article for good, then 303 to the
 * dashboard. */
unsigned page_learned_remove(struct request *rq);

#endif
