/* ubi.h -- the search log in OpenSearch's User Behavior Insights (UBI
 * 1.3.0) schema, as JSON lines, for kb-report ubi and
 * GET /api/reports/ubi.
 *
 * Each line is one object with one member naming the UBI index and
 * holding the record: {"ubi_queries":{...}} for every search and
 * suggestion, {"ubi_events":{...}} for every click, view, vote,
 * deflection and case.  A query's query_id is "<visit>.<n>" (its n-th
 * search in the visit); an event carries the query_id of the visit's
 * latest search for the same query (a click's own query), else of its
 * latest search, else none.  client_id is the visit; object_id is the
 * article id (object_id_field "article_id"), or for a case the case id
 * ("case_id").  Every event has event_attributes.position, as 1.3.0
 * requires: ordinal.index is a click's 1-based rank, 0 for events that
 * did not come from a results list.  README.md has the whole mapping. */
#ifndef KB_UBI_H
#define KB_UBI_H

#include "eventlog.h"
#include "store.h"
#include "strbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Appends the records of every visit whose first event is in [from, to)
 * to out, one line each, visits in order of their first event and
 * events in time order.  STORE_ERR_NOMEM, or the scan's failure with
 * eventlog_errmsg(el). */
store_status ubi_export(struct eventlog *el, double from, double to, struct strbuf *out);

#ifdef __cplusplus
}
#endif

#endif
