/* eval_metrics.c -- the measures, as trec_eval defines them.
 *
 * nDCG@10 is trec_eval's ndcg_cut.10 (the BEIR definition): gain = the
 * judgment's grade, discount log2(rank + 1), ideal DCG from all judged
 * relevant documents of the query sorted by grade.  MRR@10 is the
 * reciprocal rank of the first relevant document in the top 10.
 * Recall@100 = relevant in the top 100 / all relevant.  MAP is average
 * precision over the whole (at most 100 long) ranking.  P@k counts
 * relevant documents in the top k over k, with missing ranks counting as
 * non-relevant.  Success@k: 1 when any relevant document is in the top k.
 *
 * A query counts when it has at least one relevant judgment; a query
 * the engine returned nothing for scores 0 (trec_eval -c). */
#include "eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int grade_of(const struct eval_qrels *qr, size_t first, size_t n, const char *docid)
{
    for (size_t i = first; i < first + n; i++)
        if (strcmp(qr->j[i].docid, docid) == 0)
            return qr->j[i].grade;
    return 0;
}

static int cmp_grade_desc(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (y > x) - (y < x);
}

/* Ideal DCG@10 of the query's judgments. */
static double ideal_dcg10(const struct eval_qrels *qr, size_t first, size_t n)
{
    int grades[10];
    size_t m = 0;
    int *all = malloc(n * sizeof *all);
    if (!all)
        return 0;
    for (size_t i = 0; i < n; i++)
        all[i] = qr->j[first + i].grade;
    qsort(all, n, sizeof *all, cmp_grade_desc);
    for (size_t i = 0; i < n && m < 10; i++)
        if (all[i] > 0)
            grades[m++] = all[i];
    free(all);
    double dcg = 0;
    for (size_t i = 0; i < m; i++)
        dcg += grades[i] / log2((double)i + 2);
    return dcg;
}

/* One ranking may name a document twice (it should not); the second
 * occurrence earns nothing, as in trec_eval. */
static int seen_before(const struct eval_ranking *r, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (strcmp(r->docids[i], r->docids[k]) == 0)
            return 1;
    return 0;
}

void eval_score(const struct eval_queries *qs, const struct eval_run *run,
                const struct eval_qrels *qr, const unsigned char *pick,
                struct eval_scores *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < qs->n; i++) {
        if (pick && !pick[i])
            continue;
        size_t first, n = eval_qrels_find(qr, qs->q[i].id, &first);
        size_t nrel = 0;
        for (size_t k = 0; k < n; k++)
            if (qr->j[first + k].grade > 0)
                nrel++;
        if (nrel == 0)
            continue;
        out->queries++;
        static const struct eval_ranking empty = {NULL, 0};
        const struct eval_ranking *r = i < run->n ? &run->r[i] : &empty;
        double dcg = 0, rr = 0, ap = 0;
        size_t found = 0, found3 = 0, found5 = 0, found10 = 0, first_rel = 0;
        for (size_t k = 0; k < r->n && k < 100; k++) {
            int g = seen_before(r, k) ? 0 : grade_of(qr, first, n, r->docids[k]);
            if (g <= 0)
                continue;
            found++;
            ap += (double)found / (double)(k + 1);
            if (!first_rel)
                first_rel = k + 1;
            if (k < 10) {
                dcg += g / log2((double)k + 2);
                found10++;
            }
            if (k < 5)
                found5++;
            if (k < 3)
                found3++;
        }
        if (first_rel && first_rel <= 10)
            rr = 1.0 / (double)first_rel;
        double idcg = ideal_dcg10(qr, first, n);
        out->ndcg10 += idcg > 0 ? dcg / idcg : 0;
        out->mrr10 += rr;
        out->recall100 += (double)found / (double)nrel;
        out->map += ap / (double)nrel;
        out->p3 += found3 / 3.0;
        out->p5 += found5 / 5.0;
        out->p10 += found10 / 10.0;
        out->s1 += first_rel == 1;
        out->s3 += first_rel && first_rel <= 3;
        out->s10 += first_rel && first_rel <= 10;
    }
    if (out->queries) {
        double q = (double)out->queries;
        out->ndcg10 /= q;
        out->mrr10 /= q;
        out->recall100 /= q;
        out->map /= q;
        out->p3 /= q;
        out->p5 /= q;
        out->p10 /= q;
        out->s1 /= q;
        out->s3 /= q;
        out->s10 /= q;
    }
}
