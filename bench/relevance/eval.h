/* eval.h -- kb-eval: relevance measurement of kb-serve against test
 * collections with external judgments, next to a plain BM25 baseline
 * (SQLite FTS5) run on the same articles in the same process.
 *
 * Modules:
 *   eval_data.c     TSV queries and judgments, the articles of a kb/ folder
 *   eval_metrics.c  nDCG@10, MRR@10, Recall@100, P@k, MAP, Success@k
 *   eval_serve.c    kb-index and kb-serve as child processes, HTTP with libcurl
 *   eval_fts.c      the FTS5 baseline
 *   eval_typo.c     the anchor queries with one typo each
 *   kb_eval.c       command line, collections, splits, tables, thresholds
 *
 * Every list below owns its strings (malloc'd) and is released by its
 * _free function. */
#ifndef KB_EVAL_H
#define KB_EVAL_H

#include <stddef.h>

/* ---- data ------------------------------------------------------------ */

struct eval_query {
    char *id;
    char *text;
};

struct eval_queries {
    struct eval_query *q;
    size_t n, cap;
};

struct eval_judgment {
    char *qid;
    char *docid;
    int grade;
};

/* Judgments sorted by qid so that a query's judgments are one slice. */
struct eval_qrels {
    struct eval_judgment *j;
    size_t n, cap;
};

/* One ranked list per query, in the order of an eval_queries. */
struct eval_ranking {
    char **docids; /* best first */
    size_t n;
};

struct eval_run {
    struct eval_ranking *r; /* r[i] answers queries.q[i] */
    size_t n;
    double seconds; /* wall time of all the queries */
    double p50_ms, p99_ms;
    size_t failed; /* queries the engine refused or failed */
};

/* Reads "id<TAB>text" lines (the first line is skipped when header is
 * 1).  Returns 0, or -1 with a message on stderr. */
int eval_queries_load(const char *path, int header, struct eval_queries *out);
int eval_queries_add(struct eval_queries *qs, const char *id, const char *text);
void eval_queries_free(struct eval_queries *qs);

/* Reads "qid<TAB>docid<TAB>grade" lines. */
int eval_qrels_load(const char *path, struct eval_qrels *out);
int eval_qrels_add(struct eval_qrels *qr, const char *qid, const char *docid, int grade);
/* Sorts; call after the last add and before any lookup. */
void eval_qrels_sort(struct eval_qrels *qr);
/* The judgments of qid: *first and the count (0 when none). */
size_t eval_qrels_find(const struct eval_qrels *qr, const char *qid, size_t *first);
void eval_qrels_free(struct eval_qrels *qr);

/* An article of an eval kb/ folder: front matter id and title, body. */
typedef int (*eval_article_fn)(void *ctx, const char *id, const char *title,
                               const char *body);
/* Calls fn for every .md file below dir (recursively).  Returns 0 or -1. */
int eval_articles_foreach(const char *dir, eval_article_fn fn, void *ctx);

void eval_run_free(struct eval_run *run);

/* Writes a TREC run ("qid Q0 docid rank score tag"); score is
 * 1000 - rank since only the order is known.  Returns 0 or -1. */
int eval_run_write_trec(const char *path, const struct eval_queries *qs,
                        const struct eval_run *run, const char *tag);

/* ---- metrics --------------------------------------------------------- */

struct eval_scores {
    size_t queries; /* judged queries scored (at least one relevant) */
    double ndcg10, mrr10, recall100, map, p3, p5, p10;
    double s1, s3, s10; /* Success@k: a relevant article in the top k */
};

/* Scores the queries of qs whose index i has pick[i] != 0 (pick may be
 * NULL: all).  Queries without a relevant judgment are not counted
 * (trec_eval -c counts judged queries missing from the run as 0). */
void eval_score(const struct eval_queries *qs, const struct eval_run *run,
                const struct eval_qrels *qr, const unsigned char *pick,
                struct eval_scores *out);

/* ---- engines --------------------------------------------------------- */

struct eval_server {
    int pid;
    unsigned port;
};

/* Runs kb-index --content content --index index (plus default-locale
 * when non-NULL).  Returns its exit status, or -1. */
int eval_index(const char *kb_index_bin, const char *content, const char *index,
               const char *default_locale, int verbose);

/* Starts kb-serve on 127.0.0.1:0; extra args may be NULL. */
int eval_server_start(struct eval_server *s, const char *kb_serve_bin, const char *index,
                      const char *const *extra);
void eval_server_stop(struct eval_server *s);

/* Runs every query through GET /api/search?q=&locale=&limit=100. */
int eval_run_ours(const struct eval_server *s, const struct eval_queries *qs,
                  const char *locale, struct eval_run *out);

/* The FTS5 baseline over the articles of kb_dir: title and body in one
 * column, porter unicode61, OR of the query's words, bm25().  Open
 * indexes the articles once; run answers one query set; close frees. */
struct eval_fts;
int eval_fts_open(const char *kb_dir, struct eval_fts **out); /* close even on -1 */
int eval_fts_run(struct eval_fts *f, const struct eval_queries *qs, struct eval_run *out);
void eval_fts_close(struct eval_fts *f);

/* ---- small helpers ----------------------------------------------------- */

/* A fresh folder under $TMPDIR (or /tmp); buf receives its path. */
int eval_mkdtemp(char *buf, size_t len, const char *tag);
/* rm -rf path (our own temporary folders only). */
void eval_rmrf(const char *path);
double eval_now(void);
/* snprintf into a path buffer; -1 (buf emptied, message on stderr) when
 * the result does not fit. */
int eval_path(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- typos (eval_typo.c) --------------------------------------------- */

#define EVAL_TYPO_KINDS 4
/* "insert", "delete", "substitute", "transpose". */
extern const char *const eval_typo_kinds[EVAL_TYPO_KINDS];

/* Writes text with one edit of kind (taken mod EVAL_TYPO_KINDS) in the
 * middle of its longest word (by characters; words end at spaces) into
 * out.  Returns 1 when the text changed, 0 when it has no word of two
 * characters or more (out is then the text as it was). */
int eval_typo(const char *text, unsigned kind, char *out, size_t outsz);

#endif
