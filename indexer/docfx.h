/* docfx.h -- turn Microsoft Docs (DocFX) Markdown extensions into plain
 * CommonMark before cmark sees the text.
 *
 * This is a line scanner over DocFX's own syntax, not a Markdown
 * parser: the constructs it rewrites are line- or tag-shaped and cmark
 * would otherwise index their markup as words.  Reentrant. */
#ifndef KB_DOCFX_H
#define KB_DOCFX_H

#include <stddef.h>

/* Returns a new NUL-terminated copy of md (len bytes) with:
 *   "> [!NOTE]" (also IMPORTANT, TIP, CAUTION, WARNING; any case, any
 *   '>' nesting)                          -> "> **Note:**" etc.;
 *   ":::image ... alt-text="X" ...:::"    -> nothing (the pages show no
 *                                            images, and their alt text
 *                                            read as a paragraph of its own);
 *   ":::image-end:::"                     -> nothing;
 *   ":::no-loc text="X":::"               -> X.
 * Lines inside fenced code blocks are copied unchanged.  Newline
 * characters are never added or removed, so line N of the result is
 * line N of md.  The caller frees the result with free(); NULL on OOM. */
char *docfx_clean(const char *md, size_t len);

/* Raw HTML the way Microsoft Docs pages use it.  cmark hands raw HTML
 * over as opaque literals (one tag per inline node, whole HTML blocks);
 * these say what such a literal means.  The pages use <a name="x"></a>
 * as heading anchors and write placeholders in angle brackets
 * (<tenant-id>, <your domain>) that cmark also takes for HTML. */
enum docfx_tag {
    DOCFX_TAG_MARKUP,     /* element tag, closing tag, comment: no text */
    DOCFX_TAG_BREAK,      /* block-level element tag: separates words */
    DOCFX_TAG_LINEBREAK,  /* <br>, <br/> */
    DOCFX_TAG_PLACEHOLDER /* not an HTML element: its words are text */
};

/* Classifies the single tag tag[0..len) ("<...>").  For a placeholder,
 * words_off and words_len (may be NULL) locate its words inside tag, e.g.
 * "your domain" in "<your domain>".  Element names are matched without
 * case against the elements found in Markdown content; rare elements
 * named like common nouns (<title>, <source>, <data>) count as
 * placeholders. */
enum docfx_tag docfx_tag_kind(const char *tag, size_t len, size_t *words_off,
                              size_t *words_len);

/* If tag (NUL-terminated) is an <a> start tag with a name= or id=
 * attribute, returns a copy of that value (caller frees); else NULL
 * (also on OOM, which only loses an explicit anchor). */
char *docfx_anchor_name(const char *tag);

/* Returns the text of an HTML block: tags dropped (block-level ones
 * leave a space), placeholders kept, script/style bodies dropped, the
 * entities amp, lt, gt, quot, apos, nbsp and numeric references
 * decoded.  Whitespace is left as it is.  Caller frees; NULL on OOM. */
char *docfx_html_text(const char *html, size_t len);

#endif
