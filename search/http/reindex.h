/* reindex.h -- reindex jobs started from the service: kb-index runs in
 * the background on the content folder; the service keeps answering on
 * the revision it has and moves to the new one when kb-index commits
 * (readers reopen before each request), so no request sees a mix.  A
 * failed run commits nothing.
 *
 * Thread-safe. */
#ifndef KB_REINDEX_H
#define KB_REINDEX_H

#include <jansson.h>
#include <stddef.h>

struct reindex;

/* Strings are copied.  Returns 0 or -1 (OOM). */
int reindex_new(const char *indexer, const char *content, const char *index,
                const char *default_locale, struct reindex **out);

/* The service database the gate replays (kb-index --replay db, with
 * --deflection-window window and --synonyms synonyms when not NULL);
 * strings copied.  Without it a gated job cannot start.  Returns 0 or
 * -1 (OOM). */
int reindex_set_replay(struct reindex *r, const char *db, double window,
                       const char *synonyms);

/* Waits for a running job, then frees.  NULL is a no-op. */
void reindex_free(struct reindex *r);

/* Starts a job.  0 with its id; 1 when a job is running already (its id
 * in id); -1 when it could not start (message in id). */
int reindex_start(struct reindex *r, int full, int strict, char *id, size_t idlen);
/* The same; with gate, kb-index --replay DB --gate: a run that makes a
 * replayed query worse commits nothing (exit status 4, state "failed").
 * -1 also when gate is asked and no database was set. */
int reindex_start_gate(struct reindex *r, int full, int strict, int gate, char *id,
                       size_t idlen);

/* A copy of the newest finished job's status (caller json_decref()s),
 * or NULL when none finished since the service started. */
json_t *reindex_last(struct reindex *r);

/* The job as a new JSON object (caller json_decref()s):
 * {"id","state":"running"|"done"|"failed","started","finished",
 *  "progress":{"done","total"},"summary":{kb-index --json summary},
 *  "errors":[{"file","line","message"}],"warnings":[...],"message",
 *  "query_misses":[{"file","line","message"}],"gate":bool,"exit_status",
 *  "replay":{"queries","worse","better","changes":[{"query","article",
 *            "before","after","worse","no_results"}]} (with --replay;
 *  before and after are ranks, null for none)}
 * or NULL for an unknown id. */
json_t *reindex_status(struct reindex *r, const char *id);

/* Jobs ended since reindex_new, by outcome ("done" and "failed" as in
 * reindex_status), and whether one runs now.  NULL r gives zeros. */
void reindex_counts(struct reindex *r, unsigned long long *done, unsigned long long *failed,
                    int *running);

#endif
