/* test_escape.c -- the escapers over every byte, UTF-8 checks, and
 * template expansion. */
#include "escape.h"
#include "harness.h"
#include "strbuf.h"
#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    struct harness h = {0, 0};

    /* HTML: every byte 0x01-0xFF either passes through or is one of
     * the five entities; nothing that can open a tag or end an
     * attribute survives. */
    for (int c = 1; c < 256; c++) {
        char in[2] = {(char)c, 0};
        struct strbuf sb = STRBUF_INIT;
        escape_html(&sb, in);
        const char *want = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;"
                         : c == '"' ? "&quot;" : c == '\'' ? "&#39;" : in;
        CHECK_STR_EQ(&h, sb.buf, want);
        strbuf_release(&sb);
    }
    /* URL: unreserved bytes stay, everything else is %XX. */
    for (int c = 1; c < 256; c++) {
        char in[2] = {(char)c, 0};
        struct strbuf sb = STRBUF_INIT;
        escape_url(&sb, in, 0);
        int unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
        if (unreserved) {
            CHECK_STR_EQ(&h, sb.buf, in);
        } else {
            char want[4];
            snprintf(want, sizeof want, "%%%02X", c);
            CHECK_STR_EQ(&h, sb.buf, want);
        }
        strbuf_release(&sb);
    }
    struct strbuf sb = STRBUF_INIT;
    escape_url(&sb, "a b/c", 1);
    CHECK_STR_EQ(&h, sb.buf, "a%20b/c");
    strbuf_release(&sb);

    /* UTF-8. */
    CHECK(&h, utf8_valid_text("plain", 5));
    CHECK(&h, utf8_valid_text("Сброс 密码 🙂", strlen("Сброс 密码 🙂")));
    CHECK(&h, !utf8_valid_text("\xff", 1));
    CHECK(&h, !utf8_valid_text("\xc0\xaf", 2));         /* overlong '/' */
    CHECK(&h, !utf8_valid_text("\xe0\x80\xaf", 3));     /* overlong */
    CHECK(&h, !utf8_valid_text("\xed\xa0\x80", 3));     /* surrogate */
    CHECK(&h, !utf8_valid_text("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    CHECK(&h, !utf8_valid_text("\xd0", 1));             /* truncated */
    CHECK(&h, !utf8_valid_text("a\0b", 3));
    CHECK(&h, !utf8_valid_text("\x1b[31m", 5));
    CHECK(&h, utf8_valid_text("tab\tnl\n", 7));

    /* strbuf: formatted appends beyond the small buffer. */
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    strbuf_addf(&sb, "%s-%d", big, 42);
    CHECK_INT_EQ(&h, sb.len, 1002);
    CHECK(&h, strcmp(sb.buf + 999, "-42") == 0);
    size_t len;
    char *d = strbuf_detach(&sb, &len);
    CHECK_INT_EQ(&h, len, 1002);
    free(d);
    d = strbuf_detach(&sb, &len);
    CHECK_STR_EQ(&h, d, "");
    free(d);

    /* Templates: {{x}} escaped, {{{x}}} raw, unknown empty. */
    struct templates *t;
    char err[256];
    CHECK_INT_EQ(&h, templates_load(KB_SOURCE_DIR "/web/templates", &t, err, sizeof err), 0);
    struct tpl_var vars[] = {{"title", "<i>x</i>"}, {"lang", "en"}, {"body", "<p>ok</p>"}};
    CHECK_INT_EQ(&h, template_render(t, "layout", vars, 3, &sb), 0);
    CHECK_CONTAINS(&h, sb.buf, "<title>&lt;i&gt;x&lt;/i&gt;</title>");
    CHECK_CONTAINS(&h, sb.buf, "<p>ok</p>");
    CHECK_CONTAINS(&h, sb.buf, "lang=\"en\"");
    CHECK_INT_EQ(&h, template_render(t, "no-such-template", vars, 3, &sb), -1);
    strbuf_release(&sb);
    templates_free(t);
    CHECK_INT_EQ(&h, templates_load("/nonexistent", &t, err, sizeof err), -1);
    TEST_MAIN_END(&h);
}
