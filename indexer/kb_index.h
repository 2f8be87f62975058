/* kb_index.h -- one run of kb-index: scan the content folder, parse the
 * files that changed, write them into the index, remove what is gone,
 * check links and commit once (kb_index.c).  The program's main()
 * (kb_index_main.c) only turns argv into these options and the result
 * into the exit status. */
#ifndef KB_KB_INDEX_H
#define KB_KB_INDEX_H

struct kb_index_options {
    const char *content;        /* --content DIR */
    const char *index;          /* --index DIR, created if missing */
    const char *default_locale; /* locale of files outside a locale folder */
    int full;                   /* --full: parse every file again */
    int strict;                 /* --strict: commit nothing on any error */
    int json;                   /* --json: the summary as one JSON object */
    int quiet;                  /* --quiet: no progress line, no summary */
    int progress_json;          /* --progress-json: progress as JSON lines */
    int strict_queries;         /* --strict-queries: a missed question is an error */
    const char *learn_db;       /* --learn DB: the service database, or NULL */
    long learn_min_visits;      /* --learn-min-visits N (LEARN_MIN_VISITS) */
    double deflection_window;   /* --deflection-window SECONDS (1800) */
    const char *replay_db;      /* --replay DB: the service database, or NULL */
    long replay_top;            /* --replay-top N (REPLAY_DEFAULT_QUERIES) */
    int gate;                   /* --gate: commit nothing when a replay is worse */
    const char *synonyms;       /* --synonyms FILE the replay searches with, or NULL */
    unsigned shards;            /* --shards N, 0: as many as the index has */
};

/* Runs kb-index with o (strings borrowed for the call).  Diagnostics go
 * to stderr, the summary and progress to stdout, as README.md says.
 * Returns the exit status: 0 success, 1 some files had errors, 2 the
 * content folder cannot be scanned, 3 the index cannot be opened or
 * written (or out of memory), 4 --gate refused the run (replay.h). */
int kb_index_run(const struct kb_index_options *o);

#endif
