/* kb_eval.c -- kb-eval: how well does kb-serve rank?
 *
 * For each test collection: index its articles with kb-index into a
 * temporary folder, start kb-serve on a free port, send every query to
 * GET /api/search (limit=100), write a TREC run, and score it; in the
 * same run score a plain BM25 baseline (SQLite FTS5) on the same
 * articles.  Prints one table per collection, ours against FTS5, for
 * each split, and Success@k of the partner-center anchor queries per
 * locale.  --min-ndcg / --min-success3 turn figures into a regression
 * test (exit status 1 when one drops below).
 *
 * Splits (tune on the first, report both):
 *   stackfaq  dev (250) / heldout (999), thread-disjoint, from the data
 *   scifact   train (809) / test (300), BEIR's
 *   cacm      odd / even query ids (no official split)
 *   anchors   dev = target articles whose name hashes to 0 mod 4, heldout
 *             = the rest (a target's queries stay on one side) */
#include "eval.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The eval data is found when kb-eval runs (default_data()); the build
 * only says where the source tree was. */
#ifndef KB_EVAL_SOURCE_DIR
#define KB_EVAL_SOURCE_DIR "."
#endif
#ifndef KB_EVAL_INDEX_BIN
#define KB_EVAL_INDEX_BIN "kb-index"
#endif
#ifndef KB_EVAL_SERVE_BIN
#define KB_EVAL_SERVE_BIN "kb-serve"
#endif

#define MAX_SETS 8
#define MAX_ROWS 16
#define MAX_CHECKS 32
#define QUICK_STACKFAQ 200
#define QUICK_ANCHORS 150

struct options {
    const char *data, *index_bin, *serve_bin, *runs, *only;
    int quick, no_fts, verbose;
    double max_typo_loss; /* < 0: no check */
};

/* A query set: its queries, judgments, locale and both runs. */
struct qset {
    char name[48];
    const char *locale;
    struct eval_queries qs;
    struct eval_qrels qr;
    struct eval_run ours, fts;
    int has_fts;
    const struct qset *clean; /* a typo set: the set it was made from */
};

/* A table row: a set, or a part of one (pick[i] for query i). */
struct row {
    char label[48];
    struct qset *set;
    unsigned char *pick; /* owned; NULL = every query of the set */
};

struct collection {
    const char *name;
    char kb[4096];                 /* folder to index */
    const char *default_locale;    /* --default-locale for kb-index, or NULL */
    int is_anchor;                 /* Success@k table instead of nDCG */
    const char *const *only_dirs;  /* index just these subfolders of kb, or NULL */
    struct qset sets[MAX_SETS];
    size_t nsets;
    struct row rows[MAX_ROWS];
    size_t nrows;
};

struct check {
    char name[48];
    int success3; /* 0: nDCG@10 */
    double min;
    double fts_plus; /* > -1: threshold is FTS5 nDCG@10 * (1 + fts_plus) */
    int seen;        /* a row of this name was printed */
};

struct state {
    struct options opt;
    struct check checks[MAX_CHECKS];
    size_t nchecks;
    int failed;
    char runs_dir[4096];
};

/* ---- building the sets ---------------------------------------------- */

static struct qset *new_set(struct collection *c, const char *name, const char *locale)
{
    struct qset *s = &c->sets[c->nsets++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->locale = locale;
    return s;
}

static void add_row(struct collection *c, const char *label, struct qset *s,
                    unsigned char *pick)
{
    struct row *r = &c->rows[c->nrows++];
    snprintf(r->label, sizeof r->label, "%s", label);
    r->set = s;
    r->pick = pick;
}

/* Keeps n queries of qs, evenly spread (deterministic), with qr. */
static void sample(struct eval_queries *qs, size_t n)
{
    if (qs->n <= n)
        return;
    struct eval_queries keep = {0};
    for (size_t i = 0; i < n; i++) {
        size_t k = i * qs->n / n;
        eval_queries_add(&keep, qs->q[k].id, qs->q[k].text);
    }
    eval_queries_free(qs);
    *qs = keep;
}

/* pick[i] = 1 for the queries of qs whose id is in ids. */
static unsigned char *pick_ids(const struct eval_queries *qs, const struct eval_queries *ids)
{
    unsigned char *p = calloc(qs->n ? qs->n : 1, 1);
    for (size_t i = 0; p && i < qs->n; i++)
        for (size_t k = 0; k < ids->n && !p[i]; k++)
            p[i] = strcmp(qs->q[i].id, ids->q[k].id) == 0;
    return p;
}

static int load_set(struct qset *s, const char *dir, const char *queries, const char *qrels)
{
    char qp[4096], rp[4096];
    eval_path(qp, sizeof qp, "%s/%s", dir, queries);
    eval_path(rp, sizeof rp, "%s/%s", dir, qrels);
    return eval_queries_load(qp, 0, &s->qs) || eval_qrels_load(rp, &s->qr) ? -1 : 0;
}

static int setup_stackfaq(struct collection *c, const struct options *o)
{
    char dir[4096];
    eval_path(dir, sizeof dir, "%s/eval/stackfaq", o->data);
    eval_path(c->kb, sizeof c->kb, "%s/kb", dir);
    struct qset *s = new_set(c, "stackfaq", "en-us");
    if (load_set(s, dir, "queries.tsv", "qrels.tsv") != 0)
        return -1;
    if (o->quick)
        sample(&s->qs, QUICK_STACKFAQ);
    struct eval_queries dev = {0}, held = {0};
    char p[4096];
    eval_path(p, sizeof p, "%s/queries-dev.tsv", dir);
    if (eval_queries_load(p, 0, &dev) != 0)
        return -1;
    eval_path(p, sizeof p, "%s/queries-heldout.tsv", dir);
    if (eval_queries_load(p, 0, &held) != 0)
        return -1;
    add_row(c, "stackfaq/dev", s, pick_ids(&s->qs, &dev));
    add_row(c, "stackfaq/heldout", s, pick_ids(&s->qs, &held));
    add_row(c, "stackfaq/all", s, NULL);
    eval_queries_free(&dev);
    eval_queries_free(&held);
    return 0;
}

static int setup_scifact(struct collection *c, const struct options *o)
{
    char dir[4096];
    eval_path(dir, sizeof dir, "%s/eval/scifact", o->data);
    eval_path(c->kb, sizeof c->kb, "%s/kb", dir);
    struct qset *tr = new_set(c, "scifact-train", "en-us");
    if (load_set(tr, dir, "queries-train.tsv", "qrels-train.tsv") != 0)
        return -1;
    struct qset *te = new_set(c, "scifact-test", "en-us");
    if (load_set(te, dir, "queries.tsv", "qrels.tsv") != 0)
        return -1;
    add_row(c, "scifact/train", tr, NULL);
    add_row(c, "scifact/test", te, NULL);
    return 0;
}

static int setup_cacm(struct collection *c, const struct options *o)
{
    char dir[4096];
    eval_path(dir, sizeof dir, "%s/eval/cacm", o->data);
    eval_path(c->kb, sizeof c->kb, "%s/kb", dir);
    struct qset *s = new_set(c, "cacm", "en-us");
    if (load_set(s, dir, "queries.tsv", "qrels.tsv") != 0)
        return -1;
    unsigned char *odd = calloc(s->qs.n + 1, 1), *even = calloc(s->qs.n + 1, 1);
    for (size_t i = 0; odd && even && i < s->qs.n; i++) {
        int n = atoi(s->qs.q[i].id);
        odd[i] = n % 2 == 1;
        even[i] = n % 2 == 0;
    }
    add_row(c, "cacm/odd", s, odd);
    add_row(c, "cacm/even", s, even);
    add_row(c, "cacm/all", s, NULL);
    return 0;
}

static unsigned hash_str(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* anchor-queries-<locale>.tsv: query, target path (relative to the
 * locale folder), source.  The article id is the path without its
 * extension. */
static int load_anchor_set(struct qset *s, const char *path, int quick)
{
    struct eval_queries raw = {0};
    if (eval_queries_load(path, 1, &raw) != 0)
        return -1;
    for (size_t i = 0; i < raw.n; i++) {
        char *target = raw.q[i].text;
        char *tab = strchr(target, '\t');
        if (tab)
            *tab = '\0';
        char *dot = strrchr(target, '.');
        if (dot && !strchr(dot, '/'))
            *dot = '\0';
        char qid[64];
        snprintf(qid, sizeof qid, "%s:%zu", s->locale, i + 1);
        /* raw.q[i].id holds the query text (first column). */
        eval_queries_add(&s->qs, qid, raw.q[i].id);
        eval_qrels_add(&s->qr, qid, target, 1);
    }
    eval_queries_free(&raw);
    eval_qrels_sort(&s->qr);
    if (quick)
        sample(&s->qs, QUICK_ANCHORS);
    return 0;
}

/* The queries of s with one edit each in their longest word, the kinds
 * of edit in turn, judged as s is (issue: a customer's typo must not
 * cost the answer). */
static struct qset *typo_set(struct collection *c, const struct qset *s)
{
    char name[48];
    snprintf(name, sizeof name, "%s/typo", s->name);
    struct qset *t = new_set(c, name, s->locale);
    t->clean = s;
    for (size_t i = 0; i < s->qs.n; i++) {
        char text[4096];
        eval_typo(s->qs.q[i].text, (unsigned)i, text, sizeof text);
        eval_queries_add(&t->qs, s->qs.q[i].id, text);
    }
    for (size_t i = 0; i < s->qr.n; i++)
        eval_qrels_add(&t->qr, s->qr.j[i].qid, s->qr.j[i].docid, s->qr.j[i].grade);
    eval_qrels_sort(&t->qr);
    return t;
}

static int setup_anchors(struct collection *c, const struct options *o)
{
    static const char *const locales[] = {"ru-ru", "zh-cn", "de-de", NULL};
    char dir[4096];
    eval_path(dir, sizeof dir, "%s/corpus/partner-center", o->data);
    eval_path(c->kb, sizeof c->kb, "%s", dir);
    /* The locale folders only: README.md and SURVEY.md are not articles. */
    c->only_dirs = locales;
    for (size_t l = 0; l < 3; l++) {
        struct qset *s = new_set(c, locales[l], locales[l]);
        char p[4096];
        eval_path(p, sizeof p, "%s/anchor-queries-%s.tsv", dir, locales[l]);
        if (load_anchor_set(s, p, o->quick) != 0)
            return -1;
        unsigned char *dev = calloc(s->qs.n + 1, 1), *held = calloc(s->qs.n + 1, 1);
        for (size_t i = 0; dev && held && i < s->qs.n; i++) {
            size_t first;
            eval_qrels_find(&s->qr, s->qs.q[i].id, &first);
            int d = hash_str(s->qr.j[first].docid) % 4 == 0;
            dev[i] = (unsigned char)d;
            held[i] = (unsigned char)!d;
        }
        char label[48];
        eval_path(label, sizeof label, "%s/dev", locales[l]);
        add_row(c, label, s, dev);
        eval_path(label, sizeof label, "%s/heldout", locales[l]);
        add_row(c, label, s, held);
        eval_path(label, sizeof label, "%s/all", locales[l]);
        add_row(c, label, s, NULL);
        struct qset *t = typo_set(c, s);
        eval_path(label, sizeof label, "%s/typo", locales[l]);
        add_row(c, label, t, NULL);
    }
    return 0;
}

static void collection_free(struct collection *c)
{
    for (size_t i = 0; i < c->nsets; i++) {
        eval_queries_free(&c->sets[i].qs);
        eval_qrels_free(&c->sets[i].qr);
        eval_run_free(&c->sets[i].ours);
        eval_run_free(&c->sets[i].fts);
    }
    for (size_t i = 0; i < c->nrows; i++)
        free(c->rows[i].pick);
}

/* ---- running --------------------------------------------------------- */

static int run_engines(struct state *st, struct collection *c)
{
    const struct options *o = &st->opt;
    char work[4096], index[4200], db[4200];
    if (eval_mkdtemp(work, sizeof work, "work") != 0) {
        perror("kb-eval: mkdtemp");
        return -1;
    }
    eval_path(index, sizeof index, "%s/index", work);
    eval_path(db, sizeof db, "%s/service.db", work);
    const char *content = c->kb;
    char linked[4200];
    if (c->only_dirs) {
        eval_path(linked, sizeof linked, "%s/content", work);
        mkdir(linked, 0700);
        for (const char *const *d = c->only_dirs; *d; d++) {
            char from[4200], to[4300];
            eval_path(from, sizeof from, "%s/%s", c->kb, *d);
            eval_path(to, sizeof to, "%s/%s", linked, *d);
            if (symlink(from, to) != 0)
                perror("kb-eval: symlink");
        }
        content = linked;
    }
    double t = eval_now();
    int rc = eval_index(o->index_bin, content, index, c->default_locale, o->verbose);
    if (rc != 0 && rc != 1) { /* 1: some files had errors, the rest is indexed */
        fprintf(stderr, "kb-eval: kb-index failed on %s (status %d)\n", c->kb, rc);
        eval_rmrf(work);
        return -1;
    }
    double index_s = eval_now() - t;
    struct eval_server srv = {0, 0};
    const char *const extra[] = {"--threads", "2", "--db", db, NULL};
    if (eval_server_start(&srv, o->serve_bin, index, extra) != 0) {
        eval_rmrf(work);
        return -1;
    }
    for (size_t i = 0; i < c->nsets; i++) {
        struct qset *s = &c->sets[i];
        eval_run_ours(&srv, &s->qs, s->locale, &s->ours);
        printf("  %-14s %4zu queries: indexed in %.1f s, searched in %.1f s"
               " (HTTP p50 %.2f ms, p99 %.2f ms)%s\n",
               s->name, s->qs.n, index_s, s->ours.seconds, s->ours.p50_ms, s->ours.p99_ms,
               s->ours.failed ? ", some queries failed" : "");
        char path[4200];
        eval_path(path, sizeof path, "%s/%s.ours.trec", st->runs_dir, s->name);
        eval_run_write_trec(path, &s->qs, &s->ours, "kb");
    }
    eval_server_stop(&srv);
    eval_rmrf(work);

    if (o->no_fts || c->is_anchor)
        return 0;
    struct eval_fts *f = NULL;
    if (eval_fts_open(c->kb, &f) != 0) {
        eval_fts_close(f);
        return -1;
    }
    for (size_t i = 0; i < c->nsets; i++) {
        struct qset *s = &c->sets[i];
        eval_fts_run(f, &s->qs, &s->fts);
        s->has_fts = 1;
        char path[4200];
        eval_path(path, sizeof path, "%s/%s.fts5.trec", st->runs_dir, s->name);
        eval_run_write_trec(path, &s->qs, &s->fts, "fts5");
    }
    eval_fts_close(f);
    return 0;
}

/* ---- reporting ------------------------------------------------------- */

static void check_row(struct state *st, const char *label, const struct eval_scores *ours,
                      const struct eval_scores *fts, int has_fts)
{
    for (size_t i = 0; i < st->nchecks; i++) {
        struct check *k = &st->checks[i];
        if (strcmp(k->name, label) != 0)
            continue;
        k->seen = 1;
        double min = k->min;
        if (k->fts_plus > -1) {
            if (!has_fts) {
                printf("FAIL: %s: no FTS5 figure to compare with\n", label);
                st->failed = 1;
                continue;
            }
            min = fts->ndcg10 * (1 + k->fts_plus);
        }
        double got = k->success3 ? ours->s3 : ours->ndcg10;
        const char *what = k->success3 ? "Success@3" : "nDCG@10";
        if (got + 1e-9 < min) {
            printf("FAIL: %s %s %.4f < %.4f\n", label, what, got, min);
            st->failed = 1;
        } else {
            printf("ok:   %s %s %.4f >= %.4f\n", label, what, got, min);
        }
    }
}

static void print_scores(const char *label, size_t n, const char *engine,
                         const struct eval_scores *s)
{
    printf("%-18s %5zu  %-5s %.4f  %.4f  %.4f  %.4f  %.4f  %.4f  %.4f\n", label, n, engine,
           s->ndcg10, s->mrr10, s->recall100, s->map, s->p3, s->p5, s->p10);
}

static void report(struct state *st, struct collection *c)
{
    if (c->is_anchor) {
        printf("%-18s %5s  %-6s %-6s %-6s %-7s %s\n", "anchors", "rows", "S@1", "S@3", "S@10",
               "MRR@10", "nDCG@10");
    } else {
        printf("%-18s %5s  %-5s %-7s %-7s %-7s %-7s %-7s %-7s %s\n", c->name, "q",
               "run", "nDCG@10", "MRR@10", "R@100", "MAP", "P@3", "P@5", "P@10");
    }
    for (size_t i = 0; i < c->nrows; i++) {
        const struct row *r = &c->rows[i];
        struct eval_scores ours, fts;
        eval_score(&r->set->qs, &r->set->ours, &r->set->qr, r->pick, &ours);
        memset(&fts, 0, sizeof fts);
        if (c->is_anchor) {
            printf("%-18s %5zu  %.4f %.4f %.4f %.4f  %.4f\n", r->label, ours.queries, ours.s1,
                   ours.s3, ours.s10, ours.mrr10, ours.ndcg10);
        } else {
            print_scores(r->label, ours.queries, "ours", &ours);
            if (r->set->has_fts) {
                eval_score(&r->set->qs, &r->set->fts, &r->set->qr, r->pick, &fts);
                print_scores("", fts.queries, "fts5", &fts);
                printf("%-18s %5s  %-5s %+.1f%%\n", "", "", "gain",
                       fts.ndcg10 > 0 ? (ours.ndcg10 / fts.ndcg10 - 1) * 100 : 0.0);
            }
        }
        check_row(st, r->label, &ours, &fts, r->set->has_fts);
    }
    for (size_t i = 0; i < c->nsets; i++) {
        const struct qset *t = &c->sets[i];
        if (!t->clean)
            continue;
        struct eval_scores typo, clean;
        eval_score(&t->qs, &t->ours, &t->qr, NULL, &typo);
        eval_score(&t->clean->qs, &t->clean->ours, &t->clean->qr, NULL, &clean);
        printf("%-18s Success@3 %.4f with one typo, %.4f without: %+.4f\n", t->name, typo.s3,
               clean.s3, typo.s3 - clean.s3);
        if (st->opt.max_typo_loss >= 0 && clean.s3 - typo.s3 > st->opt.max_typo_loss + 1e-9) {
            fprintf(stderr, "kb-eval: FAIL: %s loses %.4f of Success@3 (at most %.4f)\n",
                    t->name, clean.s3 - typo.s3, st->opt.max_typo_loss);
            st->failed = 1;
        }
    }
    printf("\n");
}

/* ---- command line ---------------------------------------------------- */

static void usage(FILE *f)
{
    fputs("Usage: kb-eval [options]\n"
          "\n"
          "Scores kb-serve on the eval collections and a plain FTS5 BM25 baseline.\n"
          "\n"
          "  --data DIR             folder with eval/ and corpus/ (default: $KB_SHARED_DIR,\n"
          "                         else " KB_EVAL_SOURCE_DIR "/../shared)\n"
          "  --kb-index BIN         kb-index binary\n"
          "  --kb-serve BIN         kb-serve binary\n"
          "  --only LIST            comma list of stackfaq,scifact,cacm,anchors\n"
          "  --quick                200 StackFAQ, all CACM, 150 anchor queries per\n"
          "                         locale; no SciFact (for CI)\n"
          "  --runs DIR             write the TREC runs here (default: a new temp folder)\n"
          "  --no-fts               skip the FTS5 baseline\n"
          "  --min-ndcg ROW=X       fail (exit 1) when ROW's nDCG@10 is below X;\n"
          "                         X may be fts+P% (P percent above FTS5 on ROW)\n"
          "  --min-success3 ROW=X   fail when ROW's Success@3 is below X\n"
          "  --max-typo-loss X      fail when a locale's anchor queries with one typo\n"
          "                         lose more than X of Success@3 (e.g. 0.05)\n"
          "  --verbose              show kb-index's messages\n"
          "\n"
          "ROW is a row label of the tables, e.g. stackfaq/heldout, scifact/test,\n"
          "cacm/all, ru-ru/all.\n",
          f);
}

static int add_check(struct state *st, const char *arg, int success3)
{
    const char *eq = strrchr(arg, '=');
    if (!eq || eq == arg || st->nchecks == MAX_CHECKS || (size_t)(eq - arg) >= 48)
        return -1;
    struct check *k = &st->checks[st->nchecks];
    memset(k, 0, sizeof *k);
    memcpy(k->name, arg, (size_t)(eq - arg));
    k->success3 = success3;
    k->fts_plus = -2;
    char *end;
    if (strncmp(eq + 1, "fts+", 4) == 0 && !success3) {
        k->fts_plus = strtod(eq + 5, &end) / 100.0;
        if (*end != '%')
            return -1;
    } else {
        k->min = strtod(eq + 1, &end);
        if (*end || end == eq + 1)
            return -1;
    }
    st->nchecks++;
    return 0;
}

/* The data folder without --data: $KB_SHARED_DIR, else shared/ beside
 * the source tree kb-eval was built from. */
static const char *default_data(char *buf, size_t len)
{
    const char *env = getenv("KB_SHARED_DIR");
    if (env && *env)
        return env;
    snprintf(buf, len, "%s/../shared", KB_EVAL_SOURCE_DIR);
    return buf;
}

static int wanted(const struct options *o, const char *name)
{
    if (!o->only)
        return !(o->quick && strcmp(name, "scifact") == 0);
    size_t n = strlen(name);
    for (const char *p = o->only; (p = strstr(p, name)) != NULL; p += n)
        if ((p == o->only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},
        {"kb-index", required_argument, NULL, 'I'},
        {"kb-serve", required_argument, NULL, 'S'},
        {"only", required_argument, NULL, 'o'},
        {"quick", no_argument, NULL, 'q'},
        {"runs", required_argument, NULL, 'r'},
        {"no-fts", no_argument, NULL, 'n'},
        {"min-ndcg", required_argument, NULL, 'm'},
        {"min-success3", required_argument, NULL, 's'},
        {"max-typo-loss", required_argument, NULL, 't'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static struct state st;
    static char data_dir[4096];
    st.opt.data = default_data(data_dir, sizeof data_dir);
    st.opt.index_bin = KB_EVAL_INDEX_BIN;
    st.opt.serve_bin = KB_EVAL_SERVE_BIN;
    st.opt.max_typo_loss = -1;
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd': st.opt.data = optarg; break;
        case 'I': st.opt.index_bin = optarg; break;
        case 'S': st.opt.serve_bin = optarg; break;
        case 'o': st.opt.only = optarg; break;
        case 'q': st.opt.quick = 1; break;
        case 'r': st.opt.runs = optarg; break;
        case 'n': st.opt.no_fts = 1; break;
        case 'v': st.opt.verbose = 1; break;
        case 't': {
            char *end;
            st.opt.max_typo_loss = strtod(optarg, &end);
            if (*end || end == optarg || st.opt.max_typo_loss < 0) {
                fprintf(stderr, "kb-eval: bad --max-typo-loss '%s' (want a number >= 0)\n",
                        optarg);
                return 2;
            }
            break;
        }
        case 'm':
        case 's':
            if (add_check(&st, optarg, ch == 's') != 0) {
                fprintf(stderr, "kb-eval: bad threshold '%s' (want ROW=X)\n", optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    if (st.opt.runs)
        snprintf(st.runs_dir, sizeof st.runs_dir, "%s", st.opt.runs);
    else if (eval_mkdtemp(st.runs_dir, sizeof st.runs_dir, "runs") != 0) {
        perror("kb-eval: mkdtemp");
        return 3;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);

    static const struct {
        const char *name;
        int (*setup)(struct collection *, const struct options *);
        int is_anchor;
    } all[] = {
        {"stackfaq", setup_stackfaq, 0},
        {"scifact", setup_scifact, 0},
        {"cacm", setup_cacm, 0},
        {"anchors", setup_anchors, 1},
    };
    int broken = 0;
    double t0 = eval_now();
    printf("kb-eval%s: data %s\n\n", st.opt.quick ? " --quick" : "", st.opt.data);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (!wanted(&st.opt, all[i].name))
            continue;
        static struct collection c;
        memset(&c, 0, sizeof c);
        c.name = all[i].name;
        c.is_anchor = all[i].is_anchor;
        c.default_locale = "en-us";
        printf("%s:\n", c.name);
        if (all[i].setup(&c, &st.opt) != 0 || run_engines(&st, &c) != 0) {
            fprintf(stderr, "kb-eval: %s: could not be run\n", c.name);
            broken = 1;
            st.failed = 1;
        } else {
            printf("\n");
            report(&st, &c);
        }
        collection_free(&c);
    }
    printf("TREC runs in %s; total %.1f s\n", st.runs_dir, eval_now() - t0);
    for (size_t i = 0; i < st.nchecks; i++) {
        if (!st.checks[i].seen) {
            printf("FAIL: %s: no such row in this run\n", st.checks[i].name);
            st.failed = 1;
        }
    }
    curl_global_cleanup();
    if (broken)
        return 3;
    return st.failed ? 1 : 0;
}
