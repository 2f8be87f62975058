/* pages.h -- what the server-rendered pages (pages.c, page_*.c) share:
 * the page's locale and UI language, the template variables, the
 * site layout around each page's body.
 *
 * A handler calls page_init(), adds its variables with page_set(),
 * renders pieces with page_render() and ends with page_finish(), which
 * wraps the body in web/templates/page.html and releases the page.
 * Every template sees the UI strings as "t.<key>" ({{t.search_button}})
 * plus "locale", "lang", "home_url" and "contact_url"; the layout also
 * shows "staff_bar" (who is signed in, their pages, sign out; empty for
 * customers).  A page may set "body_class" and "head" (extra <head>
 * markup, raw: only code-built HTML). */
#ifndef KB_PAGES_H
#define KB_PAGES_H

#include "page_i18n.h"
#include "server.h"
#include "strbuf.h"
#include "template.h"

struct page {
    struct request *rq;
    char locale[33];              /* the page's locale: ?locale= or the default */
    char lang[16];                /* its language: "ru" for "ru-ru" */
    const struct i18n_lang *ui;   /* the UI strings for lang */
    struct tpl_var *vars;         /* names and values borrowed */
    size_t nvars, cap;
    struct strbuf self;           /* this page's URL without locale, for the switcher */
    char **kept;                  /* strings the page owns until it is released */
    size_t nkept;
};

/* Sets the page up for locale (NULL, "" or an ill-formed value: the
 * default).  path is the page's own path, extra_query an escaped query
 * string without locale ("q=late+fee") or NULL: the language switcher
 * links there. */
void page_init(struct page *pg, struct request *rq, const char *locale, const char *path,
               const char *extra_query);

/* Sets variable name to value (both borrowed until the page is
 * released), replacing an earlier value. */
void page_set(struct page *pg, const char *name, const char *value);

/* Keeps a copy of s for the page's lifetime and returns it. */
const char *page_keep(struct page *pg, const char *s);

/* The UI string for key. */
const char *page_t(const struct page *pg, const char *key);

/* Appends the UI string key to out, HTML-escaped, with "{name}" replaced
 * by the escaped value of the matching pair (NULL-terminated list of
 * name, value).  The result is HTML for a {{{raw}}} slot. */
void page_tf(const struct page *pg, struct strbuf *out, const char *key, ...);

/* Appends template name rendered with the page's variables. */
void page_render(struct page *pg, const char *name, struct strbuf *out);

/* Appends href of path for this page's locale ("/contact?locale=ru-ru"). */
void page_url(const struct page *pg, struct strbuf *out, const char *path);

/* The display name of a topic ("How-to") in the page's language, and
 * of a locale ("Русский"); the argument itself when there is none. */
const char *page_topic_name(const struct page *pg, const char *topic);
const char *page_locale_name(const struct page *pg, const char *locale);

/* Wraps body in the site layout with title into rq->out, releases the
 * page and returns status. */
unsigned page_finish(struct page *pg, unsigned status, const char *title, const char *body);

/* Releases the page without answering (after reply_error()). */
void page_release(struct page *pg);

/* page_popular.c: appends up to n <li> items of the most read articles
 * in the page's locale (from the event store, else a pick from the
 * index), or of the default locale's when the lists have none for it.
 * Only reads the lists the background thread made: never counts, never
 * waits for a count; empty until the first lists are out. */
void popular_render(struct page *pg, size_t n, struct strbuf *out);

/* The lists popular_render() reads (struct app's popular).  0, or -1
 * when out of memory; free with popular_cache_free() (NULL is a
 * no-op), which also stops and joins the thread popular_start()
 * started. */
struct popular_cache;
int popular_cache_new(struct popular_cache **out);
void popular_cache_free(struct popular_cache *c);

/* Starts the thread that makes the lists: one per locale of the index
 * at cfg->index_dir, from the events in cfg->db_path (a connection of
 * its own), again every two minutes and on each new index revision.
 * Call after the service database is set up, with signals blocked.
 * The strings of cfg are copied.  0, or -1 when the thread cannot
 * start.  The environment variable KB_POPULAR_REFRESH_MS, for tests,
 * shortens the two minutes. */
int popular_start(struct popular_cache *c, const struct app_config *cfg);

/* For /healthz: locales the current lists cover, the index revision
 * they were made from, and how many times the events were counted. */
struct popular_stats {
    size_t locales;
    unsigned long long revision;
    unsigned long refreshes;
};
void popular_get_stats(struct popular_cache *c, struct popular_stats *out);

/* page_contact.c: appends <li> items of suggestions for text (the
 * case form's subject without JavaScript). */
void suggest_render(struct page *pg, const char *text, size_t n, struct strbuf *out);

#endif
