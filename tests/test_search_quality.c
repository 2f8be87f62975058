/* test_search_quality.c -- the search-quality features: stop and
 * question words, spelling suggestions (never from internal articles),
 * synonyms (and their reload in kb-serve), facets per article, the tag
 * filter, German compounds, Russian inflection, mixed CJK/Latin text
 * and the query syntax.  Through kb.h, plus kb-serve over HTTP
 * (internal articles' traces: test_internal.c). */
#include "harness.h"
#include "kb.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct harness h = {0, 0};

/* The snippet's text with [ ] around each span (kb.h promises them in
 * order, not overlapping, inside the text). */
static const char *bracketed(const kb_hit *hit, char *buf, size_t n)
{
    const kb_snippet *sn = &hit->snippet;
    size_t at = 0, out = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sn->nspans && out < n; i++) {
        const kb_span *s = &sn->spans[i];
        CHECK(&h, s->off >= at && s->len > 0 && s->off + s->len <= strlen(sn->text));
        out += (size_t)snprintf(buf + out, n - out, "%.*s[%.*s]", (int)(s->off - at),
                                sn->text + at, (int)s->len, sn->text + s->off);
        at = s->off + s->len;
    }
    if (out < n)
        snprintf(buf + out, n - out, "%s", sn->text + at);
    return buf;
}

static void put(kb_index *ix, const char *id, const char *locale, const char *title,
                const char *topic, const char *tag, const kb_unit *units, size_t n,
                int internal)
{
    const char *tags[] = {tag};
    kb_doc d = {
        .id = id, .locale = locale, .title = title, .description = "",
        .topic = topic, .product = "billing", .updated = "2026-01-02",
        .tags = tags, .ntags = tag ? 1 : 0, .internal = internal, .units = units,
        .nunits = n, .record_json = "{}",
    };
    CHECK_INT_EQ(&h, kb_put(ix, &d), KB_OK);
}

static void build(const char *dir)
{
    kb_index *ix;
    CHECK_INT_EQ(&h, kb_open(dir, KB_OPEN_WRITE, &ix), KB_OK);
    CHECK_INT_EQ(&h, kb_begin(ix), KB_OK);
    kb_unit inv[] = {
        {"", "", "Your invoice lists every charge of the month.", 0},
        {"late-fees", "Late fees", "A late fee is added when an invoice is unpaid.", 0},
        {"download", "Download an invoice", "Open Billing and download the invoice PDF.", 0},
    };
    put(ix, "billing/invoice", "en-us", "Understand your invoice", "how-to", "invoices", inv, 3,
        0);
    kb_unit pw[] = {
        {"", "", "Forgot your password? Reset it from the sign in page.", 0},
        {"reset", "Reset a password", "Select Forgot password and follow the email link.", 0},
    };
    put(ix, "sign-in/reset", "en-us", "Reset a password", "troubleshooting", "account", pw, 2,
        0);
    kb_unit secret[] = {{"", "", "Refunds above the zanzibarquota need approval.", 0}};
    put(ix, "internal/refunds", "en-us", "Refund approval", "how-to", NULL, secret, 1, 1);
    kb_unit de[] = {
        {"late-fees", "Säumnisgebühren",
         "Eine Säumnisgebühr wird berechnet, wenn die Rechnung unbezahlt bleibt.", 0},
    };
    put(ix, "billing/invoice", "de-de", "Ihre Rechnung verstehen", "how-to", NULL, de, 1, 0);
    kb_unit ru[] = {{"reset", "Сброс пароля", "Нажмите «Забыли пароль» и следуйте ссылке.", 0}};
    put(ix, "sign-in/reset", "ru-ru", "Сброс пароля", "how-to", NULL, ru, 1, 0);
    kb_unit zh[] = {{"pay", "更新付款方式", "在账单页面中选择付款方式，然后添加 Azure 信用卡。", 0}};
    put(ix, "billing/payment", "zh-cn", "更新付款方式", "how-to", NULL, zh, 1, 0);
    CHECK_INT_EQ(&h, kb_commit(ix), KB_OK);
    kb_close(ix);
}

static kb_results *run(kb_index *ix, const char *text, const char *locale,
                       const kb_synonyms *syn, int internal)
{
    kb_query q = {.text = text, .locale = locale, .default_locale = "en-us", .limit = 10,
                  .include_internal = internal, .synonyms = syn, .facets = 1};
    kb_results *r = NULL;
    CHECK_INT_EQ(&h, kb_search(ix, &q, &r), KB_OK);
    return r;
}

/* The id of hit 0, or "" when there is none. */
static const char *top(const kb_results *r)
{
    const kb_hit *hit = kb_results_get(r, 0);
    return hit ? hit->id : "";
}

static void test_words(kb_index *ix)
{
    /* Question and stop words do not empty a long question... */
    kb_results *r = run(ix, "What should I do when I have forgotten the password for my account?",
                        "en-us", NULL, 0);
    CHECK_STR_EQ(&h, top(r), "sign-in/reset");
    kb_results_free(r);
    /* ...nor a query of nothing else. */
    r = run(ix, "what is the", "en-us", NULL, 0);
    CHECK(&h, kb_results_count(r) >= 1);
    kb_results_free(r);
    /* A capitalised first word is stemmed like any other. */
    r = run(ix, "Invoices", "en-us", NULL, 0);
    CHECK_STR_EQ(&h, top(r), "billing/invoice");
    kb_results_free(r);
    /* Russian inflection. */
    r = run(ix, "сбросить пароли", "ru-ru", NULL, 0);
    CHECK_STR_EQ(&h, top(r), "sign-in/reset");
    kb_results_free(r);
    /* German: a word finds the compounds it ends. */
    r = run(ix, "Gebühr", "de-de", NULL, 0);
    const kb_hit *hit = kb_results_get(r, 0);
    CHECK(&h, hit && strcmp(hit->locale, "de-de") == 0 && strcmp(hit->anchor, "late-fees") == 0);
    kb_results_free(r);
    /* Chinese without spaces, and mixed with Latin words (Xapian's own
     * parser fails on "a 和 b"). */
    r = run(ix, "付款方式", "zh-cn", NULL, 0);
    CHECK_STR_EQ(&h, top(r), "billing/payment");
    kb_results_free(r);
    r = run(ix, "Azure 和 信用卡", "zh-cn", NULL, 0);
    CHECK_STR_EQ(&h, top(r), "billing/payment");
    kb_results_free(r);
    /* Syntax: fields, phrases, exclusion. */
    r = run(ix, "title:password", "en-us", NULL, 0);
    CHECK_STR_EQ(&h, top(r), "sign-in/reset");
    kb_results_free(r);
    r = run(ix, "\"late fee\"", "en-us", NULL, 0);
    CHECK_INT_EQ(&h, kb_results_count(r), 1);
    kb_results_free(r);
    r = run(ix, "invoice password -invoice", "en-us", NULL, 0);
    CHECK_STR_EQ(&h, top(r), "sign-in/reset");
    CHECK_INT_EQ(&h, kb_results_count(r), 1);
    kb_results_free(r);
}

static void test_spelling(kb_index *ix)
{
    /* One typo in a long enough word: suggested, and searched. */
    kb_results *r = run(ix, "reset my pasword", "en-us", NULL, 0);
    CHECK_STR_EQ(&h, kb_results_suggestion(r), "reset my password");
    CHECK_STR_EQ(&h, top(r), "sign-in/reset");
    kb_results_free(r);
    r = run(ix, "pasword", "en-us", NULL, 0);
    CHECK_STR_EQ(&h, top(r), "sign-in/reset");
    kb_results_free(r);
    /* Known words and short words are left alone. */
    r = run(ix, "late fee", "en-us", NULL, 0);
    CHECK(&h, kb_results_suggestion(r) == NULL);
    kb_results_free(r);
    r = run(ix, "pdff", "en-us", NULL, 0);
    CHECK(&h, kb_results_suggestion(r) == NULL);
    kb_results_free(r);
    /* Words of internal articles are never suggested, to anyone. */
    r = run(ix, "zanzibarquote", "en-us", NULL, 0);
    CHECK(&h, kb_results_suggestion(r) == NULL);
    CHECK_INT_EQ(&h, kb_results_count(r), 0);
    kb_results_free(r);
    r = run(ix, "zanzibarquote", "en-us", NULL, 1);
    CHECK(&h, kb_results_suggestion(r) == NULL);
    kb_results_free(r);
    /* A word of another locale is not a correction. */
    r = run(ix, "rechnunk", "en-us", NULL, 0);
    CHECK(&h, kb_results_suggestion(r) == NULL);
    kb_results_free(r);
}

static void test_synonyms(kb_index *ix, const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s.syn.yml", dir);
    const char good[] = "en-us:\n  - [invoice, bill, statement]\n  - [sign in, log in]\n"
                        "ru-ru:\n  - [пароль, код доступа]\n";
    CHECK_INT_EQ(&h, tu_write_file(path, good, sizeof good - 1), 0);
    kb_synonyms *syn = NULL;
    char err[256];
    CHECK_INT_EQ(&h, kb_synonyms_load(path, &syn, err, sizeof err), KB_OK);
    CHECK_INT_EQ(&h, kb_synonyms_groups(syn, "en-us"), 2);
    CHECK_INT_EQ(&h, kb_synonyms_groups(syn, "en-gb"), 2); /* same language */
    CHECK_INT_EQ(&h, kb_synonyms_groups(syn, "zh-cn"), 0);

    kb_results *r = run(ix, "statements", "en-us", syn, 0);
    CHECK_STR_EQ(&h, top(r), "billing/invoice");
    kb_results_free(r);
    r = run(ix, "statements", "en-us", NULL, 0);
    CHECK_INT_EQ(&h, kb_results_count(r), 0);
    kb_results_free(r);
    /* A phrase term: "log in" finds "sign in". */
    r = run(ix, "cannot log in", "en-us", syn, 0);
    CHECK_STR_EQ(&h, top(r), "sign-in/reset");
    kb_results_free(r);
    r = run(ix, "код доступа", "ru-ru", syn, 0);
    CHECK_STR_EQ(&h, top(r), "sign-in/reset");
    kb_results_free(r);

    /* A reference outlives the caller's own. */
    kb_synonyms *again = kb_synonyms_ref(syn);
    kb_synonyms_free(syn);
    CHECK_INT_EQ(&h, kb_synonyms_groups(again, "en-us"), 2);
    kb_synonyms_free(again);
    kb_synonyms_free(NULL);

    /* Mistakes are reported with their line. */
    const char lonely[] = "en-us:\n  - [invoice, bill]\n  - [alone]\n";
    CHECK_INT_EQ(&h, tu_write_file(path, lonely, sizeof lonely - 1), 0);
    CHECK(&h, kb_synonyms_load(path, &syn, err, sizeof err) != KB_OK && syn == NULL);
    CHECK_CONTAINS(&h, err, ":3: a group needs at least two terms");
    const char flat[] = "- [invoice, bill]\n";
    CHECK_INT_EQ(&h, tu_write_file(path, flat, sizeof flat - 1), 0);
    CHECK(&h, kb_synonyms_load(path, &syn, err, sizeof err) != KB_OK);
    CHECK_CONTAINS(&h, err, ":1: expected locales");
    const char broken[] = "en-us:\n  - [invoice, bill\n";
    CHECK_INT_EQ(&h, tu_write_file(path, broken, sizeof broken - 1), 0);
    CHECK(&h, kb_synonyms_load(path, &syn, err, sizeof err) != KB_OK);
    CHECK_CONTAINS(&h, err, path);
    unlink(path);
}

static void test_facets(kb_index *ix)
{
    /* Three units of one article match: counted once. */
    kb_results *r = run(ix, "invoice password", "en-us", NULL, 0);
    const kb_facet *f;
    size_t n = kb_results_facets(r, KB_FACET_TOPIC, &f);
    CHECK_INT_EQ(&h, n, 2);
    for (size_t i = 0; i < n; i++)
        CHECK_INT_EQ(&h, f[i].count, 1);
    n = kb_results_facets(r, KB_FACET_LOCALE, &f);
    CHECK_INT_EQ(&h, n, 1);
    if (n)
        CHECK_INT_EQ(&h, f[0].count, 2);
    n = kb_results_facets(r, KB_FACET_PRODUCT, &f);
    CHECK(&h, n == 1 && strcmp(f[0].value, "billing") == 0);
    kb_results_free(r);

    /* Tag filter. */
    kb_query q = {.text = "invoice password", .default_locale = "en-us", .limit = 10,
                  .tag = "account"};
    CHECK_INT_EQ(&h, kb_search(ix, &q, &r), KB_OK);
    CHECK_INT_EQ(&h, kb_results_count(r), 1);
    CHECK_STR_EQ(&h, top(r), "sign-in/reset");
    kb_results_free(r);
}

static kb_results *run_cached(kb_index *ix, kb_cache *c, const char *text, int internal)
{
    kb_query q = {.text = text, .locale = "en-us", .default_locale = "en-us", .limit = 10,
                  .include_internal = internal, .cache = c};
    kb_results *r = NULL;
    CHECK_INT_EQ(&h, kb_search(ix, &q, &r), KB_OK);
    return r;
}

static int attachments_freed;

static void free_counted(void *p)
{
    attachments_freed++;
    free(p);
}

/* The result cache: a repeated search is served from it, the options
 * that change results (internal articles, paging) are separate
 * entries, and a commit makes the next search run again. */
static void test_cache(const char *dir)
{
    kb_cache *c = kb_cache_new(1 << 20);
    kb_index *ix;
    CHECK_INT_EQ(&h, kb_open(dir, KB_OPEN_READ, &ix), KB_OK);
    kb_results *a = run_cached(ix, c, "invoice charge", 0);
    kb_results *b = run_cached(ix, c, "invoice charge", 0);
    kb_cache_stats st;
    kb_cache_get_stats(c, &st);
    CHECK_INT_EQ(&h, st.hits, 1);
    CHECK_INT_EQ(&h, st.misses, 1);
    CHECK_INT_EQ(&h, st.entries, 1);
    CHECK(&h, a == b); /* the same read-only results */
    CHECK_STR_EQ(&h, top(b), "billing/invoice");
    /* What one caller keeps with shared results, the next one finds;
     * the first attachment stays, counts in the cache's bytes, and is
     * freed with the results. */
    CHECK(&h, kb_results_attachment(a) == NULL);
    size_t bytes = st.bytes;
    char *one = strdup("[1]"), *two = strdup("[2]");
    CHECK(&h, kb_results_attach(a, one, 1000, free_counted) == one);
    CHECK(&h, kb_results_attach(b, two, 1000, free_counted) == one);
    free(two); /* not taken: still the caller's */
    CHECK(&h, kb_results_attachment(b) == one);
    kb_cache_get_stats(c, &st);
    CHECK_INT_EQ(&h, st.bytes, bytes + 1000);
    kb_results_free(a);
    /* An agent's search is its own entry. */
    kb_results *agent = run_cached(ix, c, "invoice charge", 1);
    CHECK(&h, agent != b);
    kb_results_free(agent);
    kb_cache_get_stats(c, &st);
    CHECK_INT_EQ(&h, st.misses, 2);

    /* A commit by the writer: the next search sees the new revision. */
    kb_index *w;
    CHECK_INT_EQ(&h, kb_open(dir, KB_OPEN_WRITE, &w), KB_OK);
    CHECK_INT_EQ(&h, kb_begin(w), KB_OK);
    kb_unit u[] = {{"", "", "Invoice charge disputes: open a case within 30 days.", 0}};
    put(w, "billing/disputes", "en-us", "Invoice charge disputes", "how-to", NULL, u, 1, 0);
    kb_unit markup[] = {{"", "", "Type <script>alert('x')</script> & \"quoted\" zebrafish "
                                 "headings in the editor.", 0}};
    put(w, "tips/markup", "en-us", "Markup tips", "how-to", NULL, markup, 1, 0);
    CHECK_INT_EQ(&h, kb_commit(w), KB_OK);
    kb_close(w);

    /* Snippets: the text as written (the caller escapes it), matches
     * as spans, stems found. */
    char buf[512];
    kb_results *m = run_cached(ix, c, "zebrafish heading script", 0);
    const kb_hit *hit = kb_results_get(m, 0);
    CHECK(&h, hit != NULL);
    if (hit)
        CHECK_STR_EQ(&h, bracketed(hit, buf, sizeof buf),
                     "Type <[script]>alert('x')</[script]> & \"quoted\" [zebrafish] [headings] "
                     "in the editor.");
    kb_results_free(m);
    m = run(ix, "付款方式", "zh-cn", NULL, 0);
    hit = kb_results_get(m, 0);
    CHECK(&h, hit != NULL);
    if (hit)
        CHECK_CONTAINS(&h, bracketed(hit, buf, sizeof buf), "[付款方式]");
    kb_results_free(m);

    kb_results *fresh = run_cached(ix, c, "invoice charge", 0);
    CHECK(&h, fresh != b);
    CHECK_STR_EQ(&h, top(fresh), "billing/disputes");
    /* The entries of the old revision went when the new one came. */
    kb_cache_get_stats(c, &st);
    CHECK_INT_EQ(&h, st.entries, 2);
    kb_results_free(fresh);
    /* Results outlive the cache that held them. */
    kb_cache_free(c);
    CHECK_STR_EQ(&h, top(b), "billing/invoice");
    CHECK_INT_EQ(&h, attachments_freed, 0);
    kb_results_free(b);
    CHECK_INT_EQ(&h, attachments_freed, 1);

    /* A tiny cache keeps nothing, and still answers. */
    c = kb_cache_new(64);
    kb_results *r = run_cached(ix, c, "invoice", 0);
    CHECK(&h, kb_results_count(r) >= 1);
    kb_results_free(r);
    kb_cache_get_stats(c, &st);
    CHECK_INT_EQ(&h, st.entries, 0);
    kb_cache_free(c);
    kb_close(ix);

    CHECK_INT_EQ(&h, kb_open(dir, KB_OPEN_WRITE, &w), KB_OK);
    CHECK_INT_EQ(&h, kb_begin(w), KB_OK);
    CHECK_INT_EQ(&h, kb_delete(w, "en-us", "billing/disputes"), KB_OK);
    CHECK_INT_EQ(&h, kb_delete(w, "en-us", "tips/markup"), KB_OK);
    CHECK_INT_EQ(&h, kb_commit(w), KB_OK);
    kb_close(w);
}

/* Deleting or replacing an article takes its words out of the spelling
 * table; making it internal too. */
static void test_spelling_follows_changes(const char *dir)
{
    kb_index *w;
    CHECK_INT_EQ(&h, kb_open(dir, KB_OPEN_WRITE, &w), KB_OK);
    CHECK_INT_EQ(&h, kb_begin(w), KB_OK);
    kb_unit inv[] = {{"", "", "Your bill lists every charge.", 0}};
    put(w, "billing/invoice", "en-us", "Understand your bill", "how-to", NULL, inv, 1, 1);
    CHECK_INT_EQ(&h, kb_delete(w, "en-us", "sign-in/reset"), KB_OK);
    CHECK_INT_EQ(&h, kb_commit(w), KB_OK);
    kb_close(w);
    kb_index *ix;
    CHECK_INT_EQ(&h, kb_open(dir, KB_OPEN_READ, &ix), KB_OK);
    kb_results *r = run(ix, "pasword", "en-us", NULL, 0);
    CHECK(&h, kb_results_suggestion(r) == NULL);
    kb_results_free(r);
    r = run(ix, "invoise", "en-us", NULL, 0);
    CHECK(&h, kb_results_suggestion(r) == NULL);
    kb_results_free(r);
    kb_close(ix);
}

/* kb-serve --synonyms: the file is read again when it changes. */
static void test_http(const char *content)
{
    char index[512], syn[600], db[600];
    CHECK_INT_EQ(&h, tu_mkdtemp(index, sizeof index, "sq-index"), 0);
    snprintf(syn, sizeof syn, "%s/synonyms.yml", index);
    snprintf(db, sizeof db, "%s/service.db", index);
    char ixdir[600];
    snprintf(ixdir, sizeof ixdir, "%s/ix", index);
    char *argv[] = {KB_INDEX_BIN, "--content", (char *)content, "--index", ixdir, "--quiet",
                    NULL};
    char *err = NULL;
    CHECK_INT_EQ(&h, tu_run(argv, NULL, &err), 0);
    free(err);
    const char one[] = "en-us:\n  - [invoice, bill]\n";
    CHECK_INT_EQ(&h, tu_write_file(syn, one, sizeof one - 1), 0);
    struct tu_server srv;
    char *extra[] = {"--synonyms", syn, "--db", db, NULL};
    if (tu_server_start(&srv, ixdir, extra) != 0) {
        CHECK(&h, 0);
        tu_rmrf(index);
        return;
    }
    long st;
    json_t *j = tu_get_json(&srv, "/api/search?q=statement", &st);
    CHECK_INT_EQ(&h, st, 200);
    CHECK_INT_EQ(&h, json_array_size(json_object_get(j, "hits")), 0);
    json_decref(j);
    j = tu_get_json(&srv, "/api/search?q=bill", &st);
    CHECK_STR_EQ(&h,
                 json_string_value(json_object_get(json_array_get(json_object_get(j, "hits"), 0),
                                                   "id")),
                 "billing/invoices");
    /* Facets per article, and no suggestion for known words. */
    json_t *facets = json_object_get(j, "facets");
    CHECK(&h, json_is_object(json_object_get(facets, "topic")));
    CHECK(&h, json_integer_value(json_object_get(json_object_get(facets, "locale"), "en-us")) >=
                  1);
    CHECK(&h, json_is_null(json_object_get(j, "suggestion")));
    json_decref(j);

    /* Edit the file (the check runs at most once a second). */
    const char two[] = "en-us:\n  - [invoice, bill, statement]\n";
    struct timespec pause = {1, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
    CHECK_INT_EQ(&h, tu_write_file(syn, two, sizeof two - 1), 0);
    j = tu_get_json(&srv, "/api/search?q=statement", &st);
    CHECK_INT_EQ(&h, json_array_size(json_object_get(j, "hits")) >= 1, 1);
    json_decref(j);
    /* A broken edit keeps the last good groups. */
    nanosleep(&pause, NULL);
    CHECK_INT_EQ(&h, tu_write_file(syn, "en-us: [", 8), 0);
    j = tu_get_json(&srv, "/api/search?q=statement", &st);
    CHECK_INT_EQ(&h, json_array_size(json_object_get(j, "hits")) >= 1, 1);
    json_decref(j);

    /* Spelling over HTTP, and the tag filter. */
    j = tu_get_json(&srv, "/api/search?q=pasword", &st);
    CHECK_STR_EQ(&h, json_string_value(json_object_get(j, "suggestion")), "password");
    json_decref(j);
    j = tu_get_json(&srv, "/api/search?q=invoice&tag=nosuchtag", &st);
    CHECK_INT_EQ(&h, json_array_size(json_object_get(j, "hits")), 0);
    json_decref(j);
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
    tu_rmrf(index);
}

int main(void)
{
    char dir[256];
    CHECK_INT_EQ(&h, tu_mkdtemp(dir, sizeof dir, "sq"), 0);
    build(dir);
    kb_index *ix;
    CHECK_INT_EQ(&h, kb_open(dir, KB_OPEN_READ, &ix), KB_OK);
    test_words(ix);
    test_spelling(ix);
    test_synonyms(ix, dir);
    test_facets(ix);
    kb_results *r = run(ix, "invoise", "en-us", NULL, 0);
    CHECK_STR_EQ(&h, kb_results_suggestion(r), "invoice");
    kb_results_free(r);
    kb_close(ix);
    test_cache(dir);
    test_spelling_follows_changes(dir);
    tu_rmrf(dir);
    test_http(KB_SOURCE_DIR "/tests/data/kb");
    TEST_MAIN_END(&h);
}
