/* searchreq.h -- a search request as both the API and the HTML pages
 * take it: parameter checks, the search itself, hit URLs and snippets. */
#ifndef KB_SEARCHREQ_H
#define KB_SEARCHREQ_H

#include "kb.h"
#include "request.h"
#include "strbuf.h"

/* Longest accepted query in characters (what the search box's
 * maxlength counts; up to 4 bytes each), and most words in it: a real
 * question fits easily; anything longer is pasted logs, not a question.
 * The pages shorten a longer question instead (searchreq_parse_page). */
#define SEARCHREQ_MAX_QUERY 1024
#define SEARCHREQ_MAX_QUERY_BYTES (4 * SEARCHREQ_MAX_QUERY)
#define SEARCHREQ_MAX_TERMS 64
/* A shortened question keeps at most this many of its words. */
#define SEARCHREQ_SHORT_TERMS 24
/* Longest question a page shortens rather than refuses, in characters:
 * the search box's maxlength. */
#define SEARCHREQ_MAX_PASTE 2000
#define SEARCHREQ_MAX_OFFSET 10000

struct searchreq {
    const char *q;      /* borrowed from the request; NULL if missing */
    const char *locale; /* validated, or NULL */
    const char *topic;
    const char *product;
    unsigned limit;
    unsigned offset;
    const char *tag; /* filter, or NULL */
    int facets;      /* set by the caller: 1 to count facets */
    int exact;       /* exact=1: the words as typed, no spelling correction */
};

/* Reads and checks q, locale, topic, product, tag, limit, offset, exact.  Returns
 * 0, or an HTTP 4xx status after reply_error() explained the problem.
 * With require_q, a missing or blank q is a 400. */
unsigned searchreq_parse(struct request *rq, struct searchreq *sr, int require_q);

/* searchreq_parse() for a page: a q over the limits (up to
 * SEARCHREQ_MAX_PASTE characters) is not an error but shortened to its most
 * telling words (searchreq_shorten()) into *short_q, and sr->q points
 * there; *typed then points at q as it was typed, else is NULL. */
unsigned searchreq_parse_page(struct request *rq, struct searchreq *sr, struct strbuf *short_q,
                              const char **typed);

/* Appends to out the most telling words of q for language lang ("en"):
 * stop words, repeats and the punctuation around words left out, then,
 * while more than SEARCHREQ_SHORT_TERMS words or SEARCHREQ_MAX_QUERY
 * characters remain, the shortest words; the words keep their order. */
void searchreq_shorten(const char *q, const char *lang, struct strbuf *out);

/* Runs the search on the calling thread's handle.  Returns 0 with *out
 * set (free with kb_results_free), or an HTTP status after
 * reply_error(). */
unsigned searchreq_run(struct request *rq, const struct searchreq *sr, int prefix_last,
                       kb_results **out);

/* Appends the page URL of an article: /articles/<id>?locale=<l>[#anchor]. */
void searchreq_article_url(struct strbuf *sb, const char *id, const char *locale,
                           const char *anchor);

/* Appends the snippet of h as HTML: its text escaped, <mark> around
 * each match.  What /api/search's "snippet" holds and the pages show. */
void searchreq_snippet_html(struct strbuf *sb, const kb_hit *h);

/* 1 when s looks like a locale ("en-us"), 0 otherwise. */
int searchreq_locale_ok(const char *s);

/* Shared by the article API and the article page. */
int article_id_ok(const char *id);
/* Loads the record of the article in rq's path; 0 with *rec and
 * *locales (caller json_decref()s both), or an HTTP status after
 * reply_error(). */
#include <jansson.h>
unsigned article_load(struct request *rq, const char *id, json_t **rec,
                      json_t **locales);

#endif
