/* test_shards_index.c -- the index layer on shards (kb_open_shards):
 * the same answers from one index and from three shards of the same
 * articles, and the translation terms kept current as translations
 * come, turn internal and go in later runs, so that a search in a
 * locale shows each article once, in a language the reader may see. */
#include "harness.h"
#include "kb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char root[64];

static void put(struct harness *h, kb_index *ix, const char *id, const char *locale,
                const char *title, const char *text, const char *topic, int internal)
{
    kb_unit u[] = {{"", "", text, 0}, {"more", "More about it", text, 0}};
    kb_doc d = {.id = id, .locale = locale, .title = title, .description = "",
                .topic = topic, .product = "fleet", .updated = "", .internal = internal,
                .units = u, .nunits = 2, .record_json = "{}"};
    CHECK_INT_EQ(h, kb_put(ix, &d), KB_OK);
}

/* One run: opens dir with n shards, applies step, commits. */
static void run(struct harness *h, const char *dir, unsigned n, int step)
{
    kb_index *ix;
    CHECK_INT_EQ(h, kb_open_shards(dir, n, KB_OPEN_WRITE, &ix), KB_OK);
    CHECK_INT_EQ(h, kb_begin(ix), KB_OK);
    char id[32], title[64];
    switch (step) {
    case 0: /* many articles, so that three shards all hold some */
        for (int i = 0; i < 40; i++) {
            snprintf(id, sizeof id, "fleet/item-%02d", i);
            snprintf(title, sizeof title, "Zebra routing note %d", i);
            put(h, ix, id, "en-us", title, i % 3 ? "zebra routing for trucks" : "zebra lanes",
                i % 2 ? "how-to" : "faq", 0);
            if (i % 4 == 0)
                put(h, ix, id, "ru-ru", title, "zebra маршрут", "how-to", i % 8 == 0);
        }
        put(h, ix, "fleet/guide", "en-us", "Zebra routing guide", "the zebra guide", "guide", 0);
        put(h, ix, "fleet/secret", "en-us", "Quokka plan", "zebra quokka", "guide", 1);
        break;
    case 1: put(h, ix, "fleet/guide", "ru-ru", "Руководство zebra", "zebra guide", "guide", 0); break;
    case 2: put(h, ix, "fleet/guide", "ru-ru", "Руководство zebra", "zebra guide", "guide", 1); break;
    case 3: CHECK_INT_EQ(h, kb_delete(ix, "ru-ru", "fleet/guide"), KB_OK); break;
    case 4: { /* a question readers confirmed a section answered */
        kb_learned pair = {"caravan logistics", "en-us", "fleet/item-07", "more"};
        size_t applied = 0;
        CHECK_INT_EQ(h, kb_learn_apply(ix, &pair, 1, &applied), KB_OK);
        CHECK_INT_EQ(h, applied, 1);
        break;
    }
    }
    CHECK_INT_EQ(h, kb_commit(ix), KB_OK);
    kb_close(ix);
}

/* The answer as text: total, every hit (id, locale, anchor, score) and
 * the facets, for comparing two indexes. */
static void answer(struct harness *h, const char *dir, const char *text, const char *locale,
                   int internal, unsigned offset, char *out, size_t n)
{
    kb_index *ix;
    CHECK_INT_EQ(h, kb_open(dir, KB_OPEN_READ, &ix), KB_OK);
    kb_query q = {.text = text, .locale = locale, .default_locale = "en-us", .limit = 7,
                  .offset = offset, .include_internal = internal, .facets = 1};
    kb_results *r = NULL;
    size_t at = 0;
    out[0] = '\0';
    CHECK_INT_EQ(h, kb_search(ix, &q, &r), KB_OK);
    if (r) {
        at += (size_t)snprintf(out + at, n - at, "total %lu sugg %s;", kb_results_total(r),
                               kb_results_suggestion(r) ? kb_results_suggestion(r) : "-");
        for (size_t i = 0; i < kb_results_count(r) && at < n; i++) {
            const kb_hit *hit = kb_results_get(r, i);
            at += (size_t)snprintf(out + at, n - at, " %s/%s#%s=%.9f", hit->id, hit->locale,
                                   hit->anchor, hit->score);
        }
        for (int f = 0; f < KB_FACET_COUNT && at < n; f++) {
            const kb_facet *fs;
            size_t nf = kb_results_facets(r, (kb_facet_field)f, &fs);
            for (size_t i = 0; i < nf && at < n; i++)
                at += (size_t)snprintf(out + at, n - at, " f%d:%s=%lu", f, fs[i].value,
                                       fs[i].count);
        }
    }
    kb_results_free(r);
    kb_close(ix);
}

#define GUIDE_LOCALE_SIZE 32

/* The locale article id comes in for a search of "zebra guide", into
 * buf (GUIDE_LOCALE_SIZE bytes). */
static const char *guide_locale(struct harness *h, const char *dir, int internal, char *buf)
{
    kb_index *ix;
    snprintf(buf, GUIDE_LOCALE_SIZE, "none");
    CHECK_INT_EQ(h, kb_open(dir, KB_OPEN_READ, &ix), KB_OK);
    kb_query q = {.text = "zebra guide", .locale = "ru-ru", .default_locale = "en-us",
                  .limit = 100, .include_internal = internal};
    kb_results *r = NULL;
    int seen = 0;
    CHECK_INT_EQ(h, kb_search(ix, &q, &r), KB_OK);
    for (size_t i = 0; r && i < kb_results_count(r); i++)
        if (strcmp(kb_results_get(r, i)->id, "fleet/guide") == 0) {
            snprintf(buf, GUIDE_LOCALE_SIZE, "%s", kb_results_get(r, i)->locale);
            seen++;
        }
    CHECK(h, seen <= 1);
    kb_results_free(r);
    kb_close(ix);
    return buf;
}

int main(void)
{
    struct harness h = {0, 0};
    snprintf(root, sizeof root, "/tmp/kb-test-shards-XXXXXX");
    CHECK(&h, mkdtemp(root) != NULL);
    char one[128], three[128];
    snprintf(one, sizeof one, "%s/one", root);
    snprintf(three, sizeof three, "%s/three", root);

    static const struct {
        const char *text, *locale;
        int internal;
        unsigned offset;
    } queries[] = {
        {"zebra", "en-us", 0, 0}, {"zebra", "en-us", 0, 7}, {"zebra routing", "ru-ru", 0, 0},
        {"zebra", "ru-ru", 1, 0}, {"quokka", "en-us", 1, 0}, {"quokka", "en-us", 0, 0},
        {"zebre routing", "en-us", 0, 0}, {"маршрут", "ru-ru", 0, 0}, {"truks", "en-us", 0, 0},
        {"caravan logistics zebra", "en-us", 0, 0},
    };
    char buf[GUIDE_LOCALE_SIZE], a[4096], b[4096];
    for (int step = 0; step < 5; step++) {
        run(&h, one, 0, step);
        run(&h, three, step == 0 ? 3 : 0, step);
        for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
            answer(&h, one, queries[i].text, queries[i].locale, queries[i].internal,
                   queries[i].offset, a, sizeof a);
            answer(&h, three, queries[i].text, queries[i].locale, queries[i].internal,
                   queries[i].offset, b, sizeof b);
            if (strcmp(a, b) != 0)
                fprintf(stderr, "step %d query %zu:\n  one:   %s\n  three: %s\n", step, i, a, b);
            CHECK(&h, strcmp(a, b) == 0);
            CHECK(&h, strstr(a, "total 0") == NULL || strcmp(queries[i].text, "quokka") == 0);
        }
        for (int s = 0; s < 2; s++) {
            const char *dir = s ? three : one;
            static const char *const anon[] = {"en-us", "ru-ru", "en-us", "en-us", "en-us"};
            static const char *const staff[] = {"en-us", "ru-ru", "ru-ru", "en-us", "en-us"};
            CHECK_STR_EQ(&h, guide_locale(&h, dir, 0, buf), anon[step]);
            CHECK_STR_EQ(&h, guide_locale(&h, dir, 1, buf), staff[step]);
        }
    }
    /* The learned question lifts its section on both, and is kept in
     * the auxiliary database. */
    answer(&h, three, "caravan logistics zebra", "en-us", 0, 0, a, sizeof a);
    CHECK_CONTAINS(&h, a, "; fleet/item-07/en-us#more=");
    /* An anonymous reader never learns of the internal article. */
    answer(&h, three, "quokka", "en-us", 0, 0, a, sizeof a);
    CHECK(&h, strstr(a, "total 0") != NULL && strstr(a, "secret") == NULL);

    /* The folder keeps its number of shards. */
    kb_index *ix;
    CHECK_INT_EQ(&h, kb_open_shards(three, 2, KB_OPEN_WRITE, &ix), KB_ERR_INVALID_ARG);
    CHECK_CONTAINS(&h, kb_last_error(ix), "3 shard(s), not 2");
    kb_close(ix);
    CHECK_INT_EQ(&h, kb_open_shards(one, 3, KB_OPEN_WRITE, &ix), KB_ERR_INVALID_ARG);
    kb_close(ix);
    kb_stats st;
    CHECK_INT_EQ(&h, kb_open(three, KB_OPEN_READ, &ix), KB_OK);
    CHECK_INT_EQ(&h, kb_get_stats(ix, &st), KB_OK);
    CHECK(&h, st.revision == 5 && st.articles > 40);
    kb_close(ix);

    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK_INT_EQ(&h, system(cmd), 0);
    TEST_MAIN_END(&h);
}
