/* reports.h -- deflection and content-gap reports over the event log.
 *
 * Every report covers the visits whose FIRST event lies in
 * [from_ts, to_ts) (unix seconds, UTC): a visit is counted once, in the
 * interval where it started, with all its events, even those after
 * to_ts.  The output is a new JSON object that the caller json_decref()s;
 * reports_to_csv() turns one into CSV.
 *
 * Deflection outcome of a visit, decided on its events inside its window
 * [first event, first event + window):
 *   - the visit is counted only if it searched, opened the case form or
 *     submitted a case in the window (a case implies the form was used);
 *   - none:      it submitted a case in the window;
 *   - pending:   no case yet but the window is still open (first event +
 *                window > now).  Confirmed is withheld too, not only
 *                potential: a case later in the window would still
 *                downgrade it, and a count that shrinks as time passes
 *                is worse than one that arrives late;
 *   - confirmed: a deflect event or a helpful vote;
 *   - potential: it read or was shown an article (a view, a click, a
 *                suggest that listed at least one article, or a search
 *                with results);
 *   - otherwise it has no outcome (searched, found nothing, left) and
 *     is in none of the counts.
 * A case after the window does not change the outcome.
 *
 * Ratios are rounded to 4 decimals; dump with JSON_REAL_PRECISION(10) or
 * less to print them short.  Status (store.h): STORE_OK with *out, else
 * *out is NULL and eventlog_errmsg(el) says why: STORE_ERR_INVALID for
 * a bad range (not finite, from >= to), window (<= 0 or over a year),
 * interval or too many intervals; STORE_ERR_NOMEM; the database
 * failures of eventlog.h.  Same threading rule as eventlog.h: el is
 * used by one thread at a time. */
#ifndef KB_REPORTS_H
#define KB_REPORTS_H

#include <stddef.h>

#include <jansson.h>

#include "eventlog.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define REPORTS_DEFAULT_WINDOW 1800 /* seconds */
#define REPORTS_MAX_INTERVALS 5000  /* longest deflection report */
#define REPORTS_GAP_CASES 10        /* case subjects kept per gap query */
#define REPORTS_ARTICLE_COMMENTS 5  /* comments listed per article row */

enum reports_interval {
    REPORTS_DAY,
    REPORTS_WEEK /* weeks start on Monday, UTC */
};

/* {"from":"YYYY-MM-DD","to":"YYYY-MM-DD" (the last day included, the
 * day before to_ts when it is a midnight),
 *  "total":{counts},"intervals":[{"start":"YYYY-MM-DD",counts}...]}
 * where counts are "visits" (with any event), "searches" (search
 * events), "case_form_visits", "confirmed", "potential", "none",
 * "pending", "deflection_rate" = (confirmed + potential) / (confirmed +
 * potential + none), 0 when that is 0, and "self_service_score" =
 * visits that searched or read an article (view or click) / visits that
 * submitted a case; 0.0 when no visit submitted a case (never null, so
 * the field keeps one type).  Every interval overlapping the range is
 * listed, empty ones too; the first starts on the day (or the Monday)
 * of from_ts.  window (seconds) must be > 0. */
store_status reports_deflection(struct eventlog *el, double from_ts, double to_ts,
                                enum reports_interval interval, double window,
                                double now, json_t **out);

/* {"queries":[{"query","count","results","ctr","confirmed","potential",
 * "none"}]}: searches grouped by reports_normalize_query(), most searched
 * first, at most limit (<= 0: all).  results is the result count of the
 * latest search of the query (null if unknown); ctr is the share of its
 * searches followed by a click with that query in the same visit (a
 * click credits only the latest such search); the outcome counts are of
 * the visits that searched it. */
store_status reports_queries(struct eventlog *el, double from_ts, double to_ts,
                             double window, double now, int limit, json_t **out);

/* {"gaps":[{"query","count","zero_results","no_click","cases":[subject,
 * ...]}]}: normalized queries that got zero results, or results and no
 * click, in some search.  cases lists (at most REPORTS_GAP_CASES,
 * distinct) the subjects of cases the same visit filed after such a
 * search.  Ordered by zero_results + no_click, then count; at most limit
 * (<= 0: all). */
store_status reports_gaps(struct eventlog *el, double from_ts, double to_ts,
                          int limit, json_t **out);

/* {"articles":[{"article","section" ("" for the whole article),"views",
 * "clicks","helpful_yes","helpful_no","confirmed","potential",
 * "comments_total","comments":[{"comment","created" (ISO 8601 UTC),
 * "helpful" (true/false),"reason" (or null),"locale","section"}]}]} per
 * article and section, most viewed plus clicked first.  A confirmed or
 * potential visit counts once for each article/section it viewed,
 * clicked or deflected from inside its window.  A vote with a section
 * (cast after coming by a section link) counts for the section's row
 * and for the article's: the article's row holds every vote on the
 * article, so both "least helpful" lists are right.  comments are the
 * readers' words ("Tell us more" on the vote form): comments_total of
 * them, the newest REPORTS_ARTICLE_COMMENTS listed, newest first.  They
 * are customer text, returned as stored: escape them for the output's
 * context. */
store_status reports_articles(struct eventlog *el, double from_ts, double to_ts,
                              double window, double now, json_t **out);

/* RFC 4180 CSV of a report made above; which is "deflection" (a header,
 * one row per interval, then a "total" row), "queries", "gaps" (cases
 * joined with "; ") or "articles" (a header and one row per entry; its
 * "comments" cell holds the listed comments' text, newest first, one
 * per line).
 * CRLF line ends; every cell is written by reports_csv_cell(): numbers
 * the report holds are cells of kind REPORTS_CSV_NUMBER, everything
 * else (queries, case subjects, ids, labels, lists) REPORTS_CSV_TEXT,
 * and each case subject in a gaps "cases" cell (each comment in an
 * articles "comments" cell) that begins with a formula character gets
 * the ' prefix of its own too.  Returns STORE_OK
 * and *out (caller free()s); STORE_ERR_INVALID (*out NULL) on an
 * unknown which or a report of another shape; STORE_ERR_NOMEM. */
store_status reports_to_csv(const json_t *report, const char *which, char **out);

struct strbuf;

enum reports_csv_kind {
    REPORTS_CSV_TEXT,  /* text, possibly a customer's: neutralised */
    REPORTS_CSV_NUMBER /* a number (or true/false) formatted by the report */
};

/* Appends one CSV cell of n bytes of s to sb: the only CSV cell writer.
 * A TEXT cell that begins with =, +, -, @, TAB or CR is prefixed with '
 * so that a spreadsheet shows it as text instead of running it as a
 * formula (the OWASP CSV injection rule); NUMBER cells are written as
 * they are, so counts, rates and negative numbers stay numbers.  Then
 * RFC 4180: a cell with a comma, quote, CR or LF is quoted (the prefix
 * inside the quotes), with quotes doubled. */
void reports_csv_cell(struct strbuf *sb, const char *s, size_t n,
                      enum reports_csv_kind kind);

/* Parses a strict "YYYY-MM-DD" (a real calendar date, years 1970-9999)
 * into *ts, midnight UTC.  STORE_OK, or STORE_ERR_INVALID (*ts
 * untouched) if s is not such a date. */
store_status reports_parse_date(const char *s, double *ts);

/* Writes the UTC date of ts as "YYYY-MM-DD" into buf (len >= 11). */
void reports_format_date(double ts, char *buf, size_t len);

/* The grouping key of a query: case folded (ASCII, Latin-1, Latin
 * Extended-A, Greek and Cyrillic, one code point to one), whitespace
 * runs (ASCII and Unicode spaces) collapsed to one space, trimmed;
 * ill-formed UTF-8 becomes U+FFFD.  Caller free()s; NULL on OOM or when
 * q is NULL. */
char *reports_normalize_query(const char *q);

#ifdef __cplusplus
}
#endif

#endif
