/* faq.h -- Microsoft Docs YAML FAQ files ("### YamlMime:FAQ") -> article.
 *
 * The shape is a mapping of metadata (front-matter keys), title,
 * summary (Markdown), sections: [{name, questions: [{question,
 * answer}]}] and an optional additionalContent (Markdown).  Parsed with
 * libyaml's document API.  Reentrant: no global state. */
#ifndef KB_FAQ_H
#define KB_FAQ_H

#include <stddef.h>

#include "article.h"

/* Returns 1 when buf (len bytes) starts with the line
 * "### YamlMime:FAQ" (after an optional UTF-8 BOM), else 0.  Other
 * DocFX YAML (YamlMime:Landing pages, TOC.yml) is not content. */
int faq_is_faq(const char *buf, size_t len);

/* Parses a YAML FAQ file into a:
 *   metadata keys       through frontmatter_apply() (frontmatter.h);
 *   title               a->title (else metadata's title);
 *   summary             a->description when metadata has none, and the
 *                       lead unit's text;
 *   each question       one unit: anchor = markdown_slug(question) with
 *                       "-1", "-2" for repeats, title = the question's
 *                       plain text, level 2, is_question = 1, text = the
 *                       answer's plain text after docfx_clean();
 *   section names       a->headings ('\n'-joined);
 *   a->markdown         a page to render: the summary, "## name" per
 *                       section and "### question" + answer per
 *                       question, each heading carrying its anchor as
 *                       <a name>, so markdown_render_html() gives the
 *                       headings ids equal to the unit anchors;
 *   a->links            relative links of the summary, answers and
 *                       additionalContent, each with the file line
 *                       where that scalar's text starts;
 *   a->topic            "faq" when metadata sets none.
 * Returns 0, or -1 with d filled (d->line = file line) on invalid YAML,
 * a wrong shape (sections not a list, a question without answer, an
 * empty question, a bad metadata value), no questions at all, or OOM.
 * d may be NULL. */
int faq_parse(const char *buf, size_t len, struct article *a,
              struct diag *d);

#endif
