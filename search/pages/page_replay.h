/* page_replay.h -- what a reindex found, on the staff pages
 * (page_replay.c): the questions articles must answer that missed
 * (staff_diags), and the replay gate's report (kb-index --replay, reindex.h), on the job's
 * status page and, for the newest job that finished, on the author
 * dashboard. */
#ifndef KB_PAGE_REPLAY_H
#define KB_PAGE_REPLAY_H

#include "page_staff.h"

#include <jansson.h>

/* Appends a gated job's replay report: how many queries were replayed,
 * how many got worse or better, and a table of those with their
 * article's rank on the live index (before) and the new one (after).
 * Nothing for a job without "replay". */
void replay_report_render(struct page *pg, struct staff_articles *sa, json_t *job,
                          struct html *out);

/* The author dashboard's part: the questions articles must answer that
 * miss on the index served now (searched as kb-index does), then the
 * newest finished job (when it ended, why it failed, its replay report;
 * its own misses are on its status page), or a note when none has
 * finished since the service started. */
void replay_last_render(struct page *pg, struct request *rq, struct staff_articles *sa,
                        struct html *out);

#endif
