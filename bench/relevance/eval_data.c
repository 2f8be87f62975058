/* eval_data.c -- queries, judgments and articles of the test collections,
 * TREC run files, temporary folders. */
#include "eval.h"

#include <errno.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Strips a trailing "\r\n" or "\n" in place. */
static void chomp(char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
}

int eval_queries_add(struct eval_queries *qs, const char *id, const char *text)
{
    if (qs->n == qs->cap) {
        size_t cap = qs->cap ? qs->cap * 2 : 256;
        struct eval_query *q = realloc(qs->q, cap * sizeof *q);
        if (!q)
            return -1;
        qs->q = q;
        qs->cap = cap;
    }
    struct eval_query *q = &qs->q[qs->n];
    q->id = strdup(id);
    q->text = strdup(text);
    if (!q->id || !q->text) {
        free(q->id);
        free(q->text);
        return -1;
    }
    qs->n++;
    return 0;
}

int eval_queries_load(const char *path, int header, struct eval_queries *out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "kb-eval: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    for (unsigned lineno = 1; getline(&line, &cap, f) > 0; lineno++) {
        chomp(line);
        if ((header && lineno == 1) || !*line)
            continue;
        char *tab = strchr(line, '\t');
        if (!tab) {
            fprintf(stderr, "kb-eval: %s:%u: no tab\n", path, lineno);
            rc = -1;
            break;
        }
        *tab = '\0';
        if (eval_queries_add(out, line, tab + 1) != 0) {
            rc = -1;
            break;
        }
    }
    free(line);
    fclose(f);
    return rc;
}

void eval_queries_free(struct eval_queries *qs)
{
    for (size_t i = 0; i < qs->n; i++) {
        free(qs->q[i].id);
        free(qs->q[i].text);
    }
    free(qs->q);
    memset(qs, 0, sizeof *qs);
}

int eval_qrels_add(struct eval_qrels *qr, const char *qid, const char *docid, int grade)
{
    if (qr->n == qr->cap) {
        size_t cap = qr->cap ? qr->cap * 2 : 1024;
        struct eval_judgment *j = realloc(qr->j, cap * sizeof *j);
        if (!j)
            return -1;
        qr->j = j;
        qr->cap = cap;
    }
    struct eval_judgment *j = &qr->j[qr->n];
    j->qid = strdup(qid);
    j->docid = strdup(docid);
    j->grade = grade;
    if (!j->qid || !j->docid) {
        free(j->qid);
        free(j->docid);
        return -1;
    }
    qr->n++;
    return 0;
}

int eval_qrels_load(const char *path, struct eval_qrels *out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "kb-eval: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    for (unsigned lineno = 1; getline(&line, &cap, f) > 0; lineno++) {
        chomp(line);
        if (!*line)
            continue;
        char *a = strchr(line, '\t');
        char *b = a ? strchr(a + 1, '\t') : NULL;
        if (!b) {
            fprintf(stderr, "kb-eval: %s:%u: want qid<TAB>docid<TAB>grade\n", path, lineno);
            rc = -1;
            break;
        }
        *a = *b = '\0';
        if (eval_qrels_add(out, line, a + 1, atoi(b + 1)) != 0) {
            rc = -1;
            break;
        }
    }
    free(line);
    fclose(f);
    eval_qrels_sort(out);
    return rc;
}

static int cmp_judgment(const void *a, const void *b)
{
    const struct eval_judgment *x = a, *y = b;
    return strcmp(x->qid, y->qid);
}

void eval_qrels_sort(struct eval_qrels *qr)
{
    if (qr->n)
        qsort(qr->j, qr->n, sizeof *qr->j, cmp_judgment);
}

size_t eval_qrels_find(const struct eval_qrels *qr, const char *qid, size_t *first)
{
    size_t lo = 0, hi = qr->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(qr->j[mid].qid, qid) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < qr->n && strcmp(qr->j[end].qid, qid) == 0)
        end++;
    *first = lo;
    return end - lo;
}

void eval_qrels_free(struct eval_qrels *qr)
{
    for (size_t i = 0; i < qr->n; i++) {
        free(qr->j[i].qid);
        free(qr->j[i].docid);
    }
    free(qr->j);
    memset(qr, 0, sizeof *qr);
}

/* ---- articles -------------------------------------------------------- */

/* The value of a front-matter line `key: "value"` (or unquoted), with
 * \" and \\ undone; NULL when the line is another key. */
static char *fm_value(const char *line, const char *key)
{
    size_t k = strlen(key);
    if (strncmp(line, key, k) != 0 || line[k] != ':')
        return NULL;
    const char *v = line + k + 1;
    while (*v == ' ')
        v++;
    size_t n = strlen(v);
    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
        v++;
        n -= 2;
    }
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '\\' && i + 1 < n && (v[i + 1] == '"' || v[i + 1] == '\\'))
            i++;
        out[o++] = v[i];
    }
    out[o] = '\0';
    return out;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 4096 > cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

static int parse_article(const char *path, eval_article_fn fn, void *ctx)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text)
        return -1;
    char *id = NULL, *title = NULL, *body = text;
    if (strncmp(text, "---\n", 4) == 0) {
        char *p = text + 4;
        while (*p) {
            char *nl = strchr(p, '\n');
            if (nl)
                *nl = '\0';
            if (strcmp(p, "---") == 0) {
                body = nl ? nl + 1 : p + strlen(p);
                break;
            }
            char *v;
            if (!id && (v = fm_value(p, "id")))
                id = v;
            else if (!title && (v = fm_value(p, "title")))
                title = v;
            if (!nl) {
                body = p + strlen(p);
                break;
            }
            p = nl + 1;
        }
    }
    int rc = 0;
    if (id)
        rc = fn(ctx, id, title ? title : "", body);
    free(id);
    free(title);
    free(text);
    return rc;
}

/* Walks dir recursively in name order, so runs are reproducible. */
static int walk_dir(const char *dir, eval_article_fn fn, void *ctx)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "kb-eval: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        char path[4096];
        struct stat st;
        size_t len = strlen(name);
        if (rc == 0 && name[0] != '.' &&
            eval_path(path, sizeof path, "%s/%s", dir, name) == 0 && stat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                rc = walk_dir(path, fn, ctx);
            else if (len > 3 && strcmp(name + len - 3, ".md") == 0)
                rc = parse_article(path, fn, ctx);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int eval_articles_foreach(const char *dir, eval_article_fn fn, void *ctx)
{
    return walk_dir(dir, fn, ctx);
}

/* ---- runs ------------------------------------------------------------ */

void eval_run_free(struct eval_run *run)
{
    for (size_t i = 0; i < run->n; i++) {
        for (size_t k = 0; k < run->r[i].n; k++)
            free(run->r[i].docids[k]);
        free(run->r[i].docids);
    }
    free(run->r);
    memset(run, 0, sizeof *run);
}

int eval_run_write_trec(const char *path, const struct eval_queries *qs,
                        const struct eval_run *run, const char *tag)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "kb-eval: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < qs->n && i < run->n; i++)
        for (size_t k = 0; k < run->r[i].n; k++)
            fprintf(f, "%s Q0 %s %zu %zu %s\n", qs->q[i].id, run->r[i].docids[k], k + 1,
                    1000 - k, tag);
    return fclose(f) == 0 ? 0 : -1;
}

/* ---- helpers --------------------------------------------------------- */

int eval_mkdtemp(char *buf, size_t len, const char *tag)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(buf, len, "%s/kb-eval-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
    return mkdtemp(buf) ? 0 : -1;
}

void eval_rmrf(const char *path)
{
    struct stat st;
    if (!path || !*path || lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        struct dirent **names;
        int n = scandir(path, &names, NULL, NULL);
        for (int i = 0; i < n; i++) {
            const char *name = names[i]->d_name;
            char sub[4096];
            if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
                eval_path(sub, sizeof sub, "%s/%s", path, name) == 0)
                eval_rmrf(sub);
            free(names[i]);
        }
        if (n >= 0)
            free(names);
        rmdir(path);
    } else {
        unlink(path);
    }
}

int eval_path(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= len) {
        fprintf(stderr, "kb-eval: path too long\n");
        buf[0] = '\0';
        return -1;
    }
    return 0;
}

double eval_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
