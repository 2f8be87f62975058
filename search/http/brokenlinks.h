/* brokenlinks.h -- the broken links of the current index, filtered,
 * sorted and paged, for the author's broken links page
 * (pages/page_links.c) and GET /api/admin/broken-links (JSON or CSV).
 *
 * Where they come from: kb-index keeps each article's relative links
 * (target and line) and its path in the article's record; the server
 * resolves them against the index it serves (admin_broken_links,
 * admin.h, with linkcheck_resolve), so the list is always that of the
 * index being served. */
#ifndef KB_BROKENLINKS_H
#define KB_BROKENLINKS_H

#include "request.h"

#include <jansson.h>

#define BROKENLINKS_Q_MAX 200      /* bytes of the text filter */
#define BROKENLINKS_PAGE 50        /* rows per page (the page's, the API's default) */
#define BROKENLINKS_LIMIT_MAX 1000 /* the API's largest limit */

struct brokenlinks {
    json_t *matched; /* the links that pass the filters, by file then line */
    json_t *locales; /* every locale with a broken link, sorted */
    size_t total;    /* broken links before filtering */
};

/* Loads the current list into bl, keeping the links of locale lang
 * (NULL or "": every locale) whose file or target contains q (NULL or
 * "": any; ASCII letters compared without case).  ADMIN_OK (0), or
 * ADMIN_NO_INDEX / ADMIN_INDEX_ERROR (admin.h); brokenlinks_release()
 * either way. */
int brokenlinks_load(struct app *app, const char *lang, const char *q, struct brokenlinks *bl);
void brokenlinks_release(struct brokenlinks *bl);

/* Writes links (an array as in struct brokenlinks) to sb as RFC 4180
 * CSV: a header, then file,line,locale,article,target,problem; every
 * cell through reports_csv_cell(), so none starts a formula. */
void brokenlinks_csv(json_t *links, struct strbuf *sb);

/* GET /api/admin/broken-links?lang=&q=&offset=&limit=&format=json|csv:
 * {"total","matched","offset","limit","locales":[...],"links":[{file,
 * line,locale,article,target,problem}]}; with format=csv every matched
 * link, as brokenlinks_csv() writes it.  Authors only (the route). */
unsigned api_broken_links(struct request *rq);

#endif
