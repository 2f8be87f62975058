/* escape.c -- escapers and input checks, table-tested in
 * tests/test_escape.c. */
#include "escape.h"

#include <string.h>

/* The one HTML escaper; keep_apos is for escape_html_cmark(). */
static void html_escape(struct strbuf *sb, const char *s, size_t len, int keep_apos)
{
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = keep_apos ? NULL : "&#39;"; break;
        default: break;
        }
        if (!rep)
            continue;
        strbuf_add(sb, s + run, i - run);
        strbuf_adds(sb, rep);
        run = i + 1;
    }
    strbuf_add(sb, s + run, len - run);
}

void escape_html(struct strbuf *sb, const char *s)
{
    html_escape(sb, s, strlen(s), 0);
}

void escape_html_cmark(struct strbuf *sb, const char *s, size_t len)
{
    html_escape(sb, s, len, 1);
}

void escape_html_marked(struct strbuf *sb, const char *text, size_t len,
                        const struct escape_span *spans, size_t nspans, const char *open,
                        const char *close)
{
    size_t done = 0; /* text[0..done) is written */
    for (size_t i = 0; i < nspans; i++) {
        size_t off = spans[i].off;
        if (off >= len)
            continue;
        size_t end = spans[i].len < len - off ? off + spans[i].len : len;
        if (off < done)
            off = done;
        if (end <= off)
            continue;
        html_escape(sb, text + done, off - done, 0);
        strbuf_adds(sb, open);
        html_escape(sb, text + off, end - off, 0);
        strbuf_adds(sb, close);
        done = end;
    }
    html_escape(sb, text + done, len - done, 0);
}

void escape_url(struct strbuf *sb, const char *s, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
            strbuf_addch(sb, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            strbuf_add(sb, e, 3);
        }
    }
}
