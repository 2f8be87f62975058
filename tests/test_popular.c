/* test_popular.c -- the popular-articles list and the events it is
 * made of, on a real kb-serve over tests/data/kb:
 *   - POST /api/events refuses articles and locales the index does not
 *     have (400 invalid_fields naming the field);
 *   - a made-up ?locale= gets the default locale's page and list, and a
 *     flood of them makes no new lists and no new counts of the events
 *     (GET /healthz "popular": locales, refreshes);
 *   - the background thread brings posted views into the list, and a
 *     new index revision with a new locale into the lists.
 * Nothing here is judged by the clock: the waits poll /healthz with a
 * generous deadline. */
#include "harness.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The locales of tests/data/kb with public articles. */
#define REAL_LOCALES 4

static struct harness h = {0, 0};
static struct tu_server srv;

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* POSTs a JSON body to path; returns the status, *reply the parsed
 * answer (caller json_decref()s) when reply is not NULL. */
static long post(const char *path, const char *body, json_t **reply)
{
    struct tu_response r;
    if (tu_http(&srv, "POST", path, body, "application/json", &r) != 0) {
        if (reply)
            *reply = NULL;
        return 0;
    }
    if (reply)
        *reply = json_loads(r.body ? r.body : "", 0, NULL);
    long st = r.status;
    tu_response_free(&r);
    return st;
}

/* The event is refused with 400 invalid_fields naming field. */
static void refused(const char *body, const char *field)
{
    json_t *j = NULL;
    long st = post("/api/events", body, &j);
    if (st != 400)
        fprintf(stderr, "POST /api/events %s -> %ld, want 400\n", body, st);
    CHECK_INT_EQ(&h, st, 400);
    CHECK_STR_EQ(&h, jstr(j, "error"), "invalid_fields");
    CHECK(&h, json_object_get(json_object_get(j, "fields"), field) != NULL);
    json_decref(j);
}

static void accepted(const char *path, const char *body)
{
    long st = post(path, body, NULL);
    if (st != 201)
        fprintf(stderr, "POST %s %s -> %ld, want 201\n", path, body, st);
    CHECK_INT_EQ(&h, st, 201);
}

static void test_events(void)
{
    /* Articles that are not in the index, for every event type that
     * carries one. */
    refused("{\"type\":\"view\",\"article\":\"no/such-article\"}", "article");
    refused("{\"type\":\"click\",\"query\":\"late fee\",\"article\":\"billing/no-such\","
            "\"rank\":1}",
            "article");
    refused("{\"type\":\"deflect\",\"article\":\"no/such-article\"}", "article");
    refused("{\"type\":\"view\",\"article\":\"no/such-article\",\"locale\":\"en-us\"}",
            "article");
    /* Internal articles do not exist for anonymous clients. */
    refused("{\"type\":\"view\",\"article\":\"internal/escalation\"}", "article");
    /* Locales that are well formed but not in the index. */
    refused("{\"type\":\"view\",\"article\":\"billing/invoices\",\"locale\":\"ab-cdef\"}",
            "locale");
    refused("{\"type\":\"click\",\"query\":\"late fee\",\"article\":\"billing/invoices\","
            "\"locale\":\"fr-fr\"}",
            "locale");
    refused("{\"type\":\"case_form\",\"locale\":\"xx-yy\"}", "locale");
    refused("{\"type\":\"deflect\",\"source\":\"case_form\",\"locale\":\"qq\"}", "locale");
    CHECK_INT_EQ(&h,
                 post("/api/feedback",
                      "{\"article\":\"billing/invoices\",\"locale\":\"ab-cdef\",\"helpful\":true}",
                      NULL),
                 400);
    /* Both wrong: both named. */
    json_t *j = NULL;
    CHECK_INT_EQ(&h,
                 post("/api/events",
                      "{\"type\":\"view\",\"article\":\"no/such\",\"locale\":\"ab-cdef\"}", &j),
                 400);
    CHECK(&h, json_object_get(json_object_get(j, "fields"), "article") != NULL);
    CHECK(&h, json_object_get(json_object_get(j, "fields"), "locale") != NULL);
    json_decref(j);

    /* Real ones. */
    accepted("/api/events", "{\"type\":\"view\",\"article\":\"billing/invoices\"}");
    accepted("/api/events",
             "{\"type\":\"view\",\"article\":\"billing/invoices\",\"locale\":\"de-de\"}");
    accepted("/api/events", "{\"type\":\"click\",\"query\":\"password\","
                            "\"article\":\"sign-in/reset\",\"locale\":\"ru-RU\",\"rank\":1}");
    /* An article counts when it exists in some locale. */
    accepted("/api/events", "{\"type\":\"click\",\"query\":\"faq\","
                            "\"article\":\"faq/billing-faq\",\"locale\":\"zh-cn\"}");
    accepted("/api/events", "{\"type\":\"deflect\",\"article\":\"sign-in/reset\"}");
    accepted("/api/events", "{\"type\":\"deflect\",\"source\":\"case_form\"}");
    accepted("/api/events", "{\"type\":\"case_form\",\"locale\":\"zh-cn\"}");
    accepted("/api/feedback",
             "{\"article\":\"billing/invoices\",\"locale\":\"en-us\",\"helpful\":true}");
}

struct popular {
    long long locales, revision, refreshes, index_revision;
};

/* GET /healthz's "popular"; 0, or -1 when it has none. */
static int popular_stats(struct popular *p)
{
    long st;
    json_t *j = tu_get_json(&srv, "/healthz", &st);
    json_t *pop = json_object_get(j, "popular");
    int rc = st == 200 && json_is_object(pop) ? 0 : -1;
    p->locales = json_integer_value(json_object_get(pop, "locales"));
    p->revision = json_integer_value(json_object_get(pop, "revision"));
    p->refreshes = json_integer_value(json_object_get(pop, "refreshes"));
    p->index_revision = json_integer_value(json_object_get(j, "revision"));
    json_decref(j);
    return rc;
}

/* Waits until the lists were made from the events at least min times
 * and from the index revision the server reads, with locales locales
 * (0: any).  0, or -1 after 60 s. */
static int wait_lists(long long min, long long locales, struct popular *p)
{
    double deadline = tu_now() + 60;
    while (tu_now() < deadline) {
        if (popular_stats(p) != 0)
            return -1;
        if (p->refreshes >= min && p->revision == p->index_revision &&
            (!locales || p->locales == locales))
            return 0;
        tu_sleep(0.05);
    }
    fprintf(stderr, "popular lists: refreshes %lld (want %lld), revision %lld of %lld, "
                    "locales %lld (want %lld)\n",
            p->refreshes, min, p->revision, p->index_revision, p->locales, locales);
    return -1;
}

static char *page(const char *path)
{
    struct tu_response r;
    CHECK_INT_EQ(&h, tu_http(&srv, "GET", path, NULL, NULL, &r), 0);
    if (r.status != 200)
        fprintf(stderr, "GET %s -> %ld, want 200\n", path, r.status);
    CHECK_INT_EQ(&h, r.status, 200);
    free(r.headers);
    return r.body;
}

/* The href of the first popular article on a page, in buf ("" when
 * the list is empty). */
static const char *first_popular(const char *html, char *buf, size_t len)
{
    buf[0] = '\0';
    const char *list = html ? strstr(html, "class=\"link-list\"") : NULL;
    const char *a = list ? strstr(list, "<li><a href=\"") : NULL;
    const char *end = list ? strstr(list, "</ul>") : NULL;
    if (!a || (end && a > end))
        return buf;
    a += strlen("<li><a href=\"");
    const char *q = strchr(a, '"');
    if (q)
        snprintf(buf, len, "%.*s", (int)(q - a), a);
    return buf;
}

static void test_unknown_locales(void)
{
    struct popular p;
    CHECK_INT_EQ(&h, wait_lists(1, REAL_LOCALES, &p), 0);

    /* A made-up locale gets the default locale's page and list. */
    char want[512], got[512];
    char *home = page("/");
    first_popular(home, want, sizeof want);
    CHECK(&h, want[0] != '\0');
    free(home);
    char *body = page("/?locale=ab-cdef");
    CHECK_CONTAINS(&h, body, "<html lang=\"en\">");
    CHECK_CONTAINS(&h, body, "data-locale=\"en-us\"");
    CHECK_STR_EQ(&h, first_popular(body, got, sizeof got), want);
    free(body);
    body = page("/search?q=zzqxnothingmatches&locale=ab-cdef");
    CHECK_CONTAINS(&h, body, "<html lang=\"en\">");
    CHECK_STR_EQ(&h, first_popular(body, got, sizeof got), want);
    free(body);
    /* ...while a real one keeps its own. */
    body = page("/?locale=ru-RU");
    CHECK_CONTAINS(&h, body, "<html lang=\"ru\">");
    CHECK_CONTAINS(&h, body, "data-locale=\"ru-ru\"");
    free(body);
    body = page("/search?q=zzqxnothingmatches&locale=zh-cn");
    CHECK_CONTAINS(&h, body, "<html lang=\"zh\">");
    free(body);

    /* A flood of made-up locales: no new lists, no new counts. */
    struct popular before, after;
    CHECK_INT_EQ(&h, popular_stats(&before), 0);
    srand(12345);
    for (int i = 0; i < 60; i++) {
        char path[64];
        snprintf(path, sizeof path, "/%s?locale=%c%c-%c%c%c%d", i % 2 ? "search" : "",
                 'a' + rand() % 26, 'a' + rand() % 26, 'a' + rand() % 26, 'a' + rand() % 26,
                 'a' + rand() % 26, i);
        struct tu_response r;
        CHECK_INT_EQ(&h, tu_http(&srv, "GET", path, NULL, NULL, &r), 0);
        CHECK_INT_EQ(&h, r.status, 200);
        CHECK_CONTAINS(&h, r.body, "<html lang=\"en\">");
        tu_response_free(&r);
    }
    /* Real locales only read their lists too. */
    static const char *const real[] = {"/?locale=de-de", "/?locale=ru-ru", "/?locale=zh-cn",
                                       "/search?q=zzqxnothingmatches&locale=de-de"};
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++)
        free(page(real[i]));
    CHECK_INT_EQ(&h, popular_stats(&after), 0);
    CHECK_INT_EQ(&h, after.locales, REAL_LOCALES);
    CHECK_INT_EQ(&h, after.refreshes, before.refreshes);
}

static void test_refresh(const char *content, const char *index)
{
    struct popular p;
    CHECK_INT_EQ(&h, wait_lists(1, REAL_LOCALES, &p), 0);
    /* Before any reads: the index pick, where the conceptual "unsafe"
     * article comes last. */
    char got[512];
    char *body = page("/?locale=en-us");
    CHECK(&h, strcmp(first_popular(body, got, sizeof got), "/articles/unsafe?locale=en-us") != 0);
    free(body);

    for (int i = 0; i < 5; i++)
        accepted("/api/events", "{\"type\":\"view\",\"article\":\"unsafe\",\"locale\":\"en-us\"}");
    /* Two more counts: the second began after the views were stored. */
    CHECK_INT_EQ(&h, popular_stats(&p), 0);
    CHECK_INT_EQ(&h, wait_lists(p.refreshes + 2, REAL_LOCALES, &p), 0);
    body = page("/?locale=en-us");
    CHECK_STR_EQ(&h, first_popular(body, got, sizeof got), "/articles/unsafe?locale=en-us");
    free(body);
    /* Russian readers get it too, in the default locale it exists in. */
    body = page("/?locale=ru-ru");
    CHECK_STR_EQ(&h, first_popular(body, got, sizeof got), "/articles/unsafe?locale=en-us");
    free(body);

    /* A new revision with a new locale: a list of its own, and events
     * in it are taken. */
    accepted("/api/events", "{\"type\":\"view\",\"article\":\"billing/invoices\"}");
    refused("{\"type\":\"view\",\"article\":\"billing/invoices\",\"locale\":\"fr-fr\"}",
            "locale");
    char path[1024];
    snprintf(path, sizeof path, "%s/fr-fr/billing/invoices.md", content);
    const char fr[] = "---\ntitle: Comprendre votre facture\ntopic: how-to\n---\n"
                      "## Frais de retard\n\nUne pénalité de 2 % s'applique.\n";
    CHECK_INT_EQ(&h, tu_write_file(path, fr, sizeof fr - 1), 0);
    char *argv[] = {KB_INDEX_BIN, "--content", (char *)content, "--index", (char *)index,
                    "--quiet", NULL};
    CHECK_INT_EQ(&h, tu_run(argv, NULL, NULL), 0);
    CHECK_INT_EQ(&h, wait_lists(0, REAL_LOCALES + 1, &p), 0);
    accepted("/api/events",
             "{\"type\":\"view\",\"article\":\"billing/invoices\",\"locale\":\"fr-FR\"}");
    body = page("/?locale=fr-fr");
    CHECK_CONTAINS(&h, body, "data-locale=\"fr-fr\"");
    CHECK_CONTAINS(&h, body, "Comprendre votre facture");
    free(body);
}

int main(void)
{
    char content[512], index[512], db[600];
    CHECK_INT_EQ(&h, tu_mkdtemp(content, sizeof content, "content"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(index, sizeof index, "index"), 0);
    CHECK_INT_EQ(&h, tu_copy_tree(KB_SOURCE_DIR "/tests/data/kb", content), 0);
    char *argv[] = {KB_INDEX_BIN, "--content", content, "--index", index, "--quiet", NULL};
    CHECK_INT_EQ(&h, tu_run(argv, NULL, NULL), 0);

    /* The default refresh time (two minutes): within this test the
     * events are counted once, at start. */
    if (tu_server_start(&srv, index, NULL) != 0) {
        CHECK(&h, 0);
        TEST_MAIN_END(&h);
    }
    test_events();
    test_unknown_locales();
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);

    /* A fresh event store, counted every 100 ms. */
    snprintf(db, sizeof db, "%s.refresh.db", index);
    char *extra[] = {"--db", db, NULL};
    setenv("KB_POPULAR_REFRESH_MS", "100", 1);
    int started = tu_server_start(&srv, index, extra);
    unsetenv("KB_POPULAR_REFRESH_MS");
    CHECK_INT_EQ(&h, started, 0);
    if (started == 0) {
        test_refresh(content, index);
        CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
    }
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        char side[700];
        snprintf(side, sizeof side, "%s%s", db, sfx[i]);
        tu_rmrf(side);
        snprintf(side, sizeof side, "%s.db%s", index, sfx[i]);
        tu_rmrf(side);
    }
    tu_rmrf(content);
    tu_rmrf(index);
    TEST_MAIN_END(&h);
}
