/* escape.h -- the one place where text is escaped for HTML and URLs,
 * and where user input is checked to be UTF-8. */
#ifndef KB_ESCAPE_H
#define KB_ESCAPE_H

#include "strbuf.h"

#include <stddef.h>

/* Appends s with & < > " ' escaped (safe in text and quoted attributes). */
void escape_html(struct strbuf *sb, const char *s);

/* Appends s percent-encoded for a URL query value or path segment;
 * keep_slash leaves '/' as is (article ids in paths). */
void escape_url(struct strbuf *sb, const char *s, int keep_slash);

/* 1 when s[0..len) is valid UTF-8 with no NUL and no C0 control other
 * than tab, CR and LF; 0 otherwise. */
int utf8_valid_text(const char *s, size_t len);

#endif
