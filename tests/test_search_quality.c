/* test_search_quality.c -- the search-quality features: stop and
 * question words, spelling suggestions (never from internal articles),
 * synonyms (and their reload in kb-serve), facets per article, the tag
 * filter, German compounds, Russian inflection, mixed CJK/Latin text
 * and the query syntax; internal articles leave no trace in anonymous
 * answers (words, locales, translations).  Through kb.h, plus kb-serve
 * over HTTP. */
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

/* ---- Internal articles leave no trace in anonymous answers ---------- */

/* A content tree with public articles, an internal one with words of its
 * own ("pocket", "zorblaxity"), an internal-only locale (de-de), an
 * internal translation of a public article (ru-ru), and in de-at an
 * internal compound ("Kundenproblem") longer than a public word
 * ("Problem").  Indexed by the real kb-index. */
static const struct {
    const char *path, *text;
} internal_tree[] = {
    {"en-us/billing/statements.md",
     "---\ntitle: Monthly ledger statements\ntopic: how-to\n---\n"
     "Your ledger statement lists every charge of the month.\n\n"
     "## Download\n\nDownload the statement as a PDF file.\n"},
    {"en-us/billing/packet.md",
     "---\ntitle: Welcome packet\ntopic: how-to\n---\n"
     "The welcome packet explains the ledger and your first invoice.\n"},
    {"en-us/cards/damage.md",
     "---\ntitle: Damaged cards\ntopic: troubleshooting\n---\n"
     "A pockmark on the chip means the card was damaged; order a new one.\n"},
    {"en-us/internal/pocket.md",
     "---\ntitle: Pocket refunds\ntopic: how-to\naudience: internal\n---\n"
     "Pocket refunds go through the pocket desk. Quote the zorblaxity code.\n"},
    {"de-de/internal/kulanz.md",
     "---\ntitle: Kulanzregeln\ntopic: how-to\naudience: internal\n---\n"
     "Kulanz für Großkunden: der Ledger wird von Hand berichtigt.\n"},
    {"ru-ru/billing/statements.md",
     "---\ntitle: Ежемесячные выписки Ledger\ntopic: how-to\naudience: internal\n---\n"
     "Выписка Ledger содержит все платежи за месяц.\n"},
    {"ru-ru/sign-in/reset.md",
     "---\ntitle: Сброс пароля\ntopic: how-to\n---\n"
     "Нажмите «Забыли пароль» и следуйте ссылке.\n"},
    {"de-at/support/probleme.md",
     "---\ntitle: Hilfe anfordern\ntopic: how-to\n---\n"
     "Melden Sie jedes Problem dem Support.\n"},
    {"de-at/internal/kunden.md",
     "---\ntitle: Eskalation\ntopic: how-to\naudience: internal\n---\n"
     "Ein Kundenproblem wird intern eskaliert.\n"},
};

static int build_internal_tree(const char *root, char *content, size_t clen, char *index,
                               size_t ilen)
{
    snprintf(content, clen, "%s/content", root);
    snprintf(index, ilen, "%s/index", root);
    for (size_t i = 0; i < sizeof internal_tree / sizeof internal_tree[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", content, internal_tree[i].path);
        if (tu_write_file(path, internal_tree[i].text, strlen(internal_tree[i].text)) != 0)
            return -1;
    }
    char *argv[] = {KB_INDEX_BIN, "--content", content, "--index", index, "--quiet", NULL};
    char *err = NULL;
    int st = tu_run(argv, NULL, &err);
    if (st != 0)
        fprintf(stderr, "kb-index: %s\n", err ? err : "");
    free(err);
    return st == 0 ? 0 : -1;
}

static kb_results *search_as(kb_index *ix, const char *text, const char *locale, int internal,
                             int prefix)
{
    kb_query q = {.text = text, .locale = locale, .default_locale = "en-us", .limit = 10,
                  .include_internal = internal, .prefix_last = prefix, .facets = 1};
    kb_results *r = NULL;
    CHECK_INT_EQ(&h, kb_search(ix, &q, &r), KB_OK);
    return r;
}

/* The hit with this id, or NULL. */
static const kb_hit *hit_of(const kb_results *r, const char *id)
{
    for (size_t i = 0; i < kb_results_count(r); i++)
        if (strcmp(kb_results_get(r, i)->id, id) == 0)
            return kb_results_get(r, i);
    return NULL;
}

static int any_internal(const kb_results *r)
{
    for (size_t i = 0; i < kb_results_count(r); i++)
        if (kb_results_get(r, i)->internal)
            return 1;
    return 0;
}

static unsigned long facet_count(const kb_results *r, kb_facet_field f, const char *value)
{
    const kb_facet *v;
    size_t n = kb_results_facets(r, f, &v);
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].value, value) == 0)
            return v[i].count;
    return 0;
}

/* Hole 1: words.  A word only an internal article has is, for an
 * anonymous reader, an unknown word like any other: corrected to a public
 * word when one is near, never searched as typed; compound heads and
 * partial words expand over public words only.  Staff know the word. */
static void test_internal_words(kb_index *ix)
{
    /* "pocket" (internal only) is corrected exactly as "pucket" (in no
     * article) is. */
    kb_results *r = search_as(ix, "pocket", "en-us", 0, 0);
    kb_results *unknown = search_as(ix, "pucket", "en-us", 0, 0);
    CHECK_STR_EQ(&h, kb_results_suggestion(unknown), "packet");
    CHECK_STR_EQ(&h, kb_results_suggestion(r), "packet");
    CHECK_STR_EQ(&h, top(r), "billing/packet");
    CHECK_INT_EQ(&h, kb_results_total(r), kb_results_total(unknown));
    CHECK(&h, !any_internal(r));
    kb_results_free(unknown);
    kb_results_free(r);
    /* The same in a sentence: the public word still is searched. */
    r = search_as(ix, "refund pocket", "en-us", 0, 0);
    CHECK_STR_EQ(&h, kb_results_suggestion(r), "refund packet");
    CHECK(&h, !any_internal(r));
    kb_results_free(r);
    /* No public word near: no suggestion and no hit, as for any word. */
    r = search_as(ix, "zorblaxity", "en-us", 0, 0);
    CHECK(&h, kb_results_suggestion(r) == NULL);
    CHECK_INT_EQ(&h, kb_results_count(r), 0);
    kb_results_free(r);
    /* Staff: known words, searched as typed. */
    r = search_as(ix, "pocket", "en-us", 1, 0);
    CHECK(&h, kb_results_suggestion(r) == NULL);
    CHECK_STR_EQ(&h, top(r), "internal/pocket");
    CHECK(&h, kb_results_count(r) >= 1 && kb_results_get(r, 0)->internal);
    kb_results_free(r);
    r = search_as(ix, "zorblaxity", "en-us", 1, 0);
    CHECK(&h, kb_results_suggestion(r) == NULL);
    CHECK_STR_EQ(&h, top(r), "internal/pocket");
    kb_results_free(r);

    /* German compound heads: the longest ending that is a public word
     * ("Problem"), not the internal "Kundenproblem". */
    r = search_as(ix, "Großkundenproblem", "de-at", 0, 0);
    CHECK_STR_EQ(&h, top(r), "support/probleme");
    CHECK(&h, !any_internal(r));
    kb_results_free(r);
    r = search_as(ix, "Großkundenproblem", "de-at", 1, 0);
    CHECK_STR_EQ(&h, top(r), "internal/kunden");
    kb_results_free(r);

    /* As you type: "pock" completes to the public "pockmark" only, so
     * the hit weighs what "pockm" gives it (the internal "pocket" used
     * to join the synonym and lower it). */
    r = search_as(ix, "pock", "en-us", 0, 1);
    kb_results *longer = search_as(ix, "pockm", "en-us", 0, 1);
    CHECK_INT_EQ(&h, kb_results_count(r), 1);
    CHECK_STR_EQ(&h, top(r), "cards/damage");
    CHECK_STR_EQ(&h, top(longer), "cards/damage");
    if (kb_results_count(r) && kb_results_count(longer)) {
        double a = kb_results_get(r, 0)->score, b = kb_results_get(longer, 0)->score;
        if (a != b)
            fprintf(stderr, "score of \"pock\" %.9g, of \"pockm\" %.9g\n", a, b);
        CHECK(&h, a == b);
    }
    kb_results_free(longer);
    kb_results_free(r);
    /* Staff complete to both. */
    r = search_as(ix, "pock", "en-us", 1, 1);
    CHECK_INT_EQ(&h, kb_results_count(r), 2);
    CHECK(&h, hit_of(r, "internal/pocket") && hit_of(r, "cards/damage"));
    kb_results_free(r);
    /* After query syntax too. */
    r = search_as(ix, "+pock", "en-us", 0, 1);
    CHECK_STR_EQ(&h, top(r), "cards/damage");
    CHECK_INT_EQ(&h, kb_results_count(r), 1);
    kb_results_free(r);
    r = search_as(ix, "title:pock", "en-us", 1, 1);
    CHECK_STR_EQ(&h, top(r), "internal/pocket");
    kb_results_free(r);
    r = search_as(ix, "title:pock", "en-us", 0, 1);
    CHECK_INT_EQ(&h, kb_results_count(r), 0);
    kb_results_free(r);
}

/* Hole 2: locales.  An internal-only locale has no content and an
 * internal translation does not exist, for an anonymous reader: the
 * answer comes in the default locale, with every article of it. */
static void test_internal_locales(kb_index *ix)
{
    /* de-de has internal articles only. */
    kb_results *r = search_as(ix, "ledger", "de-de", 0, 0);
    CHECK_STR_EQ(&h, kb_results_locale(r), "en-us");
    CHECK_INT_EQ(&h, kb_results_total(r), 2);
    CHECK(&h, !any_internal(r));
    CHECK_INT_EQ(&h, facet_count(r, KB_FACET_LOCALE, "de-de"), 0);
    kb_results_free(r);
    r = search_as(ix, "ledger", "de-de", 1, 0);
    CHECK_STR_EQ(&h, kb_results_locale(r), "de-de");
    CHECK_INT_EQ(&h, kb_results_total(r), 3);
    CHECK(&h, hit_of(r, "internal/kulanz") != NULL);
    kb_results_free(r);

    /* ru-ru has a public article, and an internal translation of
     * billing/statements: anonymous readers get the en-us original. */
    r = search_as(ix, "ledger", "ru-ru", 0, 0);
    CHECK_STR_EQ(&h, kb_results_locale(r), "ru-ru");
    CHECK_INT_EQ(&h, kb_results_total(r), 2);
    CHECK_INT_EQ(&h, kb_results_count(r), 2);
    const kb_hit *hit = hit_of(r, "billing/statements");
    CHECK(&h, hit && strcmp(hit->locale, "en-us") == 0 && !hit->internal);
    CHECK(&h, hit_of(r, "billing/packet") != NULL);
    CHECK_INT_EQ(&h, facet_count(r, KB_FACET_LOCALE, "en-us"), 2);
    CHECK_INT_EQ(&h, facet_count(r, KB_FACET_LOCALE, "ru-ru"), 0);
    kb_results_free(r);
    /* Staff get the translation instead of the original. */
    r = search_as(ix, "ledger", "ru-ru", 1, 0);
    CHECK_INT_EQ(&h, kb_results_total(r), 2);
    hit = hit_of(r, "billing/statements");
    CHECK(&h, hit && strcmp(hit->locale, "ru-ru") == 0 && hit->internal);
    kb_results_free(r);

    /* The article's locales and record follow the same rule. */
    char *locs[8];
    size_t n = 0;
    CHECK_INT_EQ(&h, kb_article_locales(ix, "billing/statements", 0, locs, 8, &n), KB_OK);
    CHECK_INT_EQ(&h, n, 1);
    if (n >= 1)
        CHECK_STR_EQ(&h, locs[0], "en-us");
    for (size_t i = 0; i < n; i++)
        free(locs[i]);
    CHECK_INT_EQ(&h, kb_article_locales(ix, "billing/statements", 1, locs, 8, &n), KB_OK);
    CHECK_INT_EQ(&h, n, 2);
    for (size_t i = 0; i < n; i++)
        free(locs[i]);
    char *json = NULL;
    CHECK_INT_EQ(&h, kb_article_get(ix, "billing/statements", "ru-ru", "en-us", 0, &json), KB_OK);
    CHECK_CONTAINS(&h, json, "\"locale\":\"en-us\"");
    free(json);
}

/* The same through kb-serve: anonymous requests against an agent's. */
static void test_internal_http(const char *root, const char *index)
{
    char db[1024], auth[160];
    snprintf(db, sizeof db, "%s/service.db", root);
    char *token = tu_make_user(db, "agent1", "agent");
    CHECK(&h, token != NULL);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token ? token : "");
    free(token);
    struct tu_server srv;
    char *extra[] = {"--db", db, NULL};
    if (tu_server_start(&srv, index, extra) != 0) {
        CHECK(&h, 0);
        return;
    }
    const char *agent[] = {auth, NULL};
    static const struct {
        const char *path;
        int staff;
        const char *locale, *suggestion, *first; /* NULL: not checked */
        long total;                              /* -1: not checked */
    } want[] = {
        {"/api/search?q=pocket", 0, "en-us", "packet", "billing/packet", -1},
        {"/api/search?q=pocket", 1, "en-us", "", "internal/pocket", -1},
        {"/api/search?q=ledger&locale=de-de", 0, "en-us", "", NULL, 2},
        {"/api/search?q=ledger&locale=de-de", 1, "de-de", "", NULL, 3},
        {"/api/search?q=ledger&locale=ru-ru", 0, "ru-ru", "", NULL, 2},
        {"/api/search?q=ledger&locale=ru-ru", 1, "ru-ru", "", NULL, 2},
        {"/api/suggest?q=pock", 0, NULL, NULL, "cards/damage", 1},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        struct tu_response resp;
        CHECK_INT_EQ(&h, tu_http_h(&srv, "GET", want[i].path, NULL, NULL,
                                   want[i].staff ? agent : NULL, &resp),
                     0);
        CHECK_INT_EQ(&h, resp.status, 200);
        json_t *j = json_loads(resp.body ? resp.body : "", 0, NULL);
        tu_response_free(&resp);
        CHECK(&h, j != NULL);
        if (!j)
            continue;
        int failed = h.failed;
        if (want[i].locale)
            CHECK_STR_EQ(&h, json_string_value(json_object_get(j, "locale")), want[i].locale);
        if (want[i].suggestion) {
            json_t *sg = json_object_get(j, "suggestion");
            CHECK_STR_EQ(&h, json_is_null(sg) ? "" : json_string_value(sg),
                         want[i].suggestion);
        }
        json_t *hits = json_object_get(j, "hits");
        if (want[i].first)
            CHECK_STR_EQ(&h, json_string_value(json_object_get(json_array_get(hits, 0), "id")),
                         want[i].first);
        if (want[i].total >= 0)
            CHECK_INT_EQ(&h, json_integer_value(json_object_get(j, "total")), want[i].total);
        for (size_t k = 0; !want[i].staff && k < json_array_size(hits); k++)
            CHECK(&h, !json_is_true(json_object_get(json_array_get(hits, k), "internal")));
        if (h.failed != failed)
            fprintf(stderr, "  (in GET %s%s)\n", want[i].path, want[i].staff ? " as an agent" : "");
        json_decref(j);
    }
    long st;
    json_t *j = tu_get_json(&srv, "/api/articles/billing/statements?locale=ru-ru", &st);
    CHECK_INT_EQ(&h, st, 200);
    CHECK_STR_EQ(&h, json_string_value(json_object_get(j, "locale")), "en-us");
    CHECK_INT_EQ(&h, json_array_size(json_object_get(j, "locales")), 1);
    json_decref(j);
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
}

static void test_internal(void)
{
    char root[256], content[512], index[512];
    CHECK_INT_EQ(&h, tu_mkdtemp(root, sizeof root, "sq-internal"), 0);
    if (build_internal_tree(root, content, sizeof content, index, sizeof index) != 0) {
        CHECK(&h, 0);
        tu_rmrf(root);
        return;
    }
    kb_index *ix;
    CHECK_INT_EQ(&h, kb_open(index, KB_OPEN_READ, &ix), KB_OK);
    test_internal_words(ix);
    test_internal_locales(ix);
    kb_close(ix);
    test_internal_http(root, index);
    tu_rmrf(root);
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
    test_internal();
    TEST_MAIN_END(&h);
}
