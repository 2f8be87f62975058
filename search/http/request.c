/* request.c -- what handlers read from a request (query arguments,
 * headers, the visit id, the client address, the body) and how they
 * answer (reply_json, reply_error, reply_header). */
#include "request.h"

#include "escape.h"

#include <arpa/inet.h>
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
    /* A new visit id starts with the time in milliseconds, 12 hex
     * digits, then 128 random bits: ids sort by creation, so the store
     * appends each new visit at the end of its key index instead of at
     * a random page of it (one page read and written per logged search
     * of a cookie-less client, measured: see eventq.c). */
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    unsigned long long ms = (unsigned long long)(now_wall() * 1000.0);
    int n = snprintf(rq->visit, sizeof rq->visit, "%012llx", ms & 0xffffffffffffULL);
    sodium_bin2base64(rq->visit + n, sizeof rq->visit - (size_t)n, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    rq->visit_is_new = 1;
    char cookie[160];
    snprintf(cookie, sizeof cookie, VISIT_COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax",
             rq->visit, VISIT_MAX_AGE);
    reply_header(rq, "Set-Cookie", cookie);
    return rq->visit;
}

/* An address as family + 16 bytes (IPv4-mapped IPv6 as IPv4). */
struct ipaddr {
    int family;
    unsigned char addr[16];
};

static int ip_parse(const char *s, size_t len, struct ipaddr *out)
{
    char buf[64];
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len && s[0] == '[' && s[len - 1] == ']')
        s++, len -= 2;
    if (!len || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, out->addr) != 1)
        return -1;
    static const unsigned char v4[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    out->family = AF_INET6;
    if (memcmp(out->addr, v4, 12) == 0) {
        memmove(out->addr, out->addr + 12, 4);
        memset(out->addr + 4, 0, 12);
        out->family = AF_INET;
    }
    return 0;
}

static void ip_format(const struct ipaddr *a, char *out, size_t len)
{
    if (!inet_ntop(a->family, a->addr, out, (socklen_t)len))
        snprintf(out, len, "unknown");
}

static int ip_trusted(const struct trusted_proxies *tp, const struct ipaddr *a)
{
    size_t n = a->family == AF_INET ? 4 : 16;
    for (size_t i = 0; i < tp->n; i++)
        if (tp->peer[i].family == a->family && memcmp(tp->peer[i].addr, a->addr, n) == 0)
            return 1;
    return 0;
}

int trusted_proxies_parse(const char *list, struct trusted_proxies *out, char *err,
                          size_t errlen)
{
    memset(out, 0, sizeof *out);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        struct ipaddr a;
        if (ip_parse(p, len, &a) != 0) {
            snprintf(err, errlen, "'%.*s' is not a numeric IPv4 or IPv6 address", (int)len, p);
            return -1;
        }
        if (out->n == APP_MAX_PROXIES) {
            snprintf(err, errlen, "at most %d addresses", APP_MAX_PROXIES);
            return -1;
        }
        out->peer[out->n].family = a.family;
        memcpy(out->peer[out->n].addr, a.addr, sizeof a.addr);
        out->n++;
        p += len;
        if (*p == ',')
            p++;
    }
    if (!out->n) {
        snprintf(err, errlen, "no address given");
        return -1;
    }
    return 0;
}

static int peer_addr(struct request *rq, struct ipaddr *out)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    memset(out, 0, sizeof *out);
    if (!ci || !ci->client_addr)
        return -1;
    const struct sockaddr *sa = ci->client_addr;
    char buf[64];
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, sizeof buf);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, sizeof buf);
    else
        return -1;
    return ip_parse(buf, strlen(buf), out);
}

/* Every X-Forwarded-For header, joined by commas in arrival order. */
struct xff {
    char buf[2048];
    size_t len;
    int overflow;
};

static enum MHD_Result collect_xff(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct xff *x = cls;
    (void)kind;
    if (!key || strcasecmp(key, "X-Forwarded-For") != 0 || !value)
        return MHD_YES;
    size_t n = strlen(value);
    if (x->len + n + 2 > sizeof x->buf) {
        x->overflow = 1;
        return MHD_YES;
    }
    if (x->len)
        x->buf[x->len++] = ',';
    memcpy(x->buf + x->len, value, n);
    x->len += n;
    x->buf[x->len] = '\0';
    return MHD_YES;
}

const char *req_client_addr(struct request *rq)
{
    if (rq->client[0])
        return rq->client;
    struct ipaddr peer, a;
    if (peer_addr(rq, &peer) != 0) {
        snprintf(rq->client, sizeof rq->client, "unknown");
        return rq->client;
    }
    struct ipaddr client = peer;
    if (ip_trusted(&rq->app->cfg.proxies, &peer)) {
        struct xff x = {.len = 0};
        x.buf[0] = '\0';
        MHD_get_connection_values(rq->conn, MHD_HEADER_KIND, collect_xff, &x);
        /* Right to left: skip our own proxies; the first other entry is
         * the one a trusted proxy wrote.  A header too long to hold is
         * not trusted at all: the peer stands for the client. */
        size_t end = x.overflow ? 0 : x.len;
        while (end > 0) {
            size_t start = end;
            while (start > 0 && x.buf[start - 1] != ',')
                start--;
            if (ip_parse(x.buf + start, end - start, &a) != 0)
                break; /* not an address: stop at the last good one */
            client = a;
            if (!ip_trusted(&rq->app->cfg.proxies, &a))
                break;
            end = start ? start - 1 : 0;
        }
    }
    ip_format(&client, rq->client, sizeof rq->client);
    return rq->client;
}

int req_is_loopback(struct request *rq)
{
    static const unsigned char lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const char *client = req_client_addr(rq);
    struct ipaddr a;
    if (ip_parse(client, strlen(client), &a) != 0)
        return 0; /* "unknown" */
    if (a.family == AF_INET)
        return a.addr[0] == 127; /* IPv4-mapped addresses are parsed as IPv4 */
    return memcmp(a.addr, lo6, 16) == 0;
}

int req_forwarded_untrusted(struct request *rq)
{
    struct ipaddr peer;
    if (!req_header(rq, "X-Forwarded-For") && !req_header(rq, "Forwarded") &&
        !req_header(rq, "X-Real-IP"))
        return 0;
    return peer_addr(rq, &peer) != 0 || !ip_trusted(&rq->app->cfg.proxies, &peer);
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

static unsigned body_object(struct request *rq, json_t **out)
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

unsigned req_body_object(struct request *rq, json_t **out)
{
    if (!rq->body_object) {
        unsigned st = body_object(rq, &rq->body_object);
        if (st) {
            *out = NULL;
            return st;
        }
    }
    *out = json_incref(rq->body_object);
    return 0;
}

const char *req_arg(struct request *rq, const char *name, int *bad)
{
    const char *v = NULL;
    size_t len = 0;
    *bad = 0;
    if (MHD_lookup_connection_value_n(rq->conn, MHD_GET_ARGUMENT_KIND, name,
                                      strlen(name), &v, &len) != MHD_YES)
        return NULL;
    if (!v)
        return "";
    if (strlen(v) != len || !utf8_valid_text(v, len)) {
        *bad = 1;
        return NULL;
    }
    return v;
}

const char *req_header(struct request *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *req_cookie(struct request *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, name);
}

void reply_header(struct request *rq, const char *name, const char *value)
{
    if (rq->nheaders >= REQ_MAX_HEADERS)
        return;
    char *v = strdup(value);
    if (!v)
        return;
    rq->headers[rq->nheaders].name = name;
    rq->headers[rq->nheaders].value = v;
    rq->nheaders++;
}

static int dump_to_strbuf(const char *data, size_t len, void *sb)
{
    strbuf_add(sb, data, len);
    return 0;
}

unsigned reply_json(struct request *rq, unsigned status, json_t *o)
{
    strbuf_release(&rq->out);
    /* Straight into the response buffer: no second copy of the body. */
    int failed = !o || json_dump_callback(o, dump_to_strbuf, &rq->out, JSON_COMPACT) != 0;
    json_decref(o);
    strbuf_addch(&rq->out, '\n');
    if (failed || strbuf_failed(&rq->out)) {
        strbuf_release(&rq->out);
        return 500;
    }
    rq->content_type = "application/json; charset=utf-8";
    return status;
}

unsigned reply_error(struct request *rq, unsigned status, const char *code,
                     const char *msg)
{
    rq->error_code = code;
    if (rq->is_api)
        return reply_json(rq, status, json_pack("{s:s,s:s}", "error", code, "message", msg));
    strbuf_release(&rq->out);
    if (rq->app->error_page) {
        rq->app->error_page(rq, status, code, msg);
    } else {
        strbuf_adds(&rq->out, "<!doctype html><title>Error</title><p>");
        escape_html(&rq->out, msg);
        strbuf_adds(&rq->out, "</p>\n");
    }
    rq->content_type = "text/html; charset=utf-8";
    return status;
}

unsigned req_daemon_port(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *info = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD) : NULL;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (!info || getsockname(info->listen_fd, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}
