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

/* Checks that the request is signed in with at least role (an author
 * can do everything an agent can).  0, or the HTTP status after
 * reply_error(): 401 not signed in / expired / bad token, 403 role. */
unsigned auth_require(struct request *rq, enum account_role role);

/* For state-changing requests authenticated by the session cookie: the
 * X-CSRF-Token header or the body's "csrf" member must equal the
 * session's token.  Token-authenticated requests carry no ambient
 * authority and pass.  0 or 403 after reply_error(). */
unsigned auth_check_csrf(struct request *rq, json_t *body);

#endif
