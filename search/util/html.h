/* html.h -- HTML as a type of its own.
 *
 * A struct html holds markup; a const char * holds text.  The only ways
 * in are:
 *   - html_text():  text, escaped (& < > " ');
 *   - html_attr():  an attribute by name, ` name="value"`, the value
 *                   escaped; URL attributes (href, src, action, ...)
 *                   keep only relative, http(s): and mailto: URLs;
 *   - html_lit():   trusted markup, a string literal only: the macro
 *                   pastes "" around its argument, so a char * does not
 *                   compile;
 *   - html_fmt():   a literal format whose conversions are numbers only
 *                   (%d %u %ld %lld %zu %f ...; %s, %c, %p, %n fail);
 *   - html_append(): another builder's output (or a slice of it);
 *   - html_file():  a file of the program itself (web/templates);
 *   - html_sanitized(): markup made by a renderer in a lower layer (the
 *                   Markdown renderer, the index's snippets), read again
 *                   and re-emitted through the rules above: tags and
 *                   attributes on the policy's literal allow-list are
 *                   kept, text and attribute values checked to be
 *                   escaped (and escaped where they are not), every
 *                   other '<' becomes &lt;.
 * There is no function that takes a char * as markup.
 *
 * Ownership and failure are strbuf's (strbuf.h): a struct html on the
 * stack starts as HTML_INIT and is released with html_release(); after
 * an allocation failure or a refused input (a non-numeric conversion in
 * html_fmt, an on* or style attribute) the builder is failed, further
 * appends are no-ops and html_failed() says so: check once at the end.
 * Only html.c touches the strbuf inside. */
#ifndef KB_HTML_H
#define KB_HTML_H

#include "strbuf.h"

#include <stddef.h>

struct html {
    struct strbuf sb; /* private to html.c */
};

#define HTML_INIT {STRBUF_INIT}

/* Appends text, HTML-escaped. NULL appends nothing. */
void html_text(struct html *h, const char *text);
void html_text_n(struct html *h, const char *text, size_t len);

/* Appends trusted markup: lit must be a string literal. */
#define html_lit(h, lit) html_lit_((h), "" lit "", sizeof("" lit "") - 1)

/* Appends ` name="value"` (name a literal; value text, NULL as "").
 * For URL attributes (href, src, action, formaction, cite, poster,
 * xlink:href) an unsafe URL (javascript:, data:, any scheme but http,
 * https and mailto) becomes "".  Event handler (on*) and style
 * attributes fail the builder: their values are code, not text. */
#define html_attr(h, name, value) html_attr_((h), "" name "", (value))

/* Appends printf(fmt, ...) where fmt is a string literal whose every
 * conversion is a number (d i u x ld lld zu f ... with flags, width and
 * precision) or %%; any other conversion fails the builder. */
#define html_fmt(h, fmt, ...) html_fmt_((h), "" fmt "", __VA_ARGS__)

/* Appends part's markup (part unchanged; may not be h itself), or the
 * len bytes of it from off (clipped to its end). */
void html_append(struct html *h, const struct html *part);
void html_append_slice(struct html *h, const struct html *part, size_t off, size_t len);

/* Appends the markup of a file that is part of the program, trusted
 * like a literal: the templates of the web folder, nothing a user or
 * an author wrote.  Returns 0, or -1 when it cannot be read. */
int html_file(struct html *h, const char *path);

/* What html_sanitized() keeps: a literal list of tags, each with its
 * allowed attributes. */
struct html_tag_rule {
    const char *tag;
    const char *const *attrs; /* NULL-terminated, or NULL for none */
};
struct html_policy {
    const struct html_tag_rule *tags;
    size_t ntags;
    int comments; /* keep "<!-- raw HTML omitted -->" (cmark's safe mode) */
};
/* Snippets: <mark> only. */
extern const struct html_policy html_policy_marks;
/* Rendered Markdown (markdown_render_html()): cmark's safe-mode tags,
 * heading ids, Markdown tables. */
extern const struct html_policy html_policy_article;

/* Appends markup re-read under policy p (see the top of this file).
 * Well-formed allowed markup comes out byte for byte as it went in. */
void html_sanitized(struct html *h, const char *markup, const struct html_policy *p);

int html_failed(const struct html *h);
/* Fails h by hand (a part it needed could not be made). */
void html_fail(struct html *h);
/* The markup so far: borrowed, valid until the next change to h; ""
 * when empty, never NULL. */
const char *html_str(const struct html *h);
size_t html_len(const struct html *h);
/* Frees the markup; h is HTML_INIT again (failure cleared). */
void html_release(struct html *h);
/* Appends h's markup to out (moving the buffer when out is empty) and
 * releases h; a failed h fails out. */
void html_to_strbuf(struct html *h, struct strbuf *out);

/* Behind the macros: call them, not these. */
void html_lit_(struct html *h, const char *lit, size_t len);
void html_attr_(struct html *h, const char *name, const char *value);
void html_fmt_(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* 1 when url (text, not escaped) may stand in a URL attribute:
 * relative ("/x", "x", "#x", "?x") or http:, https: or mailto: once the
 * tabs, newlines and leading blanks a browser ignores are ignored; with
 * image also data:image/png, gif, jpeg or webp.  0 otherwise. */
int html_url_safe(const char *url, int image);

#endif
