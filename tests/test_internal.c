/* test_internal.c -- internal articles leave no trace in anonymous
 * answers: their words (spelling, compounds, prefixes), their locales
 * and their translations.  Through kb.h, plus kb-serve over HTTP. */
#include "harness.h"
#include "kb.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct harness h = {0, 0};

/* The id of the first hit, or "" when there is none. */
static const char *top(const kb_results *r)
{
    const kb_hit *hit = kb_results_get(r, 0);
    return hit ? hit->id : "";
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
    test_internal();
    TEST_MAIN_END(&h);
}
