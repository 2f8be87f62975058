/* eval_learn.c -- kb-eval-learn: what learning from solved searches
 * (kb-index --learn) is worth, measured on StackFAQ through the real
 * service.
 *
 * StackFAQ has several paraphrases of each question (ids sfq-q-XXX-NN:
 * same XXX, same need).  Each FAQ's odd-numbered paraphrases are the
 * logged half, the even-numbered ones the test half.  A quarter of the
 * FAQs (XXX mod 4 = 3) get no visits at all: the control, on which
 * learning must lose nothing.  The logged half is replayed as visits
 * through kb-serve's HTTP API, as a browser would make them: the search
 * (GET /api/search with X-KB-Visit), a click on the judged answer
 * (POST /api/events click) and "this solved my problem" (POST
 * /api/events deflect), --visits times per question from distinct
 * visits.  Then kb-index --learn reads the service database, and the
 * test half is searched again.  Rows: test half before and after, for
 * the FAQs of the dev split (threads multiple of 5, the tuning part) and
 * the rest (held out); the control; the logged questions themselves. */
#include "bench_util.h"
#include "eval.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WINDOW "1" /* seconds: the visits' deflection windows close at once */

enum part { LOGGED, TEST_DEV, TEST_HELD, CONTROL, NPARTS };

/* "sfq-q-XXX-NN": XXX and NN, or -1 when the id is not one. */
static int faq_of(const char *id, int *nn)
{
    int faq, n;
    if (sscanf(id, "sfq-q-%d-%d", &faq, &n) != 2)
        return -1;
    *nn = n;
    return faq;
}

static enum part part_of(const char *id)
{
    int nn, faq = faq_of(id, &nn);
    if (faq < 0)
        return NPARTS;
    if (faq % 4 == 3)
        return nn % 2 ? NPARTS : CONTROL; /* its odd ones are never logged */
    if (nn % 2)
        return LOGGED;
    return faq % 5 == 0 ? TEST_DEV : TEST_HELD;
}

struct http {
    CURL *c;
    unsigned port;
    struct bench_body body;
};

/* One request with the visit header; the HTTP status, or -1. */
static long request(struct http *h, const char *visit, const char *path, const char *json)
{
    char url[4096], hv[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", h->port, path);
    snprintf(hv, sizeof hv, "X-KB-Visit: %s", visit);
    struct curl_slist *hdr = curl_slist_append(NULL, hv);
    if (json)
        hdr = curl_slist_append(hdr, "Content-Type: application/json");
    curl_easy_reset(h->c);
    curl_easy_setopt(h->c, CURLOPT_URL, url);
    curl_easy_setopt(h->c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h->c, CURLOPT_WRITEFUNCTION, bench_body_write);
    curl_easy_setopt(h->c, CURLOPT_WRITEDATA, &h->body);
    curl_easy_setopt(h->c, CURLOPT_TIMEOUT, 30L);
    if (json)
        curl_easy_setopt(h->c, CURLOPT_POSTFIELDS, json);
    bench_body_reset(&h->body);
    long status = -1;
    if (curl_easy_perform(h->c) == CURLE_OK)
        curl_easy_getinfo(h->c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    return status;
}

static int post_event(struct http *h, const char *visit, json_t *ev)
{
    char *s = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    long st = s ? request(h, visit, "/api/events", s) : -1;
    free(s);
    return st == 201 ? 0 : -1;
}

/* visits solved visits of question q, answered by article. */
static int replay(struct http *h, const struct eval_query *q, const char *article, int visits)
{
    for (int v = 0; v < visits; v++) {
        char visit[96], path[2048];
        snprintf(visit, sizeof visit, "eval-%s-%d", q->id, v);
        char *esc = curl_easy_escape(h->c, q->text, 0);
        snprintf(path, sizeof path, "/api/search?q=%s&locale=en-us", esc ? esc : "");
        curl_free(esc);
        if (request(h, visit, path, NULL) != 200)
            return -1;
        if (post_event(h, visit, json_pack("{s:s,s:s,s:s,s:i,s:s}", "type", "click", "query",
                                           q->text, "article", article, "rank", 1, "locale",
                                           "en-us")) ||
            post_event(h, visit, json_pack("{s:s,s:s,s:s,s:s}", "type", "deflect", "article",
                                           article, "source", "article", "locale", "en-us")))
            return -1;
    }
    return 0;
}

/* kb-index --learn DB on the served index; its exit status. */
static int learn(const char *bin, const char *content, const char *index, const char *db)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execl(bin, bin, "--content", content, "--index", index, "--quiet", "--learn", db,
              "--deflection-window", WINDOW, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void row(const char *label, const struct eval_scores *b, const struct eval_scores *a)
{
    double lift = b->ndcg10 > 0 ? (a->ndcg10 / b->ndcg10 - 1) * 100 : 0;
    printf("| %-28s | %5zu | %.4f | %.4f | %+6.1f%% | %.3f | %.3f |\n", label, a->queries,
           b->ndcg10, a->ndcg10, lift, b->s1, a->s1);
}

static void usage(FILE *f)
{
    fputs("Usage: kb-eval-learn [--data DIR] [--visits N] [--min-lift PCT] [--min-logged-s1 X]\n"
          "\n"
          "Replays half of StackFAQ's paraphrases as solved visits through kb-serve's\n"
          "HTTP API, runs kb-index --learn, and scores the other half before and after.\n"
          "  --data DIR           the shared data ($KB_SHARED_DIR, else ../shared)\n"
          "  --visits N           visits per logged question (3, kb-index's default\n"
          "                       --learn-min-visits)\n"
          "  --min-lift PCT       fail when the held-out test half's nDCG@10 gains less\n"
          "  --min-logged-s1 X    fail when the logged questions' Success@1 is below X\n"
          "Exit status: 0, 1 a threshold failed, 2 usage or setup error.\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},     {"visits", required_argument, NULL, 'v'},
        {"min-lift", required_argument, NULL, 'l'}, {"min-logged-s1", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    char data_buf[4096];
    const char *data = getenv("KB_SHARED_DIR");
    if (!data || !*data) {
        snprintf(data_buf, sizeof data_buf, "%s/../shared", KB_EVAL_SOURCE_DIR);
        data = data_buf;
    }
    int visits = 3, c;
    double min_lift = -1e9, min_s1 = -1;
    while ((c = getopt_long(argc, argv, "d:v:l:s:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'v': visits = atoi(optarg); break;
        case 'l': min_lift = atof(optarg); break;
        case 's': min_s1 = atof(optarg); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (visits < 1 || visits > 20) {
        fputs("kb-eval-learn: --visits wants 1 to 20\n", stderr);
        return 2;
    }
    char dir[4200], kb[4300], qp[4300], rp[4300];
    eval_path(dir, sizeof dir, "%s/eval/stackfaq", data);
    eval_path(kb, sizeof kb, "%s/kb", dir);
    eval_path(qp, sizeof qp, "%s/queries.tsv", dir);
    eval_path(rp, sizeof rp, "%s/qrels.tsv", dir);
    struct eval_queries all = {0}, parts[NPARTS];
    struct eval_qrels qr = {0};
    memset(parts, 0, sizeof parts);
    if (eval_queries_load(qp, 0, &all) != 0 || eval_qrels_load(rp, &qr) != 0) {
        fprintf(stderr, "kb-eval-learn: cannot read StackFAQ under %s\n", dir);
        return 2;
    }
    eval_qrels_sort(&qr);
    for (size_t i = 0; i < all.n; i++) {
        enum part p = part_of(all.q[i].id);
        if (p != NPARTS)
            eval_queries_add(&parts[p], all.q[i].id, all.q[i].text);
    }

    char work[4096], index[4200], db[4200];
    if (eval_mkdtemp(work, sizeof work, "learn") != 0)
        return 2;
    eval_path(index, sizeof index, "%s/index", work);
    eval_path(db, sizeof db, "%s/kb.db", work);
    int rc = eval_index(KB_EVAL_INDEX_BIN, kb, index, NULL, 0);
    struct eval_server srv = {0, 0};
    const char *const extra[] = {"--threads", "2", "--db", db, "--deflection-window", WINDOW,
                                 NULL};
    if ((rc != 0 && rc != 1) || eval_server_start(&srv, KB_EVAL_SERVE_BIN, index, extra) != 0) {
        fputs("kb-eval-learn: cannot index or serve StackFAQ\n", stderr);
        eval_rmrf(work);
        return 2;
    }
    struct eval_run before[NPARTS], after[NPARTS];
    memset(before, 0, sizeof before);
    memset(after, 0, sizeof after);
    for (int p = 0; p < NPARTS; p++)
        eval_run_ours(&srv, &parts[p], "en-us", &before[p]);

    struct http h = {curl_easy_init(), srv.port, BENCH_BODY_INIT};
    size_t replayed = 0, failed = 0;
    double t0 = eval_now();
    for (size_t i = 0; h.c && i < parts[LOGGED].n; i++) {
        size_t first, n = eval_qrels_find(&qr, parts[LOGGED].q[i].id, &first);
        const char *best = NULL;
        int grade = 0;
        for (size_t k = first; k < first + n; k++)
            if (qr.j[k].grade > grade) {
                grade = qr.j[k].grade;
                best = qr.j[k].docid;
            }
        if (!best)
            continue;
        if (replay(&h, &parts[LOGGED].q[i], best, visits) == 0)
            replayed++;
        else
            failed++;
    }
    double replay_s = eval_now() - t0;
    struct timespec ts = {1, 500 * 1000 * 1000}; /* past the window */
    nanosleep(&ts, NULL);
    t0 = eval_now();
    rc = learn(KB_EVAL_INDEX_BIN, kb, index, db);
    double learn_s = eval_now() - t0;
    for (int p = 0; p < NPARTS; p++)
        eval_run_ours(&srv, &parts[p], "en-us", &after[p]);
    eval_server_stop(&srv);
    if (h.c)
        curl_easy_cleanup(h.c);
    free(h.body.p);

    printf("kb-eval-learn: StackFAQ, %zu logged questions replayed as %d solved visits each "
           "(%zu failed) in %.1f s; kb-index --learn %s in %.1f s\n\n",
           replayed, visits, failed, replay_s, rc == 0 ? "ok" : "FAILED", learn_s);
    printf("| row | queries | nDCG@10 before | after | lift | S@1 before | after |\n"
           "|---|---:|---:|---:|---:|---:|---:|\n");
    static const char *const labels[NPARTS] = {
        "logged questions", "test half, dev FAQs", "test half, held-out FAQs",
        "control: FAQs never logged"};
    struct eval_scores sb[NPARTS], sa[NPARTS];
    for (int p = 0; p < NPARTS; p++) {
        eval_score(&parts[p], &before[p], &qr, NULL, &sb[p]);
        eval_score(&parts[p], &after[p], &qr, NULL, &sa[p]);
    }
    row(labels[TEST_DEV], &sb[TEST_DEV], &sa[TEST_DEV]);
    row(labels[TEST_HELD], &sb[TEST_HELD], &sa[TEST_HELD]);
    row(labels[CONTROL], &sb[CONTROL], &sa[CONTROL]);
    row(labels[LOGGED], &sb[LOGGED], &sa[LOGGED]);

    int bad = rc != 0 || failed > 0;
    double lift = sb[TEST_HELD].ndcg10 > 0 ? (sa[TEST_HELD].ndcg10 / sb[TEST_HELD].ndcg10 - 1) * 100
                                           : 0;
    if (lift < min_lift) {
        printf("FAIL: held-out test half lift %+.1f%% < %+.1f%%\n", lift, min_lift);
        bad = 1;
    }
    if (sa[LOGGED].s1 < min_s1) {
        printf("FAIL: logged questions Success@1 %.3f < %.3f\n", sa[LOGGED].s1, min_s1);
        bad = 1;
    }
    for (int p = 0; p < NPARTS; p++) {
        eval_run_free(&before[p]);
        eval_run_free(&after[p]);
        eval_queries_free(&parts[p]);
    }
    eval_queries_free(&all);
    eval_qrels_free(&qr);
    eval_rmrf(work);
    return bad;
}
