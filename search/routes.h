/* routes.h -- the whole URL space of kb-serve, on one screen in
 * routes.c, and the handlers behind it (api.c, pages.c). */
#ifndef KB_ROUTES_H
#define KB_ROUTES_H

#include "server.h"

typedef unsigned (*route_fn)(struct request *rq);

/* Finds the handler for rq->method/rq->path and runs it; answers 404
 * and 405 itself.  Returns the HTTP status. */
unsigned routes_dispatch(struct request *rq);

/* api.c */
unsigned api_healthz(struct request *rq);
unsigned api_search(struct request *rq);
unsigned api_suggest(struct request *rq);
unsigned api_article(struct request *rq);

/* api_events.c */
unsigned api_events_post(struct request *rq);
unsigned api_feedback_post(struct request *rq);
unsigned api_cases_post(struct request *rq);

/* api_reports.c */
unsigned api_report_deflection(struct request *rq);
unsigned api_report_queries(struct request *rq);
unsigned api_report_gaps(struct request *rq);
unsigned api_report_articles(struct request *rq);

/* api_cases.c */
unsigned api_cases_list(struct request *rq);
unsigned api_case_get(struct request *rq);

/* auth.c */
unsigned post_login(struct request *rq);
unsigned post_logout(struct request *rq);
unsigned page_login(struct request *rq);
unsigned api_me(struct request *rq);

/* sitemap.c */
unsigned page_sitemap(struct request *rq);

/* admin.c */
unsigned api_reindex_start(struct request *rq);
unsigned api_reindex_get(struct request *rq);
unsigned api_content_report(struct request *rq);

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

/* page_agent.c, page_agent_case.c: the agent console */
unsigned page_agent(struct request *rq);
unsigned page_agent_case(struct request *rq);

/* page_author.c, page_reindex.c: the author dashboard */
unsigned page_author(struct request *rq);
unsigned page_reindex_post(struct request *rq);
unsigned page_reindex_get(struct request *rq);

#endif
