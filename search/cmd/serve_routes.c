/* serve_routes.c -- the URL space of kb-serve: every route, API and
 * page, with who may use it, on one screen.  README's route table is
 * this table (tests/test_routes.c checks they agree).
 *
 * kind: ROUTE_API answers JSON; ROUTE_PAGE answers a browser (HTML,
 * static files, the sitemap); ROUTE_FORM is sign-in and sign-out, JSON
 * to a client that posts JSON.  role: checked by the dispatcher before
 * the handler runs (routes.h says how a refusal looks for each kind).
 * A ROUTE_PREFIX path takes every path that begins with it; the first
 * route that fits the method and path wins. */
#include "auth.h"
#include "brokenlinks.h"
#include "metrics.h"
#include "page_learned.h"
#include "page_links.h"
#include "pages.h"
#include "routes.h"
#include "serve_routes.h"

const struct route serve_routes[] = {
    /*method path                         match         kind        role         handler */
    {"GET",  "/healthz",                  ROUTE_EXACT,  ROUTE_API,  ROLE_NONE,   api_healthz},
    /* Prometheus text, not JSON (so a page, as the sitemap is), to
     * loopback clients only (metrics.h); --metrics-listen for others. */
    {"GET",  "/metrics",                  ROUTE_EXACT,  ROUTE_PAGE, ROLE_NONE,   api_metrics},
    {"GET",  "/api/search",               ROUTE_EXACT,  ROUTE_API,  ROLE_NONE,   api_search},
    {"GET",  "/api/suggest",              ROUTE_EXACT,  ROUTE_API,  ROLE_NONE,   api_suggest},
    {"GET",  "/api/articles/",            ROUTE_PREFIX, ROUTE_API,  ROLE_NONE,   api_article},
    {"GET",  "/api/html/articles/",       ROUTE_PREFIX, ROUTE_API,  ROLE_NONE,   api_article_html},
    {"POST", "/api/events",               ROUTE_EXACT,  ROUTE_API,  ROLE_NONE,   api_events_post},
    {"POST", "/api/feedback",             ROUTE_EXACT,  ROUTE_API,  ROLE_NONE,   api_feedback_post},
    {"POST", "/api/cases",                ROUTE_EXACT,  ROUTE_API,  ROLE_NONE,   api_cases_post},
    {"GET",  "/api/me",                   ROUTE_EXACT,  ROUTE_API,  ROLE_AGENT,  api_me},
    {"GET",  "/api/cases",                ROUTE_EXACT,  ROUTE_API,  ROLE_AGENT,  api_cases_list},
    {"GET",  "/api/cases/",               ROUTE_PREFIX, ROUTE_API,  ROLE_AGENT,  api_case_get},
    {"GET",  "/api/reports/deflection",   ROUTE_EXACT,  ROUTE_API,  ROLE_AGENT,  api_report_deflection},
    {"GET",  "/api/reports/queries",      ROUTE_EXACT,  ROUTE_API,  ROLE_AGENT,  api_report_queries},
    {"GET",  "/api/reports/gaps",         ROUTE_EXACT,  ROUTE_API,  ROLE_AGENT,  api_report_gaps},
    {"GET",  "/api/reports/articles",     ROUTE_EXACT,  ROUTE_API,  ROLE_AGENT,  api_report_articles},
    {"GET",  "/api/reports/ubi",          ROUTE_EXACT,  ROUTE_API,  ROLE_AUTHOR, api_report_ubi},
    {"POST", "/api/admin/reindex",        ROUTE_EXACT,  ROUTE_API,  ROLE_AUTHOR, api_reindex_start},
    {"GET",  "/api/admin/reindex/",       ROUTE_PREFIX, ROUTE_API,  ROLE_AUTHOR, api_reindex_get},
    {"GET",  "/api/admin/content-report", ROUTE_EXACT,  ROUTE_API,  ROLE_AUTHOR, api_content_report},
    {"GET",  "/api/admin/broken-links",   ROUTE_EXACT,  ROUTE_API,  ROLE_AUTHOR, api_broken_links},
    {"GET",  "/api/openapi.json",         ROUTE_EXACT,  ROUTE_API,  ROLE_NONE,   api_openapi},
    /* Any other path under /api/: no handler, a 404 in JSON. */
    {"*",    "/api/",                     ROUTE_PREFIX, ROUTE_API,  ROLE_NONE,   NULL},
    {"GET",  "/",                         ROUTE_EXACT,  ROUTE_PAGE, ROLE_NONE,   page_home},
    {"GET",  "/search",                   ROUTE_EXACT,  ROUTE_PAGE, ROLE_NONE,   page_search},
    {"GET",  "/articles/",                ROUTE_PREFIX, ROUTE_PAGE, ROLE_NONE,   page_article},
    {"POST", "/articles/",                ROUTE_PREFIX, ROUTE_PAGE, ROLE_NONE,   page_article_post},
    {"GET",  "/contact",                  ROUTE_EXACT,  ROUTE_PAGE, ROLE_NONE,   page_contact},
    {"POST", "/contact",                  ROUTE_EXACT,  ROUTE_PAGE, ROLE_NONE,   page_contact_post},
    {"GET",  "/contact/received",         ROUTE_EXACT,  ROUTE_PAGE, ROLE_NONE,   page_contact_received},
    {"GET",  "/static/",                  ROUTE_PREFIX, ROUTE_PAGE, ROLE_NONE,   page_static},
    {"GET",  "/sitemap.xml",              ROUTE_EXACT,  ROUTE_PAGE, ROLE_NONE,   api_sitemap},
    {"GET",  "/login",                    ROUTE_EXACT,  ROUTE_PAGE, ROLE_NONE,   page_login},
    {"POST", "/login",                    ROUTE_EXACT,  ROUTE_FORM, ROLE_NONE,   post_login},
    {"POST", "/logout",                   ROUTE_EXACT,  ROUTE_FORM, ROLE_AGENT,  post_logout},
    {"GET",  "/agent",                    ROUTE_EXACT,  ROUTE_PAGE, ROLE_AGENT,  page_agent},
    {"GET",  "/agent/cases/",             ROUTE_PREFIX, ROUTE_PAGE, ROLE_AGENT,  page_agent_case},
    {"GET",  "/author",                   ROUTE_EXACT,  ROUTE_PAGE, ROLE_AUTHOR, page_author},
    {"GET",  "/author/links",             ROUTE_EXACT,  ROUTE_PAGE, ROLE_AUTHOR, page_links},
    {"POST", "/author/reindex",           ROUTE_EXACT,  ROUTE_PAGE, ROLE_AUTHOR, page_reindex_post},
    {"POST", "/author/learned",           ROUTE_EXACT,  ROUTE_PAGE, ROLE_AUTHOR, page_learned_remove},
    {"GET",  "/author/reindex/",          ROUTE_PREFIX, ROUTE_PAGE, ROLE_AUTHOR, page_reindex_get},
};

const size_t serve_nroutes = sizeof serve_routes / sizeof serve_routes[0];
