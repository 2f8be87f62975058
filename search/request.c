/* request.c -- what handlers read from a request beyond query
 * arguments: the visit id, the client address, the body. */
#include "server.h"

#include "escape.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#define VISIT_COOKIE "kb_visit"
/* A year: a visit is a browser session for reporting, but the cookie
 * also lets a returning customer's trail be told apart. */
#define VISIT_MAX_AGE 31536000

double now_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Visit ids are 16 to 63 URL-safe characters: ours are 22 (128 random
 * bits); API clients may bring their own of that shape. */
static int visit_ok(const char *v)
{
    size_t n = 0;
    if (!v)
        return 0;
    for (; v[n]; n++) {
        char c = v[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return n >= 16 && n < 64;
}

const char *req_visit(struct request *rq)
{
    if (rq->visit[0])
        return rq->visit;
    const char *v = req_header(rq, "X-KB-Visit");
    if (!visit_ok(v))
        v = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, VISIT_COOKIE);
    if (visit_ok(v)) {
        snprintf(rq->visit, sizeof rq->visit, "%s", v);
        return rq->visit;
    }
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(rq->visit, sizeof rq->visit, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    rq->visit_is_new = 1;
    char cookie[160];
    snprintf(cookie, sizeof cookie, VISIT_COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax",
             rq->visit, VISIT_MAX_AGE);
    reply_header(rq, "Set-Cookie", cookie);
    return rq->visit;
}

int req_is_loopback(struct request *rq)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return 0;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        static const unsigned char lo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        static const unsigned char v4[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        const unsigned char *a = in6->sin6_addr.s6_addr;
        return memcmp(a, lo, 16) == 0 || (memcmp(a, v4, 12) == 0 && a[12] == 127);
    }
    return 0;
}

/* Decodes one form field in place ('+' is a space, %XX a byte);
 * returns the decoded length, which is past the first NUL when the
 * field held a %00. */
static size_t form_decode(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '+')
            *p = ' ';
    return MHD_http_unescape(s);
}

static unsigned parse_form(struct request *rq, json_t *obj)
{
    char *copy = strndup(rq->body.buf ? rq->body.buf : "", rq->body.len);
    if (!copy)
        return reply_error(rq, 503, "overloaded", "out of memory; try again");
    unsigned st = 0;
    char *save = NULL;
    for (char *pair = strtok_r(copy, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(pair, '=');
        char *val = eq ? eq + 1 : pair + strlen(pair);
        if (eq)
            *eq = '\0';
        size_t npair = form_decode(pair), nval = form_decode(val);
        if (strlen(pair) != npair || strlen(val) != nval ||
            !utf8_valid_text(pair, npair) || !utf8_valid_text(val, nval)) {
            st = reply_error(rq, 400, "invalid_body",
                             "form fields must be UTF-8 text without NUL bytes");
            break;
        }
        json_object_set_new(obj, pair, json_string(val));
    }
    free(copy);
    return st;
}

unsigned req_body_object(struct request *rq, json_t **out)
{
    *out = NULL;
    const char *ct = req_header(rq, "Content-Type");
    if (!rq->body.len)
        return reply_error(rq, 400, "invalid_body", "the request has no body");
    if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
        json_t *obj = json_object();
        unsigned st = parse_form(rq, obj);
        if (st) {
            json_decref(obj);
            return st;
        }
        *out = obj;
        return 0;
    }
    if (ct && strncasecmp(ct, "application/json", 16) != 0)
        return reply_error(rq, 415, "unsupported_media_type",
                           "send application/json or application/x-www-form-urlencoded");
    json_error_t jerr;
    json_t *j = json_loadb(rq->body.buf, rq->body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j) {
        char msg[300];
        snprintf(msg, sizeof msg, "the body is not valid JSON: %s (line %d, column %d)",
                 jerr.text, jerr.line, jerr.column);
        return reply_error(rq, 400, "invalid_json", msg);
    }
    if (!json_is_object(j)) {
        json_decref(j);
        return reply_error(rq, 400, "invalid_json", "the body must be a JSON object");
    }
    *out = j;
    return 0;
}
