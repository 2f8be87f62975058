/* eval_fts.c -- the plain BM25 baseline: SQLite FTS5 in memory over the
 * same articles, title and body in one column, tokenizer
 * "porter unicode61", the query as an OR of its distinct words, ranked
 * by bm25() (k1 1.2, b 0.75).  This is the setting of the FTS5 table in
 * the eval collections' README, so the figures can be checked there. */
#include "eval.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct loader {
    sqlite3_stmt *ins;
    size_t n;
    int rc;
};

static int add_article(void *ctx, const char *id, const char *title, const char *body)
{
    struct loader *l = ctx;
    size_t tl = strlen(title), bl = strlen(body);
    char *text = malloc(tl + bl + 2);
    if (!text)
        return -1;
    memcpy(text, title, tl);
    text[tl] = '\n';
    memcpy(text + tl + 1, body, bl + 1);
    sqlite3_bind_text(l->ins, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(l->ins, 2, text, -1, free);
    int rc = sqlite3_step(l->ins);
    sqlite3_reset(l->ins);
    if (rc != SQLITE_DONE) {
        l->rc = -1;
        return -1;
    }
    l->n++;
    return 0;
}

static int is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c >= 0x80;
}

/* "a b a" -> "\"a\" OR \"b\"" (each word a quoted FTS5 string, so
 * AND/OR/NOT in the text stay words).  Returns malloc'd text or NULL
 * when the query has no word. */
static char *fts_query(const char *text)
{
    size_t len = strlen(text);
    char *out = malloc(len * 6 + 16);
    if (!out)
        return NULL;
    size_t o = 0;
    out[0] = '\0';
    const char *p = text;
    while (*p) {
        while (*p && !is_word_byte((unsigned char)*p))
            p++;
        const char *w = p;
        while (*p && is_word_byte((unsigned char)*p))
            p++;
        size_t n = (size_t)(p - w);
        if (!n)
            continue;
        /* Skip a word already in the query (ASCII case-insensitively). */
        int dup = 0;
        for (const char *q = out; !dup && (q = strchr(q, '"')) != NULL; q++) {
            const char *e = strchr(q + 1, '"');
            if ((size_t)(e - q - 1) == n && strncasecmp(q + 1, w, n) == 0)
                dup = 1;
            q = e;
        }
        if (dup)
            continue;
        if (o) {
            memcpy(out + o, " OR ", 4);
            o += 4;
        }
        out[o++] = '"';
        memcpy(out + o, w, n);
        o += n;
        out[o++] = '"';
        out[o] = '\0';
    }
    out[o] = '\0';
    if (!o) {
        free(out);
        return NULL;
    }
    return out;
}

struct eval_fts {
    sqlite3 *db;
    sqlite3_stmt *sel;
};

int eval_fts_open(const char *kb_dir, struct eval_fts **out)
{
    struct eval_fts *f = calloc(1, sizeof *f);
    sqlite3_stmt *ins = NULL;
    int rc = -1;
    *out = f;
    if (!f || sqlite3_open(":memory:", &f->db) != SQLITE_OK)
        goto done;
    if (sqlite3_exec(f->db,
                     "CREATE VIRTUAL TABLE doc USING fts5(id UNINDEXED, text,"
                     " tokenize = 'porter unicode61');",
                     NULL, NULL, NULL) != SQLITE_OK)
        goto done;
    if (sqlite3_prepare_v2(f->db, "INSERT INTO doc(id, text) VALUES (?, ?)", -1, &ins,
                           NULL) != SQLITE_OK)
        goto done;
    sqlite3_exec(f->db, "BEGIN", NULL, NULL, NULL);
    struct loader l = {ins, 0, 0};
    if (eval_articles_foreach(kb_dir, add_article, &l) != 0 || l.rc != 0)
        goto done;
    sqlite3_exec(f->db, "COMMIT", NULL, NULL, NULL);
    if (sqlite3_prepare_v2(f->db,
                           "SELECT id FROM doc WHERE doc MATCH ? ORDER BY bm25(doc)"
                           " LIMIT 100",
                           -1, &f->sel, NULL) != SQLITE_OK)
        goto done;
    rc = 0;
done:
    if (rc != 0)
        fprintf(stderr, "kb-eval: FTS5 baseline: %s\n",
                f && f->db ? sqlite3_errmsg(f->db) : "no memory");
    sqlite3_finalize(ins);
    return rc;
}

int eval_fts_run(struct eval_fts *f, const struct eval_queries *qs, struct eval_run *out)
{
    memset(out, 0, sizeof *out);
    out->r = calloc(qs->n ? qs->n : 1, sizeof *out->r);
    if (!out->r)
        return -1;
    out->n = qs->n;
    double t0 = eval_now();
    for (size_t i = 0; i < qs->n; i++) {
        char *q = fts_query(qs->q[i].text);
        if (!q)
            continue;
        struct eval_ranking *r = &out->r[i];
        r->docids = calloc(100, sizeof *r->docids);
        sqlite3_bind_text(f->sel, 1, q, -1, free);
        while (r->docids && r->n < 100 && sqlite3_step(f->sel) == SQLITE_ROW) {
            r->docids[r->n] = strdup((const char *)sqlite3_column_text(f->sel, 0));
            if (r->docids[r->n])
                r->n++;
        }
        sqlite3_reset(f->sel);
    }
    out->seconds = eval_now() - t0;
    return 0;
}

void eval_fts_close(struct eval_fts *f)
{
    if (!f)
        return;
    sqlite3_finalize(f->sel);
    sqlite3_close(f->db);
    free(f);
}
