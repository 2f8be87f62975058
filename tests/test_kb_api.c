/* test_kb_api.c -- the index layer through kb.h only. */
#include "harness.h"
#include "kb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];

static void put(struct harness *h, kb_index *ix, const char *id, const char *locale,
                const char *title, const char *desc, const kb_unit *units, size_t n,
                int internal)
{
    static const char *const tags[] = {"billing"};
    kb_doc d = {
        .id = id, .locale = locale, .title = title, .description = desc,
        .topic = "how-to", .product = "Billing", .updated = "2026-01-02",
        .tags = tags, .ntags = 1, .internal = internal, .units = units, .nunits = n,
        .record_json = "{\"id\":\"x\"}",
    };
    CHECK_INT_EQ(h, kb_put(ix, &d), KB_OK);
}

/* The snippet's text with [ ] around each span, after checking what
 * kb.h promises of the spans: in order, not overlapping, not empty,
 * inside the text. */
static const char *bracketed(struct harness *h, const kb_hit *hit, char *buf, size_t n)
{
    const kb_snippet *sn = &hit->snippet;
    size_t len = strlen(sn->text), at = 0, out = 0;
    CHECK(h, (sn->nspans == 0) == (sn->spans == NULL));
    for (size_t i = 0; i <= sn->nspans && out + 3 < n; i++) {
        size_t off = i < sn->nspans ? sn->spans[i].off : len;
        size_t end = i < sn->nspans ? off + sn->spans[i].len : len;
        CHECK(h, off >= at && end <= len && (i == sn->nspans || end > off));
        if (off < at || end > len)
            break;
        out += (size_t)snprintf(buf + out, n - out, "%.*s", (int)(off - at), sn->text + at);
        if (i < sn->nspans && out < n)
            out += (size_t)snprintf(buf + out, n - out, "[%.*s]", (int)(end - off),
                                    sn->text + off);
        at = end;
    }
    return buf;
}

static void build(struct harness *h)
{
    kb_index *ix;
    CHECK_INT_EQ(h, kb_open(dir, KB_OPEN_WRITE, &ix), KB_OK);
    CHECK_INT_EQ(h, kb_begin(ix), KB_OK);
    kb_unit inv[] = {
        {"", "", "Your invoice lists every charge of the month.", 0},
        {"late-fees", "Late fees", "A late fee is added when an invoice is unpaid after 30 days.", 0},
        {"download", "Download an invoice", "Open Billing and choose Download PDF.", 0},
    };
    put(h, ix, "billing/invoice", "en-us", "Understand your invoice", "Read the invoice.", inv, 3, 0);
    kb_unit pw[] = {
        {"", "", "Forgot your password? Reset it from the sign-in page.", 0},
        {"reset", "Reset a password", "Select Forgot password and follow the email link.", 0},
    };
    put(h, ix, "sign-in/reset-password", "en-us", "Reset a password", "", pw, 2, 0);
    kb_unit pwru[] = {
        {"reset", "Сброс пароля", "Нажмите «Забыли пароль» и перейдите по ссылке из письма.", 0},
    };
    put(h, ix, "sign-in/reset-password", "ru-ru", "Сброс пароля", "", pwru, 1, 0);
    kb_unit secret[] = {
        {"", "", "Refunds above the zanzibarquota need approval.", 0},
    };
    put(h, ix, "internal/refunds", "en-us", "Refund approval", "", secret, 1, 1);
    kb_unit zh[] = {
        {"pay", "更新付款方式", "在账单页面中选择付款方式，然后添加新的信用卡。", 0},
    };
    put(h, ix, "billing/payment", "zh-cn", "更新付款方式", "", zh, 1, 0);
    CHECK_INT_EQ(h, kb_file_set(ix, "en-us/billing/invoice.md", "abc", "en-us/billing/invoice"), KB_OK);
    CHECK_INT_EQ(h, kb_commit(ix), KB_OK);
    kb_close(ix);
}

static kb_results *search(struct harness *h, kb_index *ix, const char *text,
                          const char *locale, int internal)
{
    kb_query q = {.text = text, .locale = locale, .default_locale = "en-us",
                  .limit = 10, .include_internal = internal};
    kb_results *r = NULL;
    CHECK_INT_EQ(h, kb_search(ix, &q, &r), KB_OK);
    return r;
}

int main(void)
{
    struct harness h = {0, 0};
    snprintf(dir, sizeof dir, "/tmp/kb-test-api-XXXXXX");
    CHECK(&h, mkdtemp(dir) != NULL);
    build(&h);

    kb_index *ix;
    CHECK_INT_EQ(&h, kb_open(dir, KB_OPEN_READ, &ix), KB_OK);
    kb_stats st;
    CHECK_INT_EQ(&h, kb_get_stats(ix, &st), KB_OK);
    CHECK_INT_EQ(&h, st.articles, 5);
    CHECK_INT_EQ(&h, st.sections, 8);

    /* The best section is returned, with a highlighted snippet. */
    kb_results *r = search(&h, ix, "late fee", "en-us", 0);
    CHECK(&h, kb_results_count(r) >= 1);
    const kb_hit *hit = kb_results_get(r, 0);
    if (hit) {
        CHECK_STR_EQ(&h, hit->id, "billing/invoice");
        CHECK_STR_EQ(&h, hit->anchor, "late-fees");
        char buf[512];
        CHECK_STR_EQ(&h, bracketed(&h, hit, buf, sizeof buf),
                     "A [late] [fee] is added when an invoice is unpaid after 30 days.");
    }
    CHECK_INT_EQ(&h, kb_results_total(r), 1);
    kb_results_free(r);

    /* Stemming: "invoices" finds "invoice". */
    r = search(&h, ix, "downloading invoices", "en-us", 0);
    hit = kb_results_get(r, 0);
    CHECK(&h, hit && strcmp(hit->anchor, "download") == 0);
    kb_results_free(r);

    /* Russian inflection: "пароли" matches "пароля". */
    r = search(&h, ix, "забыл пароли", "ru-ru", 0);
    hit = kb_results_get(r, 0);
    CHECK(&h, hit && strcmp(hit->locale, "ru-ru") == 0);
    kb_results_free(r);

    /* Fallback: an English-only article shows up for a Russian request
     * (one per id: the Russian translation hides the English one). */
    r = search(&h, ix, "password invoice", "ru-ru", 0);
    int en_pw = 0, en_inv = 0;
    for (size_t i = 0; i < kb_results_count(r); i++) {
        hit = kb_results_get(r, i);
        if (strcmp(hit->id, "sign-in/reset-password") == 0 && strcmp(hit->locale, "en-us") == 0)
            en_pw = 1;
        if (strcmp(hit->id, "billing/invoice") == 0)
            en_inv = 1;
    }
    CHECK_INT_EQ(&h, en_pw, 0);
    CHECK_INT_EQ(&h, en_inv, 1);
    kb_results_free(r);

    /* Chinese without spaces. */
    r = search(&h, ix, "付款方式", "zh-cn", 0);
    hit = kb_results_get(r, 0);
    CHECK(&h, hit && strcmp(hit->id, "billing/payment") == 0);
    kb_results_free(r);

    /* Internal articles only for agents. */
    r = search(&h, ix, "zanzibarquota", "en-us", 0);
    CHECK_INT_EQ(&h, kb_results_count(r), 0);
    kb_results_free(r);
    r = search(&h, ix, "zanzibarquota", "en-us", 1);
    CHECK_INT_EQ(&h, kb_results_count(r), 1);
    if (kb_results_count(r))
        CHECK_INT_EQ(&h, kb_results_get(r, 0)->internal, 1);
    kb_results_free(r);
    char *json = NULL;
    CHECK_INT_EQ(&h, kb_article_get(ix, "internal/refunds", "en-us", "en-us", 0, &json),
                 KB_ERR_NOT_FOUND);
    CHECK_INT_EQ(&h, kb_article_get(ix, "internal/refunds", "en-us", "en-us", 1, &json), KB_OK);
    free(json);

    /* Article fallback to the default locale, and locales list. */
    json = NULL;
    CHECK_INT_EQ(&h, kb_article_get(ix, "billing/invoice", "ru-ru", "en-us", 0, &json), KB_OK);
    CHECK_CONTAINS(&h, json, "\"id\"");
    free(json);
    char *locs[8];
    size_t n = 0;
    CHECK_INT_EQ(&h, kb_article_locales(ix, "sign-in/reset-password", 0, locs, 8, &n), KB_OK);
    CHECK_INT_EQ(&h, n, 2);
    for (size_t i = 0; i < n; i++)
        free(locs[i]);

    /* A broken query falls back to plain words instead of failing. */
    r = search(&h, ix, "\"invoice AND ( OR", "en-us", 0);
    CHECK(&h, r != NULL);
    kb_results_free(r);

    /* As-you-type: a prefix of the last word. */
    kb_query pq = {.text = "late fe", .default_locale = "en-us", .limit = 5, .prefix_last = 1};
    CHECK_INT_EQ(&h, kb_search(ix, &pq, &r), KB_OK);
    CHECK(&h, kb_results_count(r) >= 1);
    kb_results_free(r);

    /* A writer's commit becomes visible to the open reader. */
    kb_index *w;
    CHECK_INT_EQ(&h, kb_open(dir, KB_OPEN_WRITE, &w), KB_OK);
    kb_index *w2;
    CHECK_INT_EQ(&h, kb_open(dir, KB_OPEN_WRITE, &w2), KB_ERR_LOCKED);
    kb_close(w2);
    char *hash, *key;
    CHECK_INT_EQ(&h, kb_file_get(w, "en-us/billing/invoice.md", &hash, &key), KB_OK);
    CHECK_STR_EQ(&h, hash, "abc");
    CHECK_STR_EQ(&h, key, "en-us/billing/invoice");
    free(hash);
    free(key);
    CHECK_INT_EQ(&h, kb_begin(w), KB_OK);
    CHECK_INT_EQ(&h, kb_delete(w, "en-us", "billing/invoice"), KB_OK);
    /* Not committed yet: the reader still finds it. */
    r = search(&h, ix, "late fee", "en-us", 0);
    CHECK_INT_EQ(&h, kb_results_count(r), 1);
    kb_results_free(r);
    CHECK_INT_EQ(&h, kb_commit(w), KB_OK);
    kb_close(w);
    r = search(&h, ix, "late fee", "en-us", 0);
    CHECK_INT_EQ(&h, kb_results_count(r), 0);
    kb_results_free(r);
    kb_close(ix);

    /* Errors keep their reason; NULL close is harmless. */
    CHECK_INT_EQ(&h, kb_open("/nonexistent/kb-index", KB_OPEN_READ, &ix), KB_ERR_NO_INDEX);
    CHECK(&h, strlen(kb_last_error(ix)) > 0);
    kb_close(ix);
    kb_close(NULL);
    CHECK(&h, strlen(kb_status_str(KB_STATUS_COUNT)) > 0);

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT_EQ(&h, system(cmd), 0);
    TEST_MAIN_END(&h);
}
