/* escape.h -- the one place where text is escaped for HTML and URLs.
 * The UTF-8 checks of user input are utf8.h's; it is included here for
 * the callers that check and escape. */
#ifndef KB_ESCAPE_H
#define KB_ESCAPE_H

#include "strbuf.h"
#include "utf8.h"

#include <stddef.h>

/* Appends s with & < > " ' escaped (safe in text and quoted attributes). */
void escape_html(struct strbuf *sb, const char *s);

/* Appends s[0..len) with & < > " escaped and ' left as it is: the
 * escaping cmark_render_html() gives text, for text written among
 * cmark's own output (the cells of pipe tables), so that the page is
 * escaped one way throughout.  Not for single-quoted attributes. */
void escape_html_cmark(struct strbuf *sb, const char *s, size_t len);

/* A part of a text: len bytes from byte offset off. */
struct escape_span {
    size_t off;
    size_t len;
};

/* Appends text[0..len) escaped as escape_html() escapes, with open
 * before and close after the bytes of each of the nspans spans: a
 * search snippet with <mark> around its matches.  The spans are in
 * order and do not overlap; the caller keeps them on character
 * boundaries.  What falls outside the text, or on a part written
 * already, is left out; an empty span adds no markup.  open and close
 * are markup, appended as they are: literals such as "<mark>", never
 * text from a user or an article. */
void escape_html_marked(struct strbuf *sb, const char *text, size_t len,
                        const struct escape_span *spans, size_t nspans, const char *open,
                        const char *close);

/* Appends s percent-encoded for a URL query value or path segment;
 * keep_slash leaves '/' as is (article ids in paths). */
void escape_url(struct strbuf *sb, const char *s, int keep_slash);

#endif
