/* pages.h -- what the server-rendered pages (pages.c, page_*.c) share:
 * the page's locale and UI language, the template values, the site
 * layout around each page's body.
 *
 * A handler calls page_init(), sets values with page_set_text() (for
 * {{x}} slots) and page_set_html() (the only way to fill a {{{x}}}
 * slot: template.h), builds markup with the HTML builder (html.h),
 * renders pieces with page_render() and ends with page_finish(), which
 * wraps the body in web/templates/page.html and releases the page.
 * The page owns copies of its values and frees them with itself; the
 * values of one list item go in a scope (page_scope_open() ...
 * page_scope_close()) so the next item and the layout do not see them.
 * Every template sees the UI strings as "t.<key>" ({{t.search_button}})
 * plus "locale", "lang", "home_url" and "contact_url"; the layout also
 * shows "staff_bar" (who is signed in, their pages, sign out; empty for
 * customers).  A page may set "body_class" (text) and "head" (extra
 * <head> markup, HTML). */
#ifndef KB_PAGES_H
#define KB_PAGES_H

#include "html.h"
#include "kb.h"
#include "page_i18n.h"
#include "request.h"
#include "strbuf.h"
#include "template.h"

struct page {
    struct request *rq;
    char locale[33];              /* the page's locale: ?locale= or the default */
    char lang[16];                /* its language: "ru" for "ru-ru" */
    const struct i18n_lang *ui;   /* the UI strings for lang */
    struct tpl_vars vars;         /* the page's values, owned */
    struct strbuf self;           /* this page's URL without locale, for the switcher */
};

/* Sets the page up for locale (NULL, "" or an ill-formed value: the
 * default).  path is the page's own path, extra_query an escaped query
 * string without locale ("q=late+fee") or NULL: the language switcher
 * links there. */
void page_init(struct page *pg, struct request *rq, const char *locale, const char *path,
               const char *extra_query);

/* Sets value name to a copy of text (NULL is ""), or of h's markup,
 * in the innermost scope, replacing a value of that name there. */
void page_set_text(struct page *pg, const char *name, const char *text);
void page_set_html(struct page *pg, const char *name, const struct html *h);

/* A scope for the values of one render (a list item): values set after
 * page_scope_open() are freed by page_scope_close(), and anything left
 * open by page_release(). */
void page_scope_open(struct page *pg);
void page_scope_close(struct page *pg);

/* Sets "snippet" to the hit's snippet as HTML: its text with the
 * matches marked (<mark>), nothing else. */
void page_set_snippet(struct page *pg, const kb_hit *h);

/* The UI string for key. */
const char *page_t(const struct page *pg, const char *key);

/* Appends the UI string key to out as text, with "{name}" replaced by
 * the value of the matching pair (NULL-terminated list of name, value),
 * both escaped. */
void page_tf(const struct page *pg, struct html *out, const char *key, ...);

/* A pager's link to another page of a list, shown as a button:
 * <a class="button secondary" rel=REL href=URL>key's text</a>.  Takes
 * url and releases it; a URL that ran out of memory fails out. */
void page_pager_button(struct page *pg, const char *rel, struct strbuf *url, const char *key,
                       struct html *out);

/* Appends template name rendered with the page's values. */
void page_render(struct page *pg, const char *name, struct html *out);

/* Appends href of path for this page's locale ("/contact?locale=ru-ru"):
 * a URL, text for an attribute. */
void page_url(const struct page *pg, struct strbuf *out, const char *path);

/* The display name of a topic ("How-to") in the page's language, and
 * of a locale ("Русский"); the argument itself when there is none. */
const char *page_topic_name(const struct page *pg, const char *topic);
const char *page_locale_name(const struct page *pg, const char *locale);

/* Wraps body in the site layout with title (text) into rq->out,
 * releases the page and returns status (503 when the page could not
 * be built: out of memory). */
unsigned page_finish(struct page *pg, unsigned status, const char *title,
                     const struct html *body);

/* Releases the page without answering (after reply_error()). */
void page_release(struct page *pg);

/* page_popular.c: appends up to n <li> items of the most read articles
 * in the page's locale (from the event store, else a pick from the
 * index), or of the default locale's when the lists have none for it.
 * Only reads the lists the background thread made: never counts, never
 * waits for a count; empty until the first lists are out. */
void popular_render(struct page *pg, size_t n, struct html *out);

/* The HTML error page for reply_error() (struct app's error_page). */
void page_error(struct request *rq, unsigned status, const char *code, const char *msg);

/* The page handlers (cmd/serve_routes.c routes to them). */
/* pages.c */
unsigned page_home(struct request *rq);
unsigned page_search(struct request *rq);
unsigned page_article(struct request *rq);
unsigned page_static(struct request *rq);
/* page_article.c, page_contact.c */
unsigned page_article_post(struct request *rq);
unsigned api_article_html(struct request *rq);
unsigned page_contact(struct request *rq);
unsigned page_contact_post(struct request *rq);
unsigned page_contact_received(struct request *rq);
/* page_login.c */
unsigned page_login(struct request *rq);
unsigned post_login(struct request *rq);
unsigned post_logout(struct request *rq);
/* page_agent.c, page_agent_case.c: the agent console */
unsigned page_agent(struct request *rq);
unsigned page_agent_case(struct request *rq);
/* page_author.c, page_reindex.c: the author dashboard */
unsigned page_author(struct request *rq);
unsigned page_reindex_post(struct request *rq);
unsigned page_reindex_get(struct request *rq);

/* page_browse.c: the results page's filters (the facet counts of res,
 * a search run with facets, as links to the same search with a topic,
 * product or locale chosen), appended to out; and the display name of
 * a product in the page's language (product.<name> of the UI strings),
 * the name itself when there is none. */
struct searchreq;
void filters_render(struct page *pg, kb_results *res, const struct searchreq *sr,
                    struct html *out);
const char *page_product_name(const struct page *pg, const char *product);
/* The home page's topics: a card per product with its first articles
 * and a link to all of them; and that topic page (/search?product=X
 * without a query), 404 for a product with no articles. */
void topics_render(struct page *pg, struct html *out);
unsigned topic_page(struct request *rq, const struct searchreq *sr);

/* page_contact.c: appends <li> items of suggestions for text (the
 * case form's subject without JavaScript). */
void suggest_render(struct page *pg, const char *text, size_t n, struct html *out);

#endif
