/* csrf.h -- double-submit CSRF tokens for the forms anonymous visitors
 * post (the case form, article votes).
 *
 * A page with such a form puts csrf_token() in a hidden field named
 * "csrf"; the same random value lives in the kb_csrf cookie
 * (SameSite=Strict, so another site's page cannot make the browser
 * send it, and cannot read it to copy it into a form).  On the POST,
 * csrf_ok() compares the two in constant time.  Signed-in sessions
 * have their own per-session token (auth.h); JSON API calls need
 * neither, since a cross-site form cannot send application/json. */
#ifndef KB_CSRF_H
#define KB_CSRF_H

#include "request.h"

#include <jansson.h>

/* 32 random bytes in URL-safe base64 without padding, plus the NUL. */
#define CSRF_TOKEN_SIZE 44

/* Writes the request's token into out: the kb_csrf cookie's value when
 * it is well formed, else a new random one, which the response then
 * sets as the cookie.  Call it once per response. */
void csrf_token(struct request *rq, char out[CSRF_TOKEN_SIZE]);

/* 1 when body's "csrf" member is a well-formed token equal to the
 * kb_csrf cookie, 0 otherwise (either missing, or they differ). */
int csrf_ok(struct request *rq, json_t *body);

#endif
