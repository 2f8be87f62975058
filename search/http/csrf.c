/* csrf.c -- the double-submit token: cookie and form field. */
#include "csrf.h"

#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define CSRF_COOKIE "kb_csrf"
#define CSRF_LEN (CSRF_TOKEN_SIZE - 1)

static int token_ok(const char *t)
{
    if (!t || strlen(t) != CSRF_LEN)
        return 0;
    for (const char *p = t; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return 0;
    return 1;
}

void csrf_token(struct request *rq, char out[CSRF_TOKEN_SIZE])
{
    const char *c = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, CSRF_COOKIE);
    if (token_ok(c)) {
        memcpy(out, c, CSRF_TOKEN_SIZE);
        return;
    }
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, CSRF_TOKEN_SIZE, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char cookie[128];
    snprintf(cookie, sizeof cookie, CSRF_COOKIE "=%s; Path=/; SameSite=Strict%s", out,
             rq->app->cfg.secure_cookies ? "; Secure" : "");
    reply_header(rq, "Set-Cookie", cookie);
}

int csrf_ok(struct request *rq, json_t *body)
{
    const char *c = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, CSRF_COOKIE);
    const char *f = json_string_value(json_object_get(body, "csrf"));
    if (!token_ok(c) || !token_ok(f))
        return 0;
    return sodium_memcmp(c, f, CSRF_LEN) == 0;
}
