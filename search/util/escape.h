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

/* Appends s percent-encoded for a URL query value or path segment;
 * keep_slash leaves '/' as is (article ids in paths). */
void escape_url(struct strbuf *sb, const char *s, int keep_slash);

#endif
