/* html.c -- the HTML builder; see html.h for its rules.  Table-tested
 * in tests/test_escape.c. */
#include "html.h"

#include "escape.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void fail(struct html *h, const char *why)
{
    if (!h->sb.failed)
        fprintf(stderr, "html builder: %s\n", why);
    h->sb.failed = 1;
}

/* One byte escaped the one way escape_html() knows. */
static void esc_byte(struct strbuf *sb, char c)
{
    char one[2] = {c, 0};
    escape_html(sb, one);
}

void html_text(struct html *h, const char *text)
{
    if (text)
        escape_html(&h->sb, text);
}

void html_text_n(struct html *h, const char *text, size_t len)
{
    size_t run = 0;
    for (size_t i = 0; i < len && text[i]; i++) {
        char c = text[i];
        if (c != '&' && c != '<' && c != '>' && c != '"' && c != '\'')
            continue;
        strbuf_add(&h->sb, text + run, i - run);
        esc_byte(&h->sb, c);
        run = i + 1;
    }
    size_t end = run;
    while (end < len && text[end])
        end++;
    strbuf_add(&h->sb, text + run, end - run);
}

void html_lit_(struct html *h, const char *lit, size_t len)
{
    strbuf_add(&h->sb, lit, len);
}

static int is_url_attr(const char *name)
{
    static const char *const names[] = {"href", "src", "action", "formaction", "cite",
                                        "poster", "xlink:href"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i]) == 0)
            return 1;
    return 0;
}

int html_url_safe(const char *url, int image)
{
    char scheme[16];
    size_t n = 0;
    const char *p = url;
    /* Browsers drop leading C0 controls and spaces, and tabs and
     * newlines anywhere, before they look for the scheme. */
    while (*p && (unsigned char)*p <= 0x20)
        p++;
    for (; *p; p++) {
        if (*p == '\t' || *p == '\n' || *p == '\r')
            continue;
        if (*p == ':')
            break;
        if (*p == '/' || *p == '?' || *p == '#')
            return 1; /* relative: no scheme before the path */
        int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                 (n && ((*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'));
        if (!ok)
            return 1; /* "a b:c", "x&#58;y": no scheme, a relative path */
        if (n + 1 < sizeof scheme)
            scheme[n] = *p;
        n++;
    }
    if (!*p)
        return 1; /* no colon: a relative path */
    if (n >= sizeof scheme)
        return 0; /* no scheme we allow is that long */
    scheme[n] = '\0';
    if (strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0 ||
        strcasecmp(scheme, "mailto") == 0)
        return 1;
    if (image && strcasecmp(scheme, "data") == 0) {
        static const char *const types[] = {"image/png", "image/gif", "image/jpeg",
                                            "image/webp"};
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
            size_t k = strlen(types[i]);
            if (strncasecmp(p + 1, types[i], k) == 0 && (p[1 + k] == ';' || p[1 + k] == ','))
                return 1;
        }
    }
    return 0;
}

void html_attr_(struct html *h, const char *name, const char *value)
{
    if (strncasecmp(name, "on", 2) == 0 || strcasecmp(name, "style") == 0) {
        fail(h, "on* and style attributes take code, not text");
        return;
    }
    if (!value || (is_url_attr(name) && !html_url_safe(value, strcasecmp(name, "src") == 0)))
        value = "";
    strbuf_addch(&h->sb, ' ');
    strbuf_adds(&h->sb, name);
    strbuf_adds(&h->sb, "=\"");
    escape_html(&h->sb, value);
    strbuf_addch(&h->sb, '"');
}

/* 1 when every conversion of fmt is numeric or %%. */
static int numeric_format(const char *fmt)
{
    for (const char *p = fmt; (p = strchr(p, '%')) != NULL;) {
        p++;
        if (*p == '%') {
            p++;
            continue;
        }
        p += strspn(p, "-+ #0");
        p += strspn(p, "0123456789");
        if (*p == '.') {
            p++;
            p += strspn(p, "0123456789");
        }
        p += strspn(p, "hlLqjzt");
        if (!*p || !strchr("diouxXfFeEgGaA", *p))
            return 0;
        p++;
    }
    return 1;
}

void html_fmt_(struct html *h, const char *fmt, ...)
{
    if (!numeric_format(fmt)) {
        fail(h, "html_fmt takes numbers only");
        return;
    }
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fail(h, "bad format");
        return;
    }
    if ((size_t)n < sizeof small) {
        strbuf_add(&h->sb, small, (size_t)n);
        return;
    }
    /* Long: formatted again into a buffer of the right size. */
    char *big = malloc((size_t)n + 1);
    if (!big) {
        h->sb.failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    strbuf_add(&h->sb, big, (size_t)n);
    free(big);
}

void html_append(struct html *h, const struct html *part)
{
    if (part->sb.failed)
        h->sb.failed = 1;
    else if (part->sb.len)
        strbuf_add(&h->sb, part->sb.buf, part->sb.len);
}

void html_append_slice(struct html *h, const struct html *part, size_t off, size_t len)
{
    if (part->sb.failed) {
        h->sb.failed = 1;
        return;
    }
    if (off >= part->sb.len)
        return;
    if (len > part->sb.len - off)
        len = part->sb.len - off;
    strbuf_add(&h->sb, part->sb.buf + off, len);
}

int html_file(struct html *h, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_add(&h->sb, buf, got);
    int bad = ferror(f);
    fclose(f);
    return bad ? -1 : 0;
}

int html_failed(const struct html *h)
{
    return h->sb.failed;
}

void html_fail(struct html *h)
{
    h->sb.failed = 1;
}

const char *html_str(const struct html *h)
{
    return h->sb.buf ? h->sb.buf : "";
}

size_t html_len(const struct html *h)
{
    return h->sb.len;
}

void html_release(struct html *h)
{
    strbuf_release(&h->sb);
}

void html_to_strbuf(struct html *h, struct strbuf *out)
{
    if (h->sb.failed) {
        out->failed = 1;
    } else if (!out->len && !out->failed) {
        strbuf_release(out);
        *out = h->sb;
        h->sb = (struct strbuf)STRBUF_INIT;
        return;
    } else {
        strbuf_add(out, h->sb.buf ? h->sb.buf : "", h->sb.len);
    }
    strbuf_release(&h->sb);
}

/* ---- html_sanitized(): markup from a renderer, read again ---- */

static const char *const a_attrs[] = {"href", "title", NULL};
static const char *const img_attrs[] = {"src", "alt", "title", NULL};
static const char *const id_attrs[] = {"id", NULL};
static const char *const class_attrs[] = {"class", NULL};
static const char *const ol_attrs[] = {"start", NULL};

static const struct html_tag_rule mark_tags[] = {{"mark", NULL}};
const struct html_policy html_policy_marks = {mark_tags, 1, 0};

static const struct html_tag_rule article_tags[] = {
    {"a", a_attrs},         {"blockquote", NULL},  {"br", NULL},       {"code", class_attrs},
    {"del", NULL},          {"div", class_attrs},  {"em", NULL},       {"h1", id_attrs},
    {"h2", id_attrs},       {"h3", id_attrs},      {"h4", id_attrs},   {"h5", id_attrs},
    {"h6", id_attrs},       {"hr", NULL},          {"img", img_attrs}, {"li", NULL},
    {"ol", ol_attrs},       {"p", NULL},           {"pre", NULL},      {"strong", NULL},
    {"table", NULL},        {"tbody", NULL},       {"td", NULL},       {"th", NULL},
    {"thead", NULL},        {"tr", NULL},          {"ul", NULL},
};
const struct html_policy html_policy_article = {
    article_tags, sizeof article_tags / sizeof article_tags[0], 1};

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9');
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Length of the character reference at s ("&amp;", "&#39;", "&#x27;"),
 * 0 when s does not start one. */
static size_t entity_len(const char *s)
{
    size_t i = 1;
    if (s[i] == '#') {
        i++;
        int hex = s[i] == 'x' || s[i] == 'X';
        if (hex)
            i++;
        size_t start = i;
        while (i - start < 7 && ((s[i] >= '0' && s[i] <= '9') ||
                                 (hex && ((s[i] >= 'a' && s[i] <= 'f') ||
                                          (s[i] >= 'A' && s[i] <= 'F')))))
            i++;
        return i > start && s[i] == ';' ? i + 1 : 0;
    }
    while (i < 33 && is_alnum(s[i]))
        i++;
    return i > 1 && s[i] == ';' ? i + 1 : 0;
}

/* Appends s[0..len) as escaped text (in_attr: for a "-quoted value):
 * character references stay as they are, every other byte that could
 * end the text or start markup is escaped. */
static void put_checked(struct strbuf *out, const char *s, size_t len, int in_attr)
{
    size_t run = 0, i = 0;
    while (i < len) {
        char c = s[i];
        size_t e = c == '&' ? entity_len(s + i) : 0;
        if (e && i + e <= len) {
            i += e;
            continue;
        }
        if (c == '&' || c == '<' || c == '>' || (in_attr && c == '"')) {
            strbuf_add(out, s + run, i - run);
            esc_byte(out, c);
            run = i + 1;
        }
        i++;
    }
    strbuf_add(out, s + run, len - run);
}

/* The text an attribute value stands for, as far as a URL check needs
 * it: numeric references and amp/lt/gt/quot/apos decoded; 0 when it
 * holds another named reference (which a browser would decode). */
static int decode_value(const char *s, size_t len, struct strbuf *out)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (size_t i = 0; i < len;) {
        size_t e = s[i] == '&' ? entity_len(s + i) : 0;
        if (!e || i + e > len) {
            strbuf_addch(out, s[i++]);
            continue;
        }
        if (s[i + 1] == '#') {
            int hex = s[i + 2] == 'x' || s[i + 2] == 'X';
            unsigned long cp = strtoul(s + i + 2 + hex, NULL, hex ? 16 : 10);
            /* Only ASCII matters for a scheme; anything else stands in
             * as a byte that is no scheme character. */
            strbuf_addch(out, cp > 0 && cp < 0x80 ? (char)cp : '~');
        } else {
            size_t k = 0;
            while (k < sizeof named / sizeof named[0] &&
                   (strlen(named[k].name) != e || strncmp(s + i, named[k].name, e) != 0))
                k++;
            if (k == sizeof named / sizeof named[0])
                return 0;
            strbuf_addch(out, named[k].c);
        }
        i += e;
    }
    return 1;
}

static const struct html_tag_rule *find_rule(const struct html_policy *p, const char *name,
                                             size_t len)
{
    for (size_t i = 0; i < p->ntags; i++)
        if (strlen(p->tags[i].tag) == len && strncmp(p->tags[i].tag, name, len) == 0)
            return &p->tags[i];
    return NULL;
}

static int attr_allowed(const struct html_tag_rule *r, const char *name, size_t len)
{
    for (const char *const *a = r->attrs; a && *a; a++)
        if (strlen(*a) == len && strncmp(*a, name, len) == 0)
            return 1;
    return 0;
}

/* Reads one tag at s (s[0] == '<') and, when the policy allows it,
 * appends it to out rebuilt from the rule's literal name and the
 * allowed attributes, and returns its length; 0 when s is no allowed
 * tag (the caller escapes the '<').  Attributes the rule does not name
 * are left out; a URL attribute whose value is unsafe is emptied. */
static size_t put_tag(struct strbuf *out, const char *s, const struct html_policy *p)
{
    static const char comment[] = "<!-- raw HTML omitted -->";
    if (p->comments && strncmp(s, comment, sizeof comment - 1) == 0) {
        strbuf_add(out, comment, sizeof comment - 1);
        return sizeof comment - 1;
    }
    size_t i = 1;
    int closing = s[i] == '/';
    if (closing)
        i++;
    size_t name = i;
    if (!is_alpha(s[i]))
        return 0;
    while (is_alnum(s[i]))
        i++;
    const struct html_tag_rule *r = find_rule(p, s + name, i - name);
    if (!r)
        return 0;
    struct strbuf tag = STRBUF_INIT;
    strbuf_adds(&tag, closing ? "</" : "<");
    strbuf_adds(&tag, r->tag);
    for (;;) {
        size_t ws = i;
        while (is_space(s[i]))
            i++;
        if (s[i] == '>' || (s[i] == '/' && s[i + 1] == '>' && !closing)) {
            if (s[i] == '/')
                strbuf_adds(&tag, i > ws ? " />" : "/>");
            else
                strbuf_addch(&tag, '>');
            i += s[i] == '/' ? 2 : 1;
            break;
        }
        if (closing || i == ws)
            goto refuse; /* attributes must be apart; none on a closing tag */
        size_t an = i;
        while (s[i] && !is_space(s[i]) && !strchr("\"'>/=<", s[i]))
            i++;
        size_t alen = i - an;
        if (!alen)
            goto refuse;
        const char *val = NULL;
        size_t vlen = 0;
        size_t j = i;
        while (is_space(s[j]))
            j++;
        if (s[j] == '=') {
            j++;
            while (is_space(s[j]))
                j++;
            if (s[j] == '"' || s[j] == '\'') {
                const char *end = strchr(s + j + 1, s[j]);
                if (!end)
                    goto refuse;
                val = s + j + 1;
                vlen = (size_t)(end - val);
                i = (size_t)(end - s) + 1;
            } else {
                val = s + j;
                while (s[j] && !is_space(s[j]) && !strchr("\"'<>=`", s[j]))
                    j++;
                vlen = (size_t)(s + j - val);
                if (!vlen)
                    goto refuse;
                i = j;
            }
        }
        if (!attr_allowed(r, s + an, alen))
            continue;
        strbuf_addch(&tag, ' ');
        strbuf_add(&tag, s + an, alen);
        if (!val)
            continue;
        strbuf_adds(&tag, "=\"");
        char aname[16];
        snprintf(aname, sizeof aname, "%.*s", (int)(alen < 15 ? alen : 15), s + an);
        if (is_url_attr(aname)) {
            struct strbuf dec = STRBUF_INIT;
            int known = decode_value(val, vlen, &dec);
            int safe = known && !dec.failed &&
                       html_url_safe(dec.buf ? dec.buf : "", strcmp(aname, "src") == 0);
            strbuf_release(&dec);
            if (!safe)
                vlen = 0;
        }
        put_checked(&tag, val, vlen, 1);
        strbuf_addch(&tag, '"');
    }
    if (tag.failed)
        out->failed = 1;
    else
        strbuf_add(out, tag.buf, tag.len);
    strbuf_release(&tag);
    return i;
refuse:
    strbuf_release(&tag);
    return 0;
}

void html_sanitized(struct html *h, const char *markup, const struct html_policy *p)
{
    if (!markup)
        return;
    const char *s = markup;
    while (*s) {
        size_t text = strcspn(s, "<");
        put_checked(&h->sb, s, text, 0);
        s += text;
        if (!*s)
            break;
        size_t n = put_tag(&h->sb, s, p);
        if (n) {
            s += n;
        } else {
            esc_byte(&h->sb, '<');
            s++;
        }
    }
}
