/* template.h -- HTML templates from the web folder, and the values
 * they are filled with.
 *
 * A template is a file in <web>/templates/.  "{{name}}" is an escaped
 * slot, "{{{name}}}" a raw one.  A value is set either as text
 * (tpl_set_text) or as HTML (tpl_set_html, from a struct html, html.h):
 *   - text in {{x}} is escaped; HTML in {{x}} is escaped too (shows
 *     as markup, never runs);
 *   - HTML in {{{x}}} is copied as it is; text in {{{x}}} is refused:
 *     the slot renders nothing and the render logs it on stderr.
 * A name that has no value renders nothing.  Values are never expanded
 * again: "{{x}}" inside a value is text.
 *
 * struct tpl_vars owns copies of its names and values and frees them
 * in tpl_vars_release().  Scopes: tpl_scope_open() starts a scope,
 * values set after it hide outer ones of the same name, and
 * tpl_scope_close() frees them (one list item's values, say).  A
 * fallback function gives text values for names no scope has (the UI
 * strings "t.<key>").  Allocation failures are sticky, as in strbuf:
 * a render with failed values fails its output. */
#ifndef KB_TEMPLATE_H
#define KB_TEMPLATE_H

#include "html.h"

#include <stddef.h>

struct templates;

/* Text for a name no scope has (name is len bytes, not NUL-terminated),
 * or NULL for none; must stay valid until the render returns. */
typedef const char *(*tpl_fallback_fn)(const void *ctx, const char *name, size_t len);

struct tpl_value; /* private to template.c */

struct tpl_vars {
    struct tpl_value *v; /* all scopes, outermost first */
    size_t n, cap;
    size_t *scopes; /* index in v where each open scope starts */
    size_t nscopes, capscopes;
    tpl_fallback_fn fallback;
    const void *fallback_ctx;
    int failed;
};

#define TPL_VARS_INIT {NULL, 0, 0, NULL, 0, 0, NULL, NULL, 0}

/* Sets name (copied) to a copy of text (NULL is "") or of h's markup
 * in the innermost scope, replacing a value of that name there. */
void tpl_set_text(struct tpl_vars *v, const char *name, const char *text);
void tpl_set_html(struct tpl_vars *v, const char *name, const struct html *h);

void tpl_scope_open(struct tpl_vars *v);
/* Frees the values of the innermost scope; no-op when none is open. */
void tpl_scope_close(struct tpl_vars *v);

/* Frees every value; v is TPL_VARS_INIT again.  NULL is a no-op. */
void tpl_vars_release(struct tpl_vars *v);

/* Loads every *.html file of dir.  Returns 0, or -1 with err filled.
 * Free with templates_free(). */
int templates_load(const char *dir, struct templates **out, char *err, size_t errlen);
void templates_free(struct templates *t);
/* The name of a template that have has and fresh lacks, or NULL when
 * fresh has them all (a reload must not lose a page's template). */
const char *templates_missing(const struct templates *have, const struct templates *fresh);

/* Appends template name filled from vars (NULL: no values) to out.
 * Returns 0, or -1 when there is no template of that name. */
int template_render(const struct templates *t, const char *name,
                    const struct tpl_vars *vars, struct html *out);

#endif
