/* admin.h -- the author tools' data, shared by the JSON API (admin.c)
 * and the author dashboard (page_author.c). */
#ifndef KB_ADMIN_H
#define KB_ADMIN_H

#include "request.h"

#include <jansson.h>

enum {
    ADMIN_OK = 0,
    ADMIN_NO_INDEX = -1,   /* the index cannot be opened */
    ADMIN_INDEX_ERROR = -2 /* its records could not be read, or OOM */
};

/* The content-health report of GET /api/admin/content-report over the
 * last days days (1..3650): {"days","broken_links":[{article,locale,
 * file,target,line,problem}],"missing_description":[{article,locale,title}],
 * "stale_translations":[{article,locale,updated,source_locale,
 * source_updated}],"never_clicked":[{article,title}],"least_helpful":
 * [{article,section,helpful_no,helpful_yes}]}, internal articles
 * included.  Runs on the calling thread's index handle and takes
 * app->reader_lock for the usage counts.  ADMIN_OK with *out (caller
 * json_decref()s), or ADMIN_NO_INDEX / ADMIN_INDEX_ERROR. */
int admin_content_report(struct app *app, long days, json_t **out);

/* The broken links alone, as in the content report: a new array of
 * {article,locale,file (the article's path in the content folder),
 * target (as written in the Markdown),line,problem ("missing article"
 * or "missing anchor")}, in no particular order, internal articles
 * included.  ADMIN_OK with *out (caller json_decref()s), or
 * ADMIN_NO_INDEX / ADMIN_INDEX_ERROR. */
int admin_broken_links(struct app *app, json_t **out);

#endif
