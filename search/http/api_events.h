/* api_events.h -- event logging shared by the API and the pages. */
#ifndef KB_API_EVENTS_H
#define KB_API_EVENTS_H

#include "eventlog.h"
#include "kb.h"
#include "request.h"

/* Logs a search (or, with is_suggest, the suggestions shown) for the
 * request's visit without waiting for the disk, with the ids of the
 * hits res holds (the page returned; at most the first 20). */
void events_log_search(struct request *rq, const char *query, const char *locale,
                       int results, int is_suggest, kb_results *res);

/* Logs an article page view without waiting for the disk. */
void events_log_view(struct request *rq, const char *article, const char *locale);

/* 1 when locale is well formed and the index the request reads has
 * public content in it (the default locale always counts), with the
 * locale as the index spells it (lower case, "-" between the parts) in
 * out; otherwise 0.  What a client puts in ?locale= or an event goes
 * no further than this check unless it names a real locale. */
int events_locale_known(struct request *rq, const char *locale, char *out, size_t outlen);

/* Checks a case's fields (subject, description, email, product,
 * locale) from body into *c (strings borrowed from body).  0, or -1
 * with *fields_out = {"field":"problem"} (caller json_decref()s) and
 * the first problem in first. */
int cases_validate(json_t *body, struct eventlog_case *c, json_t **fields_out,
                   char *first, size_t firstlen);

/* Checks a vote (article, locale, section, helpful, reason, comment)
 * from body into *ev (strings borrowed from body; visit left NULL), as
 * POST /api/feedback does; the article must exist (public unless the
 * request is signed in) and the locale must be one of the index, which
 * is then written back into body as the index spells it.  0, or -1 with
 * *fields_out and first as for cases_validate(). */
int feedback_validate(struct request *rq, json_t *body, struct eventlog_event *ev,
                      json_t **fields_out, char *first, size_t firstlen);

#endif
