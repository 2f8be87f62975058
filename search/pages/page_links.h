/* page_links.h -- the broken links page of the author dashboard
 * (page_links.c). */
#ifndef KB_PAGE_LINKS_H
#define KB_PAGE_LINKS_H

#include "request.h"

/* GET /author/links?lang=&q=&page=: the broken links of the served
 * index, filtered and paged (brokenlinks.h), with a CSV download. */
unsigned page_links(struct request *rq);

#endif
