/* test_i18n_staff.c -- the staff pages (sign-in, agent console and case
 * page, author dashboard, reindex status, learned questions, the staff
 * bar) speak every UI language: every UI string they use is in
 * web/i18n/en.json and translated in ru, zh and de (with the same
 * {placeholders}), and their templates and sources carry no words of
 * their own outside the UI strings.
 *
 * The keys checked are the ones the staff templates name ({{t.key}}),
 * the key literals of the staff sources, and every key of the staff
 * families (those built at run time: "reindex.%s", "%s_one", ...).
 * The browser test tests/browser/staff-locales.test.js opens the pages
 * themselves in each language. */
#include "harness.h"

#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const LANGS[] = {"ru", "zh", "de"};
#define NLANGS (sizeof LANGS / sizeof LANGS[0])

/* The staff templates: these, and every template whose name starts
 * with a staff page's ("agent", "author", ...: staff_templates()). */
static const char *const TEMPLATES[] = {
    "login.html", "staff-bar.html", "message.html", "page.html",         "error.html",
    "pager.html", "hit-section.html", "popular-item.html",
};
static const char *const TEMPLATE_PREFIXES[] = {"agent", "author", "reindex", "staff",
                                                "links", "replay", "learned"};

/* The staff sources: these, and every file of search/pages that
 * includes page_staff.h or a header that does (staff_sources()). */
static const char *const SOURCES[] = {
    "page_login.c", "page_staff.c", "page_popular.c", "svgchart.c", "page_kit.c",
};

/* Key families the staff pages build at run time: every key of en.json
 * that starts with one of these is checked. */
static const char *const FAMILIES[] = {
    "role.",    "staff.",     "login.",     "agent.",      "trail.",       "author.",
    "reindex.", "js.copy",    "js.copied",  "js.reindex",  "fb.reason.",   "product.",
    "form.expired", "message.", "date.", "num.", "replay.", "links.", "js.replay",
};

/* The same word in English and in the language, checked by a native
 * speaker: not a missing translation. */
static const char *const SAME_AS_ENGLISH[][2] = {
    {"de", "role.agent"},         /* Agent */
    {"de", "agent.case.details"}, /* Details */
    {"de", "product.onboarding"}, /* Onboarding */
    {"zh", "num.percent"},        /* {n}% */
    {"de", "links.col.problem"},  /* Problem */
};

static char *slurp(const char *path)
{
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    /* A folder opens too ("." of a readdir), and its size is nonsense. */
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

static json_t *load_lang(const char *code)
{
    char path[1024];
    json_error_t err;
    snprintf(path, sizeof path, "%s/web/i18n/%s.json", KB_SOURCE_DIR, code);
    json_t *o = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (!o)
        fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
    return o;
}

static int same_allowed(const char *lang, const char *key)
{
    for (size_t i = 0; i < sizeof SAME_AS_ENGLISH / sizeof SAME_AS_ENGLISH[0]; i++)
        if (strcmp(SAME_AS_ENGLISH[i][0], lang) == 0 && strcmp(SAME_AS_ENGLISH[i][1], key) == 0)
            return 1;
    return 0;
}

/* The {placeholders} of s, sorted and joined ("{n}{q}"), into out; a
 * date's month and day without a leading zero ({mn}, {dn}) count as
 * the month and day ({m}, {d}). */
static void placeholders(const char *s, char *out, size_t len)
{
    char names[16][32];
    size_t n = 0;
    for (const char *p = s; (p = strchr(p, '{')) != NULL && n < 16; p++) {
        const char *close = strchr(p, '}');
        if (!close || close - p > 30)
            break;
        snprintf(names[n], sizeof names[0], "%.*s", (int)(close - p + 1), p);
        if (strcmp(names[n], "{mn}") == 0 || strcmp(names[n], "{dn}") == 0)
            snprintf(names[n], sizeof names[0], "{%c}", p[1]);
        n++;
    }
    qsort(names, n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        strncat(out, names[i], len - strlen(out) - 1);
}

/* Adds key to the set (a JSON object used as a set). */
static void want(json_t *set, const char *key, size_t len)
{
    char k[128];
    if (len >= sizeof k)
        return;
    memcpy(k, key, len);
    k[len] = '\0';
    json_object_set_new(set, k, json_true());
}

/* The {{t.key}} slots of a template. */
static void template_keys(const char *text, json_t *set)
{
    for (const char *p = text; (p = strstr(p, "{{t.")) != NULL; p += 4) {
        const char *end = strstr(p, "}}");
        if (end)
            want(set, p + 4, (size_t)(end - p - 4));
    }
}

static int is_key_char(int c)
{
    return islower(c) || isdigit(c) || c == '_' || c == '.' || c == '-';
}

/* The string literals of a C source that look like UI keys of en
 * ("agent.cases_title"): a known first part, a dot, no spaces. */
static void source_keys(const char *text, json_t *en, json_t *set, json_t *prefixes)
{
    for (const char *p = text; (p = strchr(p, '"')) != NULL;) {
        const char *s = ++p;
        while (*p && *p != '"' && *p != '\n') {
            if (*p == '\\' && p[1])
                p++;
            p++;
        }
        if (*p != '"')
            continue;
        size_t len = (size_t)(p - s);
        p++;
        if (s - text >= 10 && strncmp(s - 10, "#include \"", 10) == 0)
            continue;
        const char *dot = memchr(s, '.', len);
        if (!dot || dot == s || s[len - 1] == '.')
            continue;
        int ok = 1;
        for (size_t i = 0; i < len && ok; i++)
            ok = is_key_char((unsigned char)s[i]);
        char first[64];
        if (!ok || (size_t)(dot - s) >= sizeof first)
            continue;
        snprintf(first, sizeof first, "%.*s", (int)(dot - s), s);
        if (json_object_get(prefixes, first) || json_object_getn(en, s, len))
            want(set, s, len);
    }
}

/* Words in a template outside its slots and tags, or in the attributes
 * a reader sees (aria-label, placeholder, title, alt): hard-coded
 * English.  Returns how many, each reported. */
static int template_words(const char *name, const char *text)
{
    int bad = 0;
    char *t = strdup(text);
    if (!t)
        return 1;
    /* Drop the slots and the inline SVG (paths are letters too). */
    for (char *p; (p = strstr(t, "{{")) != NULL;) {
        char *end = strstr(p, "}}");
        if (!end)
            break;
        end += 2;
        if (*end == '}')
            end++;
        memmove(p, end, strlen(end) + 1);
    }
    for (char *p; (p = strstr(t, "<svg")) != NULL;) {
        char *end = strstr(p, "</svg>");
        if (!end)
            break;
        memmove(p, end + 6, strlen(end + 6) + 1);
    }
    for (char *p = t; (p = strchr(p, '>')) != NULL; p++) {
        const char *lt = strchr(p, '<');
        size_t n = lt ? (size_t)(lt - p - 1) : strlen(p + 1);
        for (size_t i = 1; i <= n; i++)
            if (isalpha((unsigned char)p[i])) {
                fprintf(stderr, "%s: words outside the UI strings: \"%.*s\"\n", name, (int)n,
                        p + 1);
                bad++;
                break;
            }
    }
    static const char *const attrs[] = {"aria-label=\"", "placeholder=\"", "title=\"", "alt=\""};
    for (size_t a = 0; a < sizeof attrs / sizeof attrs[0]; a++)
        for (const char *p = t; (p = strstr(p, attrs[a])) != NULL; p++) {
            const char *v = p + strlen(attrs[a]), *q = strchr(v, '"');
            for (const char *c = v; q && c < q; c++)
                if (isalpha((unsigned char)*c)) {
                    fprintf(stderr, "%s: an attribute outside the UI strings: %.*s\n", name,
                            (int)(q - p + 1), p);
                    bad++;
                    break;
                }
        }
    free(t);
    return bad;
}

/* Words between a '>' and a '<' of one string literal of a source
 * (markup with text of its own), and html_text() of a literal with
 * letters.  Returns how many, each reported. */
static int source_words(const char *name, const char *text)
{
    int bad = 0;
    for (const char *p = text; (p = strchr(p, '"')) != NULL;) {
        const char *s = ++p;
        while (*p && *p != '"' && *p != '\n') {
            if (*p == '\\' && p[1])
                p++;
            p++;
        }
        if (*p != '"')
            continue;
        size_t len = (size_t)(p - s);
        p++;
        for (const char *gt = s; (gt = memchr(gt, '>', len - (size_t)(gt - s))) != NULL; gt++) {
            const char *lt = memchr(gt, '<', len - (size_t)(gt - s));
            if (!lt)
                break;
            for (const char *c = gt + 1; c < lt; c++) {
                /* Escapes (\n) and format directives (%lld, %s) are no words. */
                if (*c == '\\' || *c == '%') {
                    c++;
                    while (c < lt && isalpha((unsigned char)c[0]) && c[0] != ' ')
                        c++;
                    continue;
                }
                if (isalpha((unsigned char)*c)) {
                    fprintf(stderr, "%s: markup with words of its own: \"%.*s\"\n", name,
                            (int)len, s);
                    bad++;
                    break;
                }
            }
        }
    }
    for (const char *p = text; (p = strstr(p, "html_text(")) != NULL; p++) {
        const char *comma = strchr(p, ','), *paren = strchr(p, ')');
        if (!comma || !paren || paren < comma)
            continue;
        const char *v = comma + 1;
        while (*v == ' ')
            v++;
        if (*v != '"')
            continue;
        for (const char *c = v + 1; *c && *c != '"'; c++)
            if (isalpha((unsigned char)*c)) {
                fprintf(stderr, "%s: html_text() of a literal: %.*s\n", name,
                        (int)(paren - p + 1), p);
                bad++;
                break;
            }
    }
    return bad;
}

/* Adds name to the list (a JSON array used as a set of names). */
static void add_name(json_t *list, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
        if (strcmp(json_string_value(v), name) == 0)
            return;
    json_array_append_new(list, json_string(name));
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* 1 when the file dir/name includes one of the headers in incs. */
static int includes_any(const char *dir, const char *name, json_t *incs)
{
    char path[1400], line[128];
    size_t i;
    json_t *v;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = slurp(path);
    int hit = 0;
    json_array_foreach(incs, i, v)
    {
        snprintf(line, sizeof line, "#include \"%s\"", json_string_value(v));
        if (text && strstr(text, line))
            hit = 1;
    }
    free(text);
    return hit;
}

/* The staff sources of search/pages (see SOURCES). */
static json_t *staff_sources(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/search/pages", KB_SOURCE_DIR);
    json_t *list = json_array(), *incs = json_array();
    for (size_t i = 0; i < sizeof SOURCES / sizeof SOURCES[0]; i++)
        add_name(list, SOURCES[i]);
    add_name(incs, "page_staff.h");
    for (int pass = 0; pass < 2; pass++) {
        DIR *d = opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
            if (!(ends_with(de->d_name, ".c") || ends_with(de->d_name, ".h")) ||
                !includes_any(dir, de->d_name, incs))
                continue;
            if (ends_with(de->d_name, ".h"))
                add_name(incs, de->d_name);
            else if (ends_with(de->d_name, ".c"))
                add_name(list, de->d_name);
        }
        if (d)
            closedir(d);
    }
    json_decref(incs);
    return list;
}

/* The staff templates of web/templates (see TEMPLATES). */
static json_t *staff_templates(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/web/templates", KB_SOURCE_DIR);
    json_t *list = json_array();
    for (size_t i = 0; i < sizeof TEMPLATES / sizeof TEMPLATES[0]; i++)
        add_name(list, TEMPLATES[i]);
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        for (size_t i = 0; i < sizeof TEMPLATE_PREFIXES / sizeof TEMPLATE_PREFIXES[0]; i++)
            if (strncmp(de->d_name, TEMPLATE_PREFIXES[i], strlen(TEMPLATE_PREFIXES[i])) == 0 &&
                ends_with(de->d_name, ".html"))
                add_name(list, de->d_name);
    if (d)
        closedir(d);
    return list;
}

int main(void)
{
    struct harness h = {0, 0};
    json_t *en = load_lang("en"), *tr[NLANGS];
    CHECK(&h, en != NULL);
    for (size_t i = 0; i < NLANGS; i++) {
        tr[i] = load_lang(LANGS[i]);
        CHECK(&h, tr[i] != NULL);
    }
    if (!en)
        TEST_MAIN_END(&h);

    /* The first parts of en's keys ("agent" of "agent.title"). */
    json_t *prefixes = json_object(), *keys = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(en, key, v)
    {
        const char *dot = strchr(key, '.');
        if (dot)
            want(prefixes, key, (size_t)(dot - key));
        for (size_t f = 0; f < sizeof FAMILIES / sizeof FAMILIES[0]; f++)
            if (strncmp(key, FAMILIES[f], strlen(FAMILIES[f])) == 0)
                want(keys, key, strlen(key));
    }

    char path[1024];
    json_t *templates = staff_templates(), *sources = staff_sources();
    size_t i;
    json_t *name;
    json_array_foreach(templates, i, name)
    {
        const char *n = json_string_value(name);
        snprintf(path, sizeof path, "%s/web/templates/%s", KB_SOURCE_DIR, n);
        char *text = slurp(path);
        CHECK(&h, text != NULL);
        if (!text)
            continue;
        template_keys(text, keys);
        CHECK_INT_EQ(&h, template_words(n, text), 0);
        free(text);
    }
    json_array_foreach(sources, i, name)
    {
        const char *n = json_string_value(name);
        snprintf(path, sizeof path, "%s/search/pages/%s", KB_SOURCE_DIR, n);
        char *text = slurp(path);
        CHECK(&h, text != NULL);
        if (!text)
            continue;
        source_keys(text, en, keys, prefixes);
        CHECK_INT_EQ(&h, source_words(n, text), 0);
        free(text);
    }
    printf("%zu staff templates, %zu staff sources\n", json_array_size(templates),
           json_array_size(sources));
    json_decref(templates);
    json_decref(sources);

    /* Every key: in English, and translated in every other language. */
    size_t checked = 0;
    json_object_foreach(keys, key, v)
    {
        const char *e = json_string_value(json_object_get(en, key));
        if (!e) {
            fprintf(stderr, "\"%s\" is used by a staff page but missing in en.json\n", key);
            h.failed++;
            continue;
        }
        checked++;
        char want_ph[512], got_ph[512];
        placeholders(e, want_ph, sizeof want_ph);
        for (size_t l = 0; l < NLANGS; l++) {
            const char *s = json_string_value(json_object_get(tr[l], key));
            if (!s || !*s) {
                fprintf(stderr, "\"%s\" is missing in %s.json\n", key, LANGS[l]);
                h.failed++;
                continue;
            }
            if (strcmp(s, e) == 0 && !same_allowed(LANGS[l], key)) {
                fprintf(stderr, "\"%s\" is English in %s.json: \"%s\"\n", key, LANGS[l], s);
                h.failed++;
                continue;
            }
            placeholders(s, got_ph, sizeof got_ph);
            if (strcmp(want_ph, got_ph) != 0) {
                fprintf(stderr, "\"%s\" in %s.json has the placeholders %s, English %s\n", key,
                        LANGS[l], got_ph, want_ph);
                h.failed++;
                continue;
            }
            h.passed++;
        }
    }
    /* Not a check that cannot fail: the staff pages use a few hundred. */
    CHECK(&h, checked > 200);
    printf("%zu UI strings of the staff pages checked in %zu languages\n", checked, NLANGS + 1);

    json_decref(prefixes);
    json_decref(keys);
    json_decref(en);
    for (size_t l = 0; l < NLANGS; l++)
        json_decref(tr[l]);
    TEST_MAIN_END(&h);
}
