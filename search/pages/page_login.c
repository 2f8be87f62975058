/* page_login.c -- the sign-in form and its POST (a form with a
 * double-submit token, or JSON), and signing out. */
#include "auth.h"
#include "csrf.h"
#include "escape.h"
#include "pages.h"

#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SESSION_COOKIE AUTH_SESSION_COOKIE

/* Failed sign-ins allowed in 15 minutes before waits start: per
 * (address, account), and per address over all names (a person who
 * forgot which account name they have is not an attack). */
#define AUTH_FREE_PER_ACCOUNT 5
#define AUTH_FREE_PER_ADDRESS 20

static int wants_json(struct request *rq)
{
    const char *ct = req_header(rq, "Content-Type");
    return ct && strncasecmp(ct, "application/json", 16) == 0;
}

/* A local path to go to after signing in, or the agent console: never
 * an open redirect.  Browsers drop tabs and newlines from a URL and
 * read a backslash as a slash, so "/\t/evil.example" would be
 * "//evil.example", another origin: the path must be one '/' and then
 * visible ASCII only (no space, no control byte, no backslash); other
 * bytes (UTF-8 in an article id) are percent-encoded.  Written into
 * buf (len >= 2), which is returned. */
#define LOGIN_NEXT_MAX 1024
static const char *login_next(const char *next, char *buf, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    snprintf(buf, len, "/agent");
    if (!next || next[0] != '/' || next[1] == '/' || !utf8_valid_text(next, strlen(next)))
        return buf;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)next; *p; p++) {
        if (*p <= 0x20 || *p == 0x7f || *p == '\\')
            return snprintf(buf, len, "/agent"), buf;
        if (n + 4 >= len)
            return snprintf(buf, len, "/agent"), buf;
        if (*p >= 0x80) {
            buf[n++] = '%';
            buf[n++] = hex[*p >> 4];
            buf[n++] = hex[*p & 15];
        } else {
            buf[n++] = (char)*p;
        }
    }
    buf[n] = '\0';
    return buf;
}

/* The sign-in page through the page kit: the form with a double-submit
 * CSRF token (csrf.h) and, after a failed form post, the reason above
 * it (err_key a UI string with an optional {seconds}). */
static unsigned login_page(struct request *rq, const char *next, const char *username,
                           const char *err_key, const char *secs, unsigned status)
{
    int bad;
    const char *locale = req_arg(rq, "locale", &bad);
    struct page pg;
    page_init(&pg, rq, bad ? NULL : locale, "/login", NULL);
    char csrf[CSRF_TOKEN_SIZE];
    csrf_token(rq, csrf);
    struct html err = HTML_INIT, described = HTML_INIT, body = HTML_INIT;
    int notice = err_key && strcmp(err_key, "login.expired") == 0;
    if (notice) {
        html_lit(&err, "<p class=\"form-notice\" id=\"login-error\" role=\"status\">");
        html_text(&err, page_t(&pg, err_key));
        html_lit(&err, "</p>");
    } else if (err_key) {
        html_lit(&err, "<p class=\"form-error\" id=\"login-error\" role=\"alert\">"
                       "<span class=\"visually-hidden\">");
        html_text(&err, page_t(&pg, "err.prefix"));
        html_lit(&err, " </span>");
        page_tf(&pg, &err, err_key, "seconds", secs ? secs : "", NULL);
        html_lit(&err, "</p>");
    }
    if (err_key)
        html_attr(&described, "aria-describedby", "login-error");
    char nextbuf[LOGIN_NEXT_MAX];
    page_set_text(&pg, "next", login_next(next, nextbuf, sizeof nextbuf));
    page_set_text(&pg, "csrf", csrf);
    page_set_text(&pg, "username", username);
    page_set_html(&pg, "error", &err);
    page_set_html(&pg, "described", &described);
    page_set_text(&pg, "body_class", "staff-page");
    page_render(&pg, "login", &body);
    unsigned st = page_finish(&pg, status, page_t(&pg, "login.title"), &body);
    html_release(&err);
    html_release(&described);
    html_release(&body);
    return st;
}

/* A failed sign-in: a JSON error for JSON posts, the form again with
 * the reason for form posts. */
static unsigned login_failed(struct request *rq, json_t *body, unsigned status,
                             const char *code, const char *msg, const char *err_key,
                             const char *secs)
{
    if (wants_json(rq)) {
        rq->is_api = 1;
        return reply_error(rq, status, code, msg);
    }
    rq->error_code = code;
    return login_page(rq, json_string_value(json_object_get(body, "next")),
                      json_string_value(json_object_get(body, "username")), err_key, secs,
                      status);
}

unsigned post_login(struct request *rq)
{
    json_t *body;
    if (wants_json(rq))
        rq->is_api = 1;
    unsigned st = req_body_object(rq, &body);
    if (st)
        return st;
    const char *name = json_string_value(json_object_get(body, "username"));
    const char *pw = json_string_value(json_object_get(body, "password"));
    const char *next = json_string_value(json_object_get(body, "next"));
    /* A form post must come from our own sign-in page; a cross-site form
     * cannot send JSON, so JSON posts need no token. */
    if (!wants_json(rq) && !csrf_ok(rq, body)) {
        st = login_failed(rq, body, 403, "csrf_failed", "missing or wrong CSRF token",
                          "form.expired", NULL);
        json_decref(body);
        return st;
    }
    if (!name || !pw || !*name || !*pw) {
        st = login_failed(rq, body, 400, "missing_credentials", "enter a username and a password",
                          "login.err.missing", NULL);
        json_decref(body);
        return st;
    }
    if (!accounts_name_ok(name) || strlen(pw) > 1024) {
        st = login_failed(rq, body, 401, "invalid_credentials", "wrong username or password",
                          "login.err.invalid", NULL);
        json_decref(body);
        return st;
    }
    struct app *app = rq->app;
    /* Attempts are counted per address and per (address, account),
     * never per account alone: a stranger cannot lock a user out, and
     * behind a proxy (--trusted-proxy) each client has its own address. */
    char kpair[160], kaddr[96];
    const char *addr = req_client_addr(rq);
    snprintf(kpair, sizeof kpair, "pair:%s|%s", addr, name);
    snprintf(kaddr, sizeof kaddr, "addr:%s", addr);
    const char *keys[] = {kpair, kaddr};
    static const int free_attempts[] = {AUTH_FREE_PER_ACCOUNT, AUTH_FREE_PER_ADDRESS};
    double now = now_wall();
    pthread_mutex_lock(&app->accounts_lock);
    double wait = 0;
    store_status tst = accounts_throttle_take(app->accounts, keys, free_attempts, 2, now, &wait);
    if (tst != STORE_OK)
        fprintf(stderr, "kb-serve: sign-in throttle: %s\n", accounts_errmsg(app->accounts));
    pthread_mutex_unlock(&app->accounts_lock);
    if (tst != STORE_OK) {
        st = login_failed(rq, body, 503, "signin_failed", "sign-in is not available; try again",
                          "login.err.failed", NULL);
        json_decref(body);
        return st;
    }
    if (wait > 0) {
        char secs[32], msg[128];
        snprintf(secs, sizeof secs, "%.0f", wait + 0.5);
        snprintf(msg, sizeof msg, "too many failed sign-ins; try again in %s seconds", secs);
        reply_header(rq, "Retry-After", secs);
        st = login_failed(rq, body, 429, "too_many_attempts", msg, "login.err.throttled", secs);
        json_decref(body);
        return st;
    }
    /* The lookup under the lock, the Argon2 check (tens of milliseconds
     * on purpose) outside it: req_user takes the same lock on every
     * request, and no search may wait on a password check. */
    struct account u;
    char hash[ACCOUNTS_HASH_SIZE];
    pthread_mutex_lock(&app->accounts_lock);
    int rc = accounts_password_fetch(app->accounts, name, &u, hash);
    int answered = rc == STORE_OK || rc == STORE_NOT_FOUND;
    if (!answered)
        fprintf(stderr, "kb-serve: sign-in: %s\n", accounts_errmsg(app->accounts));
    pthread_mutex_unlock(&app->accounts_lock);
    if (answered) {
        int ok = accounts_password_check(app->accounts, rc == STORE_OK ? hash : NULL, pw) ==
                 STORE_OK;
        if (rc == STORE_OK && !ok)
            rc = STORE_BAD_PASSWORD;
        else if (rc == STORE_OK && u.disabled)
            rc = STORE_DISABLED;
    }
    sodium_memzero(hash, sizeof hash);
    char sid[ACCOUNTS_SECRET_SIZE] = "";
    if (rc == 0) {
        pthread_mutex_lock(&app->accounts_lock);
        accounts_throttle_clear(app->accounts, kpair);
        accounts_throttle_forgive(app->accounts, kaddr);
        rc = accounts_session_create(app->accounts, &u, now, sid, sizeof sid);
        pthread_mutex_unlock(&app->accounts_lock);
    }
    if (rc == STORE_DISABLED)
        st = login_failed(rq, body, 403, "account_disabled", "this account is disabled",
                          "login.err.disabled", NULL);
    else if (rc == STORE_NOT_FOUND || rc == STORE_BAD_PASSWORD)
        st = login_failed(rq, body, 401, "invalid_credentials", "wrong username or password",
                          "login.err.invalid", NULL);
    else if (rc != 0)
        st = login_failed(rq, body, 500, "signin_failed", "sign-in failed; see the server log",
                          "login.err.failed", NULL);
    if (rc != 0) {
        json_decref(body);
        return st;
    }
    char cookie[256];
    snprintf(cookie, sizeof cookie,
             SESSION_COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", sid,
             ACCOUNTS_SESSION_SECONDS, app->cfg.secure_cookies ? "; Secure" : "");
    reply_header(rq, "Set-Cookie", cookie);
    sodium_memzero(sid, sizeof sid);
    unsigned status;
    if (wants_json(rq)) {
        status = reply_json(rq, 200, json_pack("{s:s,s:s,s:s}", "user", u.name, "role",
                                               accounts_role_name(u.role), "csrf", u.csrf));
    } else {
        char nextbuf[LOGIN_NEXT_MAX];
        reply_header(rq, "Location", login_next(next, nextbuf, sizeof nextbuf));
        strbuf_adds(&rq->out, "Signed in.\n");
        rq->content_type = "text/plain; charset=utf-8";
        status = 303;
    }
    json_decref(body);
    return status;
}

unsigned post_logout(struct request *rq)
{
    json_t *body = NULL;
    unsigned st = rq->body.len ? req_body_object(rq, &body) : 0;
    if (st)
        return st;
    st = auth_check_csrf(rq, body);
    json_decref(body);
    if (st)
        return st;
    if (rq->auth_kind == AUTH_SESSION) {
        const char *sid =
            MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
        pthread_mutex_lock(&rq->app->accounts_lock);
        accounts_session_end(rq->app->accounts, sid);
        pthread_mutex_unlock(&rq->app->accounts_lock);
    }
    reply_header(rq, "Set-Cookie", SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
    if (wants_json(rq) || req_header(rq, "X-CSRF-Token")) {
        rq->is_api = 1;
        return reply_json(rq, 200, json_pack("{s:s}", "status", "signed_out"));
    }
    reply_header(rq, "Location", "/");
    strbuf_adds(&rq->out, "Signed out.\n");
    rq->content_type = "text/plain; charset=utf-8";
    return 303;
}

unsigned page_login(struct request *rq)
{
    int bad, bad2;
    const char *next = req_arg(rq, "next", &bad);
    const char *expired = req_arg(rq, "expired", &bad2);
    return login_page(rq, bad ? NULL : next, NULL,
                      !bad2 && expired && *expired ? "login.expired" : NULL, NULL, 200);
}
