/* template.h -- HTML templates from the web folder.
 *
 * A template is a file in <web>/templates/.  "{{name}}" is replaced by
 * the variable's value HTML-escaped; "{{{name}}}" by the value as is,
 * which only code that built that HTML itself (and escaped what it
 * interpolated) may pass.  Unknown names expand to nothing. */
#ifndef KB_TEMPLATE_H
#define KB_TEMPLATE_H

#include "strbuf.h"

#include <stddef.h>

struct templates;

struct tpl_var {
    const char *name;
    const char *value; /* NULL is "" */
};

/* Loads every *.html file of dir.  Returns 0, or -1 with err filled.
 * Free with templates_free(). */
int templates_load(const char *dir, struct templates **out, char *err, size_t errlen);
void templates_free(struct templates *t);

/* Appends the rendered template to out.  Returns 0, or -1 when there is
 * no template of that name. */
int template_render(const struct templates *t, const char *name,
                    const struct tpl_var *vars, size_t nvars, struct strbuf *out);

#endif
