/* replay.h -- the replay gate: before a run commits, the questions
 * readers asked most that had a confirmed answer are searched again on
 * the live index and on the run's uncommitted one, and the queries the
 * run would make worse are reported.
 *
 * Which queries: the pairs learn.h confirms (a search, a click on the
 * article, then "this solved my problem" or a helpful vote, and no case
 * within the deflection window, the window closed) among the visits of
 * the last REPLAY_DAYS days; each (locale, query) with the article most
 * visits confirmed, the top N by how often the query was searched in
 * those days (reports_queries()' count).
 *
 * How: as the service searches for an anonymous reader in the query's
 * locale (kb-index's default locale when the log has none), with the
 * service's synonyms when given, REPLAY_DEPTH hits deep.  The live
 * revision is read through a second handle opened on the index folder:
 * the writer's transaction is invisible to it until kb_commit(), so it
 * sees what the service serves; the writer's own handle sees the run.
 *
 * Worse: the confirmed article was in the top REPLAY_TOP and is not
 * any more (lower, or not among the hits), or the query had hits and
 * now has none.  Better: the article enters the top REPLAY_TOP, or a
 * query without hits now has some. */
#ifndef KB_REPLAY_H
#define KB_REPLAY_H

#include <stddef.h>

#include "kb.h"

#define REPLAY_DEFAULT_QUERIES 200 /* --replay-top */
#define REPLAY_MAX_QUERIES 10000
#define REPLAY_DAYS 30
#define REPLAY_TOP 3     /* the rank a confirmed article must keep */
#define REPLAY_DEPTH 100 /* hits searched; deeper is "none" */

struct replay_options {
    const char *db;             /* SQLite path or postgresql:// DSN */
    const char *index_dir;      /* the live index (the writer's folder) */
    const char *default_locale; /* kb-index's */
    const char *synonyms;       /* kb-serve's --synonyms FILE, or NULL */
    long top;                   /* queries replayed at most */
    double window;              /* deflection window, seconds */
    double now;                 /* unix seconds */
};

struct replay_counts {
    unsigned long queries; /* replayed */
    unsigned long worse;
    unsigned long better;
};

/* One report line, without "replay: " and the newline:
 * `"query" — article X rank 1 → 7`, with "none" for a rank beyond the
 * hits, ` (no results)` when the query found nothing, and ` (better)`
 * after an improvement.  worse is 1 for a query the run makes worse. */
typedef void (*replay_line_fn)(void *ctx, int worse, const char *line);

/* Replays on writer (inside its kb_begin ... kb_commit) against the
 * live revision of o->index_dir; calls line for every query made worse
 * or better, in the order replayed (most searched first).  Returns 0
 * with *out filled, or -1 with err saying why (database missing or
 * unreadable, a synonyms file that does not load, an index error, out
 * of memory). */
int replay_run(kb_index *writer, const struct replay_options *o, replay_line_fn line,
               void *ctx, struct replay_counts *out, char *err, size_t errlen);

#endif
