/* fuzz_markdown.c -- the Markdown path of kb-index and kb-serve:
 * docfx_clean() -> markdown_extract() -> markdown_render_html() ->
 * markdown_plain_text(), plus markdown_slug() and the DocFX raw-HTML
 * helpers, on arbitrary bytes.
 *
 * The invariants are the promises of markdown.h and docfx.h:
 *   - docfx_clean() keeps every newline;
 *   - markdown_extract() succeeds exactly on valid UTF-8 without NUL,
 *     and every string it stores is valid UTF-8, unit anchors are
 *     unique, links are relative;
 *   - plain text is valid UTF-8 with whitespace runs collapsed;
 *   - the rendered page holds only the markup cmark's safe renderer
 *     writes (raw HTML omitted, so no <script> and no event handler),
 *     no javascript: or vbscript: URL, no data: URL but raster images,
 *     and, for valid UTF-8, every unit anchor as exactly one id="..."
 *     attribute. */
#include "article.h"
#include "docfx.h"
#include "fuzz_util.h"
#include "markdown.h"
#include "utf8.h"

/* cmark's HTML renderer, plus the pipe tables of mdtable.c
 * (<div class="table"><table>...). */
static const char *const allowed_tags[] = {
    "p",  "blockquote", "ul", "ol", "li", "pre", "code", "hr", "h1", "h2",
    "h3", "h4", "h5", "h6", "br", "em", "strong", "a", "img",
    "div", "table", "thead", "tbody", "tr", "th", "td", NULL};
static const char *const allowed_attrs[] = {"href", "title", "src", "alt",
                                            "id", "class", "start", NULL};

static int in_list(const char *s, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == n && memcmp(*list, s, n) == 0)
            return 1;
    return 0;
}

/* A URL as a browser sees its scheme: leading spaces and controls
 * skipped, tabs and newlines inside ignored.  Returns 1 when it starts
 * with prefix (lower-case), ignoring case. */
static int url_scheme_is(const char *v, size_t n, const char *prefix)
{
    char buf[32];
    size_t i = 0, k = 0;
    while (i < n && (unsigned char)v[i] <= 0x20)
        i++;
    for (; i < n && k < sizeof buf; i++)
        if (v[i] != '\t' && v[i] != '\n' && v[i] != '\r')
            buf[k++] = v[i];
    return fuzz_has_prefix_ci(buf, k, prefix);
}

/* "data: (except images)": cmark's safe mode keeps data URLs of the
 * raster image types it lists (png, gif, jpeg, webp) and empties every
 * other one, in links and images alike; SVG, which can carry script,
 * is not among them. */
static void check_url(const char *html, const char *attr, size_t an, const char *v,
                      size_t vn)
{
    if (!(an == 4 && memcmp(attr, "href", 4) == 0) && !(an == 3 && memcmp(attr, "src", 3) == 0))
        return;
    FUZZ_CHECK_STR(!url_scheme_is(v, vn, "javascript:"), html);
    FUZZ_CHECK_STR(!url_scheme_is(v, vn, "vbscript:"), html);
    if (url_scheme_is(v, vn, "data:"))
        FUZZ_CHECK_STR(url_scheme_is(v, vn, "data:image/png") ||
                           url_scheme_is(v, vn, "data:image/gif") ||
                           url_scheme_is(v, vn, "data:image/jpeg") ||
                           url_scheme_is(v, vn, "data:image/webp"),
                       html);
}

/* Walks every tag of the rendered page and checks it is one cmark's
 * safe renderer (or our heading writer) produces. */
static void check_html(const char *html)
{
    const char *p = html, *name, *attr, *v;
    size_t nn, an;

    FUZZ_CHECK(fuzz_utf8_str_ok(html));
    for (p = html; *p; p++) {
        /* Case-insensitive "<script" anywhere, even as text it must be
         * escaped to &lt;script. */
        if (*p == '<')
            FUZZ_CHECK_STR(!fuzz_has_prefix_ci(p, strlen(p), "<script"), html);
    }
    for (p = strchr(html, '<'); p; p = strchr(p, '<')) {
        static const char omitted[] = "<!-- raw HTML omitted -->";
        if (strncmp(p, omitted, sizeof omitted - 1) == 0) {
            p += sizeof omitted - 1;
            continue;
        }
        p++;
        if (*p == '/')
            p++;
        for (name = p; (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'); p++)
            ;
        nn = (size_t)(p - name);
        FUZZ_CHECK_STR(in_list(name, nn, allowed_tags), html);
        for (;;) {
            while (*p == ' ')
                p++;
            if (*p == '>' || (p[0] == '/' && p[1] == '>'))
                break;
            for (attr = p; (*p >= 'a' && *p <= 'z') || *p == '-'; p++)
                ;
            an = (size_t)(p - attr);
            FUZZ_CHECK_STR(in_list(attr, an, allowed_attrs), html);
            FUZZ_CHECK_STR(p[0] == '=' && p[1] == '"', html);
            p += 2;
            for (v = p; *p && *p != '"'; p++)
                FUZZ_CHECK_STR(*p != '<' && *p != '>', html);
            FUZZ_CHECK_STR(*p == '"', html);
            check_url(html, attr, an, v, (size_t)(p - v));
            p++;
        }
    }
}

/* Plain text: valid UTF-8, no control bytes but '\n', no whitespace
 * run and no whitespace at either end. */
static void check_plain(const char *t)
{
    size_t n, i;
    FUZZ_CHECK(t != NULL);
    FUZZ_CHECK_STR(fuzz_utf8_str_ok(t), t);
    n = strlen(t);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        int ws = c == ' ' || c == '\n';
        FUZZ_CHECK_STR((c >= 0x20 && c != 0x7F) || c == '\n', t);
        if (ws) {
            FUZZ_CHECK_STR(i > 0 && i + 1 < n, t);
            FUZZ_CHECK_STR(t[i + 1] != ' ' && t[i + 1] != '\n', t);
        }
    }
}

/* The id="..." attribute value our renderer writes for an anchor. */
static char *id_attr(const char *anchor)
{
    size_t n = strlen(anchor), o = 0;
    char *s = malloc(n * 6 + 8);
    FUZZ_CHECK(s != NULL);
    memcpy(s, "id=\"", 4);
    o = 4;
    for (; *anchor; anchor++) {
        const char *rep = *anchor == '&' ? "&amp;" : *anchor == '<' ? "&lt;"
                        : *anchor == '>' ? "&gt;" : *anchor == '"' ? "&quot;"
                        : *anchor == '\'' ? "&#39;" : NULL;
        if (rep) {
            memcpy(s + o, rep, strlen(rep));
            o += strlen(rep);
        } else {
            s[o++] = *anchor;
        }
    }
    s[o++] = '"';
    s[o] = '\0';
    return s;
}

static int ends_with_question(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    return (n >= 1 && s[n - 1] == '?') || (n >= 3 && memcmp(s + n - 3, "\xEF\xBC\x9F", 3) == 0);
}

static void check_article(const struct article *a, const char *md, const char *html)
{
    size_t i, j, lines = 1;

    /* Lines as CommonMark (and so cmark's link positions) count them:
     * "\n", "\r\n" and a lone "\r" each end one. */
    for (const char *p = md; *p; p++)
        lines += *p == '\n' || (*p == '\r' && p[1] != '\n');
    FUZZ_CHECK(a->markdown && strcmp(a->markdown, md) == 0);
    FUZZ_CHECK(a->headings && fuzz_utf8_str_ok(a->headings));
    if (a->title)
        FUZZ_CHECK_STR(fuzz_utf8_str_ok(a->title), a->title);
    for (i = 0; i < a->nsections; i++) {
        const struct article_section *s = &a->sections[i];
        FUZZ_CHECK(s->anchor && s->title && s->text);
        FUZZ_CHECK_STR(fuzz_utf8_str_ok(s->anchor), s->anchor);
        FUZZ_CHECK_STR(fuzz_utf8_str_ok(s->title), s->title);
        check_plain(s->text);
        FUZZ_CHECK(s->is_question == 0 || s->is_question == 1);
        if (s->level == 0) {
            /* The lead: first, anchor "", never empty. */
            FUZZ_CHECK(i == 0 && s->anchor[0] == '\0' && s->title[0] == '\0');
            FUZZ_CHECK(s->text[0] != '\0');
            continue;
        }
        FUZZ_CHECK(s->level >= 2 && s->level <= 6);
        FUZZ_CHECK_STR(s->anchor[0] != '\0', s->title);
        if (s->level > 3)
            FUZZ_CHECK_STR(s->is_question && ends_with_question(s->title), s->title);
        if (s->is_question)
            FUZZ_CHECK_STR(ends_with_question(s->title), s->title);
        for (j = 0; j < i; j++)
            FUZZ_CHECK_STR(strcmp(a->sections[j].anchor, s->anchor) != 0, s->anchor);
        if (html) {
            char *id = id_attr(s->anchor);
            if (fuzz_count(html, id) != 1) {
                fprintf(stderr, "anchor %s: %zu times in:\n%s\n", id, fuzz_count(html, id),
                        html);
                FUZZ_CHECK(!"every unit anchor is one id= in the rendered page");
            }
            free(id);
        }
    }
    for (i = 0; i < a->nlinks; i++) {
        const char *t = a->links[i].target, *p = t;
        FUZZ_CHECK(t && t[0] != '\0' && t[0] != '/' && t[0] != '\\');
        FUZZ_CHECK_STR(fuzz_utf8_str_ok(t), t);
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
            for (p++; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.';
                 p++)
                ;
            FUZZ_CHECK_STR(*p != ':', t);
        }
        FUZZ_CHECK(a->links[i].line >= 1 && a->links[i].line <= lines);
    }
}

static void check_slug(const char *text)
{
    char *slug = markdown_slug(text);
    size_t n, i;
    FUZZ_CHECK(slug != NULL);
    n = strlen(slug);
    FUZZ_CHECK(n <= strlen(text));
    FUZZ_CHECK_STR(fuzz_utf8_str_ok(slug), slug);
    for (i = 0; i < n; i++) {
        char c = slug[i];
        if ((unsigned char)c >= 0x80)
            continue;
        FUZZ_CHECK_STR((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-', slug);
        if (c == '-')
            FUZZ_CHECK_STR(i > 0 && i + 1 < n && slug[i + 1] != '-', slug);
    }
    free(slug);
}

static void fuzz_docfx_html(const uint8_t *data, size_t size, const char *str)
{
    size_t wo = 0, wl = 0;
    char *s = docfx_html_text((const char *)data, size), *name;
    FUZZ_CHECK(s != NULL);
    free(s);
    if (docfx_tag_kind((const char *)data, size, &wo, &wl) == DOCFX_TAG_PLACEHOLDER)
        FUZZ_CHECK(wo <= size && wl <= size - wo);
    if ((name = docfx_anchor_name(str)) != NULL) {
        FUZZ_CHECK(name[0] != '\0' && strstr(str, name) != NULL);
        free(name);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *str = fuzz_strndup(data, size), *clean, *html, *text;
    size_t clen, nl_in = 0, nl_out = 0, i, bad;
    struct article *a;
    struct diag d;
    int rc, valid;

    clean = docfx_clean((const char *)data, size);
    FUZZ_CHECK(clean != NULL);
    clen = strlen(clean);
    if (!memchr(data, '\0', size)) {
        /* "Newline characters are never added or removed." */
        for (i = 0; i < size; i++)
            nl_in += data[i] == '\n';
        for (i = 0; i < clen; i++)
            nl_out += clean[i] == '\n';
        FUZZ_CHECK(nl_in == nl_out);
    }

    a = article_new();
    FUZZ_CHECK(a != NULL);
    memset(&d, 0, sizeof d);
    rc = markdown_extract(a, clean, clen, 1, &d);
    valid = utf8_valid(clean, clen, &bad);
    FUZZ_CHECK(valid == fuzz_utf8_wellformed((const uint8_t *)clean, clen));
    html = markdown_render_html(clean, clen);
    FUZZ_CHECK(html != NULL);
    check_html(html);
    if (valid) {
        FUZZ_CHECK(rc == 0);
        check_article(a, clean, html);
    } else {
        FUZZ_CHECK(rc == -1 && d.is_error == 1 && d.line >= 1 && bad < clen);
    }
    free(html);
    article_free(a);

    text = markdown_plain_text(clean, clen);
    check_plain(text);
    free(text);

    /* The same on the raw bytes: NULs and invalid UTF-8 included. */
    html = markdown_render_html((const char *)data, size);
    FUZZ_CHECK(html != NULL);
    check_html(html);
    free(html);
    text = markdown_plain_text((const char *)data, size);
    check_plain(text);
    free(text);

    check_slug(str);
    fuzz_docfx_html(data, size, str);
    free(clean);
    free(str);
    return 0;
}
