/* auth.c -- credentials, roles and the session CSRF check; the
 * sign-in pages are pages/page_login.c. */
#include "auth.h"

#include "escape.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define SESSION_COOKIE AUTH_SESSION_COOKIE


const struct account *req_user(struct request *rq)
{
    if (rq->user_resolved)
        return rq->auth_kind ? &rq->user : NULL;
    rq->user_resolved = 1;
    struct app *app = rq->app;
    if (!app->accounts)
        return NULL;
    const char *authz = req_header(rq, "Authorization");
    const char *sid = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
    int rc = STORE_NOT_FOUND, kind = AUTH_NONE;
    pthread_mutex_lock(&app->accounts_lock);
    if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
        rc = accounts_token_get(app->accounts, authz + 7, now_wall(), &rq->user);
        kind = AUTH_TOKEN;
    } else if (sid && *sid) {
        rc = accounts_session_get(app->accounts, sid, now_wall(), &rq->user);
        kind = AUTH_SESSION;
    }
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        fprintf(stderr, "kb-serve: auth: %s\n", accounts_errmsg(app->accounts));
    pthread_mutex_unlock(&app->accounts_lock);
    if (rc == 0) {
        rq->auth_kind = kind;
        return &rq->user;
    }
    rq->auth_problem = kind;
    memset(&rq->user, 0, sizeof rq->user);
    return NULL;
}

int req_sees_internal(struct request *rq)
{
    const struct account *u = req_user(rq);
    return u && (u->role == ROLE_AGENT || u->role == ROLE_AUTHOR);
}

unsigned auth_require(struct request *rq, enum account_role role)
{
    const struct account *u = req_user(rq);
    if (!u) {
        if (rq->auth_problem == AUTH_TOKEN)
            return reply_error(rq, 401, "invalid_token",
                               "the API token is not valid (revoked, or its account disabled)");
        if (rq->auth_problem == AUTH_SESSION)
            return reply_error(rq, 401, "session_expired",
                               "your session has ended; sign in again");
        return reply_error(rq, 401, "unauthorized", "sign in as an agent or author first");
    }
    if (role == ROLE_AUTHOR && u->role != ROLE_AUTHOR)
        return reply_error(rq, 403, "forbidden", "this needs an author account");
    return 0;
}

unsigned auth_require_page(struct request *rq, enum account_role role)
{
    const struct account *u = req_user(rq);
    if (!u) {
        struct strbuf to = STRBUF_INIT;
        strbuf_adds(&to, "/login?next=");
        escape_url(&to, rq->path, 1);
        if (rq->auth_problem == AUTH_SESSION)
            strbuf_adds(&to, "&expired=1");
        /* The sign-in form in the language the staff page was asked
         * in; it remembers that locale for the pages after it. */
        int bad;
        const char *locale = req_arg(rq, "locale", &bad);
        if (!bad && locale && *locale && strlen(locale) <= 32) {
            strbuf_adds(&to, "&locale=");
            escape_url(&to, locale, 0);
        }
        reply_header(rq, "Location", to.buf ? to.buf : "/login");
        strbuf_release(&to);
        strbuf_release(&rq->out);
        strbuf_adds(&rq->out, "Sign in first.\n");
        rq->content_type = "text/plain; charset=utf-8";
        return 303;
    }
    if (role == ROLE_AUTHOR && u->role != ROLE_AUTHOR) {
        rq->error_code = "forbidden";
        if (rq->app->forbidden_page)
            return rq->app->forbidden_page(rq);
        return reply_error(rq, 403, "forbidden", "this needs an author account");
    }
    return 0;
}

unsigned auth_check_csrf(struct request *rq, json_t *body)
{
    if (rq->auth_kind != AUTH_SESSION)
        return 0;
    const char *given = req_header(rq, "X-CSRF-Token");
    if (!given && body)
        given = json_string_value(json_object_get(body, "csrf"));
    size_t n = strlen(rq->user.csrf);
    if (!given || !n || strlen(given) != n || sodium_memcmp(given, rq->user.csrf, n) != 0)
        return reply_error(rq, 403, "csrf_failed",
                           "missing or wrong CSRF token; reload the page and try again");
    return 0;
}

unsigned api_me(struct request *rq)
{
    return reply_json(rq, 200, json_pack("{s:s,s:s,s:s}", "user", rq->user.name, "role",
                                         accounts_role_name(rq->user.role), "csrf",
                                         rq->user.csrf));
}

