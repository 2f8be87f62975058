/* markdown.h -- Markdown body -> plain text, answer units, links, and
 * safe HTML, all through cmark's AST (no regular expressions).
 *
 * Input is the body after docfx_clean() (docfx.h).  Every returned or
 * stored string is valid UTF-8.  Reentrant: no global state.
 *
 * Plain text keeps the words of paragraphs, list items, pipe-table
 * cells (pipes and "---" rows dropped; cmark has no table extension),
 * block quotes, code, link text and image alt text; blocks are joined
 * by '\n' and whitespace runs inside a block become one space.  Tags of
 * HTML elements are dropped, but angle-bracket placeholders that are
 * not HTML, such as <tenant-id> or <your domain>, keep their words.
 *
 * Units and anchors: the text before the first H2 is the lead unit
 * (anchor "", omitted when empty; the first H1 is the title and belongs
 * to no unit).  Each H2 and H3 starts a unit; an H4-H6 whose text ends
 * in '?' or U+FF1F starts a question unit (is_question = 1); other
 * H4-H6 text is folded into the current unit.  Every top-level heading
 * has an anchor: the first <a name="x"> or <a id="x"> inside it, else
 * markdown_slug() of its text ("section" if that is empty); a repeat in
 * the same article gets "-1", "-2", ... appended.  Explicit anchors are
 * registered first, so a slug never takes a name an explicit anchor
 * uses later on the page.  Headings nested in lists or quotes are plain
 * text, not units. */
#ifndef KB_MARKDOWN_H
#define KB_MARKDOWN_H

#include <stddef.h>

#include "article.h"

/* Returns the anchor slug of text: ASCII letters lower-cased, ASCII
 * digits and non-ASCII letters kept as they are, runs of white space,
 * '-' and '_' turned into one '-', other ASCII punctuation and common
 * Unicode punctuation (e.g. U+FF1F, U+3002, U+2014) dropped, '-' trimmed
 * at both ends.  May return "".  Caller frees; NULL on OOM. */
char *markdown_slug(const char *text);

/* Fills a from the Markdown body md (len bytes) that starts at file line
 * first_line: a->markdown (a copy of md), a->title when it is NULL (the
 * plain text of the first H1, if any), a->headings (every top-level
 * heading's plain text, '\n'-joined), a->sections (units as described
 * above) and a->links (relative targets: not "/..." and no "scheme:";
 * "#x" and "page.md#x" included; line = first_line + the link's line in
 * md - 1).  Returns 0, or -1 with d filled (d->line set) on invalid
 * UTF-8 or NUL bytes in md or on OOM.  d may be NULL. */
int markdown_extract(struct article *a, const char *md, size_t len,
                     unsigned first_line, struct diag *d);

/* Returns the plain text of a whole Markdown fragment (headings become
 * ordinary blocks).  Invalid UTF-8 is replaced by U+FFFD.  Caller frees;
 * NULL on OOM. */
char *markdown_plain_text(const char *md, size_t len);

/* Like markdown_plain_text(), and also appends the fragment's relative
 * links to a->links, all with the given line (for fragments whose own
 * line numbers do not map onto the file, such as YAML scalars).  Caller
 * frees the text; NULL on OOM. */
char *markdown_fragment_text(struct article *a, const char *md, size_t len,
                             unsigned line);

/* Returns safe HTML for the article page.  Rendered with
 * CMARK_OPT_DEFAULT (never CMARK_OPT_UNSAFE): raw HTML is omitted and
 * javascript:, vbscript:, data: (except images) links get an empty href.
 * Placeholders like <tenant-id> are shown as text (&lt;tenant-id&gt;),
 * <a name> anchors and <br> become nothing and a line break, the first
 * H1 is skipped (the page shows the title), and every other top-level
 * heading carries id="<its anchor>", equal to the unit anchors of
 * markdown_extract().  Caller frees; NULL on OOM. */
char *markdown_render_html(const char *md, size_t len);

/* Like markdown_render_html(), and link_fn (may be NULL) sees every link
 * destination first: it returns a malloc'd replacement (freed here) or
 * NULL to keep it.  The article page uses it to turn "billing.md#x"
 * into the URL of that article.  Replacements go through the same
 * safe-mode URL checks. */
typedef char *(*markdown_link_fn)(void *ctx, const char *url);
char *markdown_render_html_links(const char *md, size_t len, markdown_link_fn link_fn,
                                 void *ctx);

#endif
