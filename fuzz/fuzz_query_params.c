/* fuzz_query_params.c -- the checks kb-serve applies to outside input
 * (utf8_valid_text, searchreq_locale_ok, article_id_ok) and the
 * escapers that put text into pages and URLs.
 *
 * Each accepted value is checked against what the function promises:
 * a locale has the shape "ll" or "ll-rr"; an article id has no "." or
 * ".." segment, no leading or doubled '/', no backslash, no control
 * byte; escape_html output has no raw '<', '>', '"' or '\'' and
 * decodes back to its input; escape_url output decodes back too. */
#include "escape.h"
#include "fuzz_util.h"
#include "searchreq.h"
#include "strbuf.h"

/* utf8_valid_text() as escape.h words it, from the reference check. */
static int text_ok_ref(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') || s[i] == 0x7F)
            return 0;
    return fuzz_utf8_wellformed(s, n);
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void check_locale(const char *s)
{
    size_t n = strlen(s), i;
    if (!searchreq_locale_ok(s))
        return;
    FUZZ_CHECK_STR(n >= 2 && n <= 12, s);
    for (i = 0; i < n && is_alpha(s[i]); i++)
        ;
    FUZZ_CHECK_STR(i >= 2 && i <= 3, s);
    if (i == n)
        return;
    FUZZ_CHECK_STR(s[i] == '-' || s[i] == '_', s);
    FUZZ_CHECK_STR(n - i - 1 >= 2 && n - i - 1 <= 8, s);
    for (i++; i < n; i++)
        FUZZ_CHECK_STR(is_alpha(s[i]) || (s[i] >= '0' && s[i] <= '9'), s);
}

static void check_article_id(const char *id)
{
    size_t n = strlen(id);
    const char *seg, *end;
    if (!article_id_ok(id))
        return;
    FUZZ_CHECK_STR(n >= 1 && n <= 512, id);
    FUZZ_CHECK_STR(utf8_valid_text(id, n), id);
    FUZZ_CHECK_STR(id[0] != '/' && !strstr(id, "//") && !strchr(id, '\\'), id);
    for (seg = id; *seg; seg = *end ? end + 1 : end) {
        end = strchr(seg, '/');
        if (!end)
            end = seg + strlen(seg);
        FUZZ_CHECK_STR(!(end - seg == 1 && seg[0] == '.'), id);
        FUZZ_CHECK_STR(!(end - seg == 2 && seg[0] == '.' && seg[1] == '.'), id);
    }
    for (const char *p = id; *p; p++)
        FUZZ_CHECK_STR((unsigned char)*p >= 0x20 && *p != 0x7F, id);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void check_escape_url(const char *s, int keep_slash)
{
    struct strbuf sb = STRBUF_INIT;
    const char *p;
    char *dec;
    size_t o = 0;

    escape_url(&sb, s, keep_slash);
    FUZZ_CHECK(!strbuf_failed(&sb));
    if (!*s) {
        FUZZ_CHECK(sb.len == 0);
        strbuf_release(&sb);
        return;
    }
    FUZZ_CHECK(sb.buf && strlen(sb.buf) == sb.len);
    dec = malloc(sb.len + 1);
    FUZZ_CHECK(dec != NULL);
    for (p = sb.buf; *p; p++) {
        char c = *p;
        if (c == '%') {
            FUZZ_CHECK(hexval(p[1]) >= 0 && hexval(p[2]) >= 0);
            dec[o++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            p += 2;
            continue;
        }
        FUZZ_CHECK_STR(is_alpha(c) || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                           c == '.' || c == '~' || (keep_slash && c == '/'),
                       sb.buf);
        dec[o++] = c;
    }
    dec[o] = '\0';
    FUZZ_CHECK(strcmp(dec, s) == 0);
    free(dec);
    strbuf_release(&sb);
}

static void check_escape_html(const char *s)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
    struct strbuf sb = STRBUF_INIT;
    const char *p;
    char *dec;
    size_t o = 0, k;

    escape_html(&sb, s);
    FUZZ_CHECK(!strbuf_failed(&sb));
    if (!*s) {
        FUZZ_CHECK(sb.len == 0);
        strbuf_release(&sb);
        return;
    }
    FUZZ_CHECK(sb.buf && strlen(sb.buf) == sb.len);
    FUZZ_CHECK_STR(!strpbrk(sb.buf, "<>\"'"), sb.buf);
    dec = malloc(sb.len + 1);
    FUZZ_CHECK(dec != NULL);
    for (p = sb.buf; *p;) {
        if (*p != '&') {
            dec[o++] = *p++;
            continue;
        }
        for (k = 0; k < sizeof ents / sizeof ents[0]; k++)
            if (strncmp(p, ents[k].ent, strlen(ents[k].ent)) == 0)
                break;
        FUZZ_CHECK_STR(k < sizeof ents / sizeof ents[0], sb.buf);
        dec[o++] = ents[k].c;
        p += strlen(ents[k].ent);
    }
    dec[o] = '\0';
    FUZZ_CHECK(strcmp(dec, s) == 0);
    free(dec);
    strbuf_release(&sb);
}

/* The hit URL: "/articles/<id>?locale=<l>[#anchor]", nothing in it
 * that could end an attribute or start a tag. */
static void check_article_url(const char *id, const char *locale, const char *anchor)
{
    struct strbuf sb = STRBUF_INIT;
    searchreq_article_url(&sb, id, locale, anchor);
    FUZZ_CHECK(!strbuf_failed(&sb) && sb.buf);
    FUZZ_CHECK(strncmp(sb.buf, "/articles/", 10) == 0);
    FUZZ_CHECK_STR(!strpbrk(sb.buf, "<>\"' \t\r\n\\"), sb.buf);
    FUZZ_CHECK_STR(fuzz_count(sb.buf, "?") == 1 && fuzz_count(sb.buf, "#") <= 1, sb.buf);
    strbuf_release(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_strndup(data, size), *nl, *second;

    FUZZ_CHECK(utf8_valid_text((const char *)data, size) == text_ok_ref(data, size));

    check_locale(s);
    check_article_id(s);
    check_escape_html(s);
    check_escape_url(s, 0);
    check_escape_url(s, 1);

    /* Two values: "id\nlocale" (anchor = the part after another '\n'). */
    nl = strchr(s, '\n');
    second = nl ? (*nl = '\0', nl + 1) : (char *)"";
    nl = strchr(second, '\n');
    check_article_url(s, second, nl ? (*nl = '\0', nl + 1) : NULL);
    free(s);
    return 0;
}
