/* auth.h -- who is asking: agents and authors by session cookie or API
 * token; everyone else is an anonymous customer. */
#ifndef KB_AUTH_H
#define KB_AUTH_H

#include "request.h"

/* The session cookie's name. */
#define AUTH_SESSION_COOKIE "kb_session"

/* The signed-in account, or NULL for an anonymous request.  Resolved
 * once per request from "Authorization: Bearer TOKEN" or the
 * kb_session cookie. */
const struct account *req_user(struct request *rq);

/* 1 when the request may see internal articles. */
int req_sees_internal(struct request *rq);

/* The role check of an API or form route, made by the dispatcher
 * (routes.c) before the handler: 0 when the request is signed in with
 * at least role (an author can do everything an agent can), else the
 * HTTP status after reply_error(): 401 unauthorized (no credentials),
 * session_expired, invalid_token; 403 forbidden (an agent asking for
 * an author route). */
unsigned auth_require(struct request *rq, enum account_role role);

/* The same check for a page route: 0, or the status after answering
 * as a browser expects: nobody signed in (or a session that has ended)
 * is sent to /login?next=PATH (&expired=1 after a session) with 303;
 * an agent asking for an author page gets app->forbidden_page. */
unsigned auth_require_page(struct request *rq, enum account_role role);

/* For state-changing requests authenticated by the session cookie: the
 * X-CSRF-Token header or the body's "csrf" member must equal the
 * session's token.  Token-authenticated requests carry no ambient
 * authority and pass.  0 or 403 after reply_error(). */
unsigned auth_check_csrf(struct request *rq, json_t *body);

/* GET /api/me: the signed-in account and its CSRF token (route role:
 * agent). */
unsigned api_me(struct request *rq);

#endif
