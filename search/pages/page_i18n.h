/* page_i18n.h -- the pages' own words in several languages.
 *
 * One flat JSON object of strings per language in <web>/i18n/<lang>.json
 * ("en.json", "ru.json", ...).  Two members describe the language
 * itself: "meta.locale" (the content locale its pages search, such as
 * "ru-ru") and "meta.name" (its name in itself, for the switcher).  A
 * key missing in one language falls back to English, then to the key.
 *
 * The table is loaded once at start (serve_main.c keeps it in struct
 * app) and never changes afterwards: every pointer returned here stays
 * valid until i18n_free(), and any thread may call any lookup. */
#ifndef KB_PAGE_I18N_H
#define KB_PAGE_I18N_H

#include <stddef.h>

struct i18n_table;
struct i18n_lang;

/* Reads every <web_dir>/i18n/<lang>.json into a new table (*out; free with
 * i18n_free()).  A file that does not parse is reported on stderr and
 * skipped; a missing folder is reported and gives an empty table, whose
 * pages show their keys.  Returns 0, or -1 when out of memory. */
int i18n_load(const char *web_dir, struct i18n_table **out);

/* Frees the table and every string in it.  NULL is a no-op. */
void i18n_free(struct i18n_table *t);

/* The strings of lang (a language code such as "ru", or a locale such
 * as "ru-ru": the part before '-' counts), English when there is no
 * such file.  NULL only when the table is empty; i18n_str() accepts
 * that NULL. */
const struct i18n_lang *i18n_get(const struct i18n_table *t, const char *lang);

/* The string for key in l, else in English, else key itself. */
const char *i18n_str(const struct i18n_lang *l, const char *key);

/* Language code ("ru"), content locale ("ru-ru") and name ("Русский"). */
const char *i18n_code(const struct i18n_lang *l);
const char *i18n_locale(const struct i18n_lang *l);
const char *i18n_name(const struct i18n_lang *l);

/* The languages loaded, ordered by code; i < i18n_count(t). */
size_t i18n_count(const struct i18n_table *t);
const struct i18n_lang *i18n_at(const struct i18n_table *t, size_t i);

/* Calls fn for every key of the English file (sorted), with the value
 * in l (or its fallback).  Stops when fn returns non-zero. */
void i18n_each(const struct i18n_lang *l, int (*fn)(void *ctx, const char *key,
                                                    const char *value),
               void *ctx);

#endif
