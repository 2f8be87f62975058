/* docfx.c -- Microsoft Docs conventions: DocFX Markdown extensions ->
 * CommonMark (docfx_clean), and the meaning of the raw HTML the pages
 * carry (anchors, placeholders, HTML blocks).
 *
 * docfx_clean() rewrites inside single lines and copies the '\n' that
 * ends each, which is what keeps line numbers of the result equal to
 * the source's (links and errors are reported by line). */
#include "docfx.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "utf8.h"

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int word_eq(const char *s, size_t n, const char *w)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (w[i] == '\0' || lower((unsigned char)s[i]) != w[i])
            return 0;
    return w[n] == '\0';
}

/* Fence state: the fence character and length of the open block, or 0.
 * Only the shape CommonMark requires is checked (three or more '`' or
 * '~' after indentation); it is enough to avoid rewriting samples. */
static void track_fence(const char *l, size_t n, char *fch, size_t *flen)
{
    size_t i = 0, run = 0;

    while (i < n && (l[i] == ' ' || l[i] == '\t'))
        i++;
    if (i >= n || (l[i] != '`' && l[i] != '~'))
        return;
    while (i + run < n && l[i + run] == l[i])
        run++;
    if (run < 3)
        return;
    if (*fch == 0) {
        if (l[i] == '`' && memchr(l + i + run, '`', n - i - run))
            return; /* an inline code span, not a fence */
        *fch = l[i];
        *flen = run;
        return;
    }
    if (l[i] != *fch || run < *flen)
        return;
    for (i += run; i < n; i++)
        if (l[i] != ' ' && l[i] != '\t' && l[i] != '\r')
            return;
    *fch = 0;
    *flen = 0;
}

/* "> [!NOTE]" -> "> **Note:**".  Returns 1 when the line was written. */
static int alert_line(struct strbuf *o, const char *l, size_t n)
{
    static const struct {
        const char *type, *label;
    } alerts[] = {
        {"note", "**Note:**"},
        {"important", "**Important:**"},
        {"tip", "**Tip:**"},
        {"caution", "**Caution:**"},
        {"warning", "**Warning:**"},
    };
    size_t i = 0, quotes = 0, b, k;

    while (i < n && (l[i] == ' ' || l[i] == '\t' || l[i] == '>')) {
        quotes += l[i] == '>';
        i++;
    }
    if (quotes == 0 || i + 2 >= n || l[i] != '[' || l[i + 1] != '!')
        return 0;
    b = i + 2;
    for (k = b; k < n && l[k] != ']'; k++)
        ;
    if (k >= n)
        return 0;
    for (i = 0; i < sizeof alerts / sizeof alerts[0]; i++) {
        if (word_eq(l + b, k - b, alerts[i].type)) {
            strbuf_add(o, l, b - 2);
            strbuf_add(o, alerts[i].label, strlen(alerts[i].label));
            strbuf_add(o, l + k + 1, n - k - 1);
            return 1;
        }
    }
    return 0;
}

/* Parses ":::name attr="v" ...:::" at l[0..n).  On a match returns the
 * length consumed and points val, vlen at the attribute that carries the
 * visible text (empty when absent); returns 0 when l does not start a
 * construct we rewrite. */
static size_t triple_colon(const char *l, size_t n, const char **val,
                           size_t *vlen)
{
    const char *want;
    size_t i = 3, nb, an, ab;
    char q;

    *val = "";
    *vlen = 0;
    if (n < 3 || memcmp(l, ":::", 3) != 0)
        return 0;
    nb = i;
    while (i < n && ((l[i] >= 'a' && l[i] <= 'z') || l[i] == '-'))
        i++;
    if (word_eq(l + nb, i - nb, "image-end"))
        want = NULL;
    else if (word_eq(l + nb, i - nb, "image"))
        want = ""; /* no attribute is kept: alt text too is dropped */
    else if (word_eq(l + nb, i - nb, "no-loc"))
        want = "text";
    else
        return 0;
    for (;;) {
        while (i < n && (l[i] == ' ' || l[i] == '\t'))
            i++;
        if (i + 3 <= n && memcmp(l + i, ":::", 3) == 0)
            return i + 3;
        if (!want || i >= n)
            return 0;
        ab = i;
        while (i < n && l[i] != '=' && l[i] != ' ' && l[i] != '\t' && l[i] != ':')
            i++;
        an = i - ab;
        if (i >= n || l[i] != '=') {
            if (an == 0)
                return 0;
            continue; /* a bare attribute such as "border" */
        }
        i++;
        q = (i < n && (l[i] == '"' || l[i] == '\'')) ? l[i++] : 0;
        nb = i;
        while (i < n && (q ? l[i] != q : (l[i] != ' ' && l[i] != ':')))
            i++;
        if (q && i >= n)
            return 0;
        if (word_eq(l + ab, an, want)) {
            *val = l + nb;
            *vlen = i - nb;
        }
        if (q)
            i++;
    }
}

static void colon_line(struct strbuf *o, const char *l, size_t n)
{
    size_t i = 0, start = 0, used, vlen;
    const char *val;

    while (i + 3 <= n) {
        if (l[i] == ':' && (used = triple_colon(l + i, n - i, &val, &vlen)) > 0) {
            strbuf_add(o, l + start, i - start);
            strbuf_add(o, val, vlen);
            i += used;
            start = i;
        } else {
            i++;
        }
    }
    strbuf_add(o, l + start, n - start);
}

char *docfx_clean(const char *md, size_t len)
{
    struct strbuf o = STRBUF_INIT;
    size_t pos = 0, eol;
    const char *nl;
    char fch = 0;
    size_t flen = 0;

    while (pos < len) {
        int in_fence;

        nl = memchr(md + pos, '\n', len - pos);
        eol = nl ? (size_t)(nl - md) : len;
        in_fence = fch != 0;
        track_fence(md + pos, eol - pos, &fch, &flen);
        if (in_fence || fch != 0 || !alert_line(&o, md + pos, eol - pos)) {
            if (in_fence || fch != 0 || !memchr(md + pos, ':', eol - pos))
                strbuf_add(&o, md + pos, eol - pos);
            else
                colon_line(&o, md + pos, eol - pos);
        }
        if (nl)
            strbuf_addch(&o, '\n');
        pos = eol + 1;
    }
    return strbuf_detach(&o, NULL);
}

/* Raw HTML, as cmark hands it over (see docfx.h). */

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Element names seen inside Markdown content.  Anything else in angle
 * brackets is a placeholder; so elements that hardly occur in Markdown
 * but are named like common nouns (title, source, data, time, label,
 * section) are left out on purpose. */
static const char *const inline_elements[] = {
    "a", "abbr", "audio", "b", "bdi", "bdo", "big", "cite", "code", "del",
    "dfn", "em", "font", "i", "iframe", "img", "ins", "kbd", "mark",
    "math", "nobr", "q", "rp", "rt", "ruby", "s", "samp", "script",
    "small", "span", "strike", "strong", "style", "sub", "sup", "svg",
    "textarea", "tt", "u", "var", "video", "wbr", NULL};
static const char *const block_elements[] = {
    "blockquote", "caption", "center", "col", "colgroup", "dd", "details",
    "div", "dl", "dt", "figcaption", "figure", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "li", "ol", "p", "pre", "summary", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul", NULL};

static int in_list(const char *s, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (word_eq(s, n, *list))
            return 1;
    return 0;
}

/* The element name of tag (after '<' or '</'). */
static const char *tag_name(const char *tag, size_t len, size_t *n)
{
    size_t i = (len > 1 && tag[1] == '/') ? 2 : 1, b = i;

    while (i < len && tag[i] != '>' && tag[i] != '/' && !is_space((unsigned char)tag[i]))
        i++;
    *n = i - b;
    return tag + b;
}

enum docfx_tag docfx_tag_kind(const char *tag, size_t len, size_t *words_off,
                              size_t *words_len)
{
    size_t n, b, e;
    const char *name;

    if (len < 3 || tag[0] != '<' || tag[1] == '!' || tag[1] == '?')
        return DOCFX_TAG_MARKUP;
    name = tag_name(tag, len, &n);
    if (word_eq(name, n, "br"))
        return DOCFX_TAG_LINEBREAK;
    if (in_list(name, n, block_elements))
        return DOCFX_TAG_BREAK;
    if (tag[1] == '/' || in_list(name, n, inline_elements))
        return DOCFX_TAG_MARKUP;
    b = (size_t)(name - tag);
    e = tag[len - 1] == '>' ? len - 1 : len;
    while (e > b && (tag[e - 1] == '/' || is_space((unsigned char)tag[e - 1])))
        e--;
    if (words_off)
        *words_off = b;
    if (words_len)
        *words_len = e - b;
    return DOCFX_TAG_PLACEHOLDER;
}

char *docfx_anchor_name(const char *p)
{
    const char *nb, *vb;
    size_t nl, vl;
    char q, *v;

    if (p[0] != '<' || lower((unsigned char)p[1]) != 'a' || !is_space((unsigned char)p[2]))
        return NULL;
    for (p += 2;;) {
        while (is_space((unsigned char)*p))
            p++;
        for (nb = p; *p && *p != '=' && *p != '>' && *p != '/' && !is_space((unsigned char)*p);)
            p++;
        if ((nl = (size_t)(p - nb)) == 0)
            return NULL;
        while (is_space((unsigned char)*p))
            p++;
        if (*p != '=')
            continue; /* an attribute without a value */
        p++;
        while (is_space((unsigned char)*p))
            p++;
        q = (*p == '"' || *p == '\'') ? *p++ : 0;
        for (vb = p; *p && (q ? *p != q : (*p != '>' && !is_space((unsigned char)*p)));)
            p++;
        vl = (size_t)(p - vb);
        if (q && *p)
            p++;
        if (vl > 0 && (word_eq(nb, nl, "name") || word_eq(nb, nl, "id"))) {
            if ((v = malloc(vl + 1)) != NULL) {
                memcpy(v, vb, vl);
                v[vl] = '\0';
            }
            return v;
        }
    }
}

static const char *find_ci(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle), i;

    for (i = 0; i + k <= n; i++)
        if (word_eq(s + i, k, needle))
            return s + i;
    return NULL;
}

/* Length of the tag, comment or declaration at s (s[0] == '<'), or 0
 * when this '<' is an ordinary character. */
static size_t tag_len(const char *s, size_t n)
{
    const char *close = n >= 4 && memcmp(s, "<!--", 4) == 0 ? "-->"
                        : n >= 2 && s[1] == '?'             ? "?>"
                        : n >= 2 && s[1] == '!'             ? ">"
                                                            : NULL;
    const char *e;
    size_t i;
    char q = 0;

    if (close) {
        e = find_ci(s + 2, n - 2, close);
        return e ? (size_t)(e - s) + strlen(close) : n;
    }
    i = (n > 1 && s[1] == '/') ? 2 : 1;
    if (i >= n || !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
        return 0;
    for (; i < n; i++) {
        if (q && s[i] == q)
            q = 0;
        else if (!q && (s[i] == '"' || s[i] == '\''))
            q = s[i];
        else if (!q && s[i] == '>')
            return i + 1;
    }
    return 0;
}

/* Decodes the character reference at s (s[0] == '&') into out; returns
 * its length, or 0 when it is not one we know (then it stays as is).
 * cmark decodes references in text itself but keeps HTML blocks raw. */
static size_t entity(const char *s, size_t n, char *out, size_t *olen)
{
    static const struct {
        const char *name;
        unsigned cp;
    } named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'},
                 {"apos;", '\''}, {"nbsp;", 0xA0}};
    size_t i, j;
    unsigned long v = 0;
    int hex, c;

    if (n > 2 && s[1] == '#') {
        hex = s[2] == 'x' || s[2] == 'X';
        for (i = hex ? 3 : 2; i < n && i < 12 && s[i] != ';'; i++) {
            c = lower((unsigned char)s[i]);
            if (c >= '0' && c <= '9')
                v = v * (hex ? 16 : 10) + (unsigned long)(c - '0');
            else if (hex && c >= 'a' && c <= 'f')
                v = v * 16 + (unsigned long)(c - 'a' + 10);
            else
                return 0;
        }
        if (i >= n || s[i] != ';' || i == (hex ? 3u : 2u))
            return 0;
        /* NUL and what is no character are shown as U+FFFD, as HTML
         * does (v has at most 36 bits here: no wrap-around). */
        *olen = utf8_encode(v == 0 || v > 0x10FFFF ? UTF8_REPLACEMENT : (uint32_t)v, out);
        return i + 1;
    }
    for (j = 0; j < sizeof named / sizeof named[0]; j++) {
        i = strlen(named[j].name);
        if (n > i && memcmp(s + 1, named[j].name, i) == 0) {
            *olen = utf8_encode(named[j].cp, out);
            return i + 1;
        }
    }
    return 0;
}

char *docfx_html_text(const char *s, size_t n)
{
    struct strbuf o = STRBUF_INIT;
    size_t i = 0, start = 0, k, olen, wb = 0, wl = 0, nl;
    const char *name, *end;
    char buf[4];

    while (i < n) {
        if (s[i] == '<' && (k = tag_len(s + i, n - i)) > 0) {
            strbuf_add(&o, s + start, i - start);
            switch (docfx_tag_kind(s + i, k, &wb, &wl)) {
            case DOCFX_TAG_PLACEHOLDER:
                strbuf_add(&o, s + i + wb, wl);
                break;
            case DOCFX_TAG_BREAK:
            case DOCFX_TAG_LINEBREAK:
                strbuf_addch(&o, ' ');
                break;
            default:
                break;
            }
            name = tag_name(s + i, k, &nl);
            if (s[i + 1] != '/' && (word_eq(name, nl, "script") || word_eq(name, nl, "style"))) {
                end = find_ci(s + i + k, n - i - k, nl == 6 ? "</script" : "</style");
                k = end ? (size_t)(end - (s + i)) : n - i;
            }
            i += k;
            start = i;
        } else if (s[i] == '&' && (k = entity(s + i, n - i, buf, &olen)) > 0) {
            strbuf_add(&o, s + start, i - start);
            strbuf_add(&o, buf, olen);
            i += k;
            start = i;
        } else {
            i++;
        }
    }
    strbuf_add(&o, s + start, n - start);
    return strbuf_detach(&o, NULL);
}
