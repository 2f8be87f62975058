/* serve_routes.c -- the URL space of kb-serve: every route, API and
 * page, on one screen. */
#include "pages.h"
#include "routes.h"
#include "serve_routes.h"

const struct route serve_routes[] = {
    {"GET", "/healthz", ROUTE_EXACT, api_healthz},
    {"GET", "/api/search", ROUTE_EXACT, api_search},
    {"GET", "/api/suggest", ROUTE_EXACT, api_suggest},
    {"GET", "/api/articles/", ROUTE_PREFIX, api_article},
    {"POST", "/api/events", ROUTE_EXACT, api_events_post},
    {"POST", "/api/feedback", ROUTE_EXACT, api_feedback_post},
    {"POST", "/api/cases", ROUTE_EXACT, api_cases_post},
    {"GET", "/api/reports/deflection", ROUTE_EXACT, api_report_deflection},
    {"GET", "/api/reports/queries", ROUTE_EXACT, api_report_queries},
    {"GET", "/api/reports/gaps", ROUTE_EXACT, api_report_gaps},
    {"GET", "/api/reports/articles", ROUTE_EXACT, api_report_articles},
    {"GET", "/api/cases", ROUTE_EXACT, api_cases_list},
    {"GET", "/api/cases/", ROUTE_PREFIX, api_case_get},
    {"GET", "/api/me", ROUTE_EXACT, api_me},
    {"POST", "/api/admin/reindex", ROUTE_EXACT, api_reindex_start},
    {"GET", "/api/admin/reindex/", ROUTE_PREFIX, api_reindex_get},
    {"GET", "/api/admin/content-report", ROUTE_EXACT, api_content_report},
    {"GET", "/sitemap.xml", ROUTE_EXACT, api_sitemap},
    {"GET", "/login", ROUTE_EXACT, page_login},
    {"POST", "/login", ROUTE_EXACT, post_login},
    {"POST", "/logout", ROUTE_EXACT, post_logout},
    {"GET", "/", ROUTE_EXACT, page_home},
    {"GET", "/search", ROUTE_EXACT, page_search},
    {"GET", "/articles/", ROUTE_PREFIX, page_article},
    {"GET", "/static/", ROUTE_PREFIX, page_static},
    {"POST", "/articles/", ROUTE_PREFIX, page_article_post},
    {"GET", "/contact", ROUTE_EXACT, page_contact},
    {"POST", "/contact", ROUTE_EXACT, page_contact_post},
    {"GET", "/api/html/articles/", ROUTE_PREFIX, api_article_html},
    {"GET", "/agent", ROUTE_EXACT, page_agent},
    {"GET", "/agent/cases/", ROUTE_PREFIX, page_agent_case},
    {"GET", "/author", ROUTE_EXACT, page_author},
    {"POST", "/author/reindex", ROUTE_EXACT, page_reindex_post},
    {"GET", "/author/reindex/", ROUTE_PREFIX, page_reindex_get},
};

const size_t serve_nroutes = sizeof serve_routes / sizeof serve_routes[0];
