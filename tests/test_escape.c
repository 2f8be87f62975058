/* test_escape.c -- the escapers over every byte, UTF-8 checks, the
 * HTML builder (html.h) and template expansion with its slot rules. */
#include "escape.h"
#include "harness.h"
#include "html.h"
#include "strbuf.h"
#include "template.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The builder: text, attributes, literals, numbers and parts; the URL
 * check; failure; markup read again under a policy. */
static void html_checks(struct harness *hp)
{
    struct html a = HTML_INIT, b = HTML_INIT;
    CHECK_STR_EQ(hp, html_str(&a), "");
    html_lit(&a, "<p");
    html_attr(&a, "title", "a\"b'c&<>");
    html_lit(&a, ">");
    html_text(&a, "<script>alert(1)</script> & 'x'");
    html_text_n(&a, "<b>and more", 3);
    html_fmt(&a, " %d %.1f %zu %lld%%", -3, 2.25, (size_t)7, 1234567890123LL);
    html_lit(&a, "</p>");
    CHECK_STR_EQ(hp, html_str(&a),
                 "<p title=\"a&quot;b&#39;c&amp;&lt;&gt;\">&lt;script&gt;alert(1)&lt;/script&gt; "
                 "&amp; &#39;x&#39;&lt;b&gt; -3 2.2 7 1234567890123%</p>");
    CHECK(hp, !html_failed(&a));
    html_append(&b, &a);
    html_append_slice(&b, &a, 1, 1);
    html_append_slice(&b, &a, 1000, 5);
    CHECK_INT_EQ(hp, html_len(&b), html_len(&a) + 1);
    html_release(&b);

    /* Numbers only in html_fmt; code attributes refused. */
    html_fmt(&b, "%s", "<script>");
    CHECK(hp, html_failed(&b));
    CHECK_STR_EQ(hp, html_str(&b), "");
    html_release(&b);
    CHECK(hp, !html_failed(&b));
    html_fmt(&b, "%c", 'x');
    CHECK(hp, html_failed(&b));
    html_release(&b);
    html_attr(&b, "onclick", "x");
    CHECK(hp, html_failed(&b));
    html_release(&b);
    html_attr(&b, "STYLE", "x");
    CHECK(hp, html_failed(&b));
    html_release(&b);
    /* A failed part fails what it goes into. */
    html_fail(&b);
    html_append(&a, &b);
    CHECK(hp, html_failed(&a));
    html_release(&a);
    html_release(&b);

    /* URL attributes keep relative and http(s)/mailto URLs only. */
    static const struct {
        const char *url;
        int image, safe;
    } urls[] = {
        {"/articles/x?locale=en-us#a", 0, 1}, {"x.md", 0, 1},  {"#top", 0, 1},
        {"?q=1", 0, 1}, {"", 0, 1}, {"a b:c", 0, 1}, {"x&#58;y", 0, 1},
        {"a-very-long-relative-path-without-colon", 0, 1},
        {"http://example.com/", 0, 1}, {"HTTPS://example.com/", 0, 1},
        {"mailto:a@example.com", 0, 1}, {"mailto:javascript:alert(1)", 0, 1},
        {"javascript:alert(1)", 0, 0}, {"JaVaScRiPt:alert(1)", 0, 0},
        {" \x01javascript:alert(1)", 0, 0}, {"java\tscript:alert(1)", 0, 0},
        {"java\nscript:alert(1)", 0, 0}, {"vbscript:x", 0, 0}, {"data:text/html,x", 0, 0},
        {"data:image/png;base64,AA", 0, 0}, {"data:image/png;base64,AA", 1, 1},
        {"data:image/svg+xml,<svg>", 1, 0}, {"file:///etc/passwd", 0, 0},
        {"averyveryverylongscheme:x", 0, 0},
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        if (html_url_safe(urls[i].url, urls[i].image) != urls[i].safe)
            fprintf(stderr, "html_url_safe(\"%s\") != %d\n", urls[i].url, urls[i].safe);
        CHECK_INT_EQ(hp, html_url_safe(urls[i].url, urls[i].image), urls[i].safe);
    }
    html_attr(&a, "href", "javascript:alert(1)");
    html_attr(&a, "HREF", " javascript:alert(1)");
    html_attr(&a, "src", "data:image/gif;base64,R0");
    html_attr(&a, "href", "/x?a=1&b=2");
    CHECK_STR_EQ(hp, html_str(&a),
                 " href=\"\" HREF=\"\" src=\"data:image/gif;base64,R0\" href=\"/x?a=1&amp;b=2\"");
    html_release(&a);

    /* Markup from a renderer: allowed tags and attributes kept byte for
     * byte, anything else escaped or dropped. */
    static const struct {
        const char *in, *want;
    } san[] = {
        {"<p>a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#x27; 'f' \"g\"</p>\n",
         "<p>a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#x27; 'f' \"g\"</p>\n"},
        {"<h2 id=\"a-b\">T</h2><hr /><br /><img src=\"/x.png\" alt=\"y\" />",
         "<h2 id=\"a-b\">T</h2><hr /><br /><img src=\"/x.png\" alt=\"y\" />"},
        {"<ol start=\"3\"><li><a href=\"https://e.com/?a=1&amp;b=2\" title=\"t\">x</a></li></ol>",
         "<ol start=\"3\"><li><a href=\"https://e.com/?a=1&amp;b=2\" title=\"t\">x</a></li></ol>"},
        {"<div class=\"table\"><table>\n<thead><tr><th>a</th></tr></thead>\n<tbody>\n"
         "<tr><td>b</td></tr>\n</tbody></table></div>",
         "<div class=\"table\"><table>\n<thead><tr><th>a</th></tr></thead>\n<tbody>\n"
         "<tr><td>b</td></tr>\n</tbody></table></div>"},
        {"<pre><code class=\"language-c\">x &lt; y</code></pre>",
         "<pre><code class=\"language-c\">x &lt; y</code></pre>"},
        {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
        {"<a href=\"javascript:alert(1)\">x</a>", "<a href=\"\">x</a>"},
        {"<a href=\"java&#115;cript:alert(1)\" onclick=\"x\">y</a>", "<a href=\"\">y</a>"},
        {"<a href=\"&#x6A;avascript:1\">z</a>", "<a href=\"\">z</a>"},
        {"<a href=\"jav&Tab;ascript:1\">z</a>", "<a href=\"\">z</a>"},
        {"<a href='/x?a=1&b=2'>q</a>", "<a href=\"/x?a=1&amp;b=2\">q</a>"},
        {"<img src=x onerror=alert(1) />", "<img src=\"x\" />"},
        {"<img src=\"data:image/png;base64,AA\" alt=\"a\">",
         "<img src=\"data:image/png;base64,AA\" alt=\"a\">"},
        {"<p onmouseover=\"x\" style=\"y\">t</p>", "<p>t</p>"},
        {"<p\">x</p>", "&lt;p\"&gt;x</p>"},
        {"<P>x</P>", "&lt;P&gt;x&lt;/P&gt;"},
        {"<a href=\"/x\"title=\"y\">z</a>", "&lt;a href=\"/x\"title=\"y\"&gt;z</a>"},
        {"</p class=\"x\">", "&lt;/p class=\"x\"&gt;"},
        {"<a title=\"x\\\"><script>\">", "<a title=\"x\\\">&lt;script&gt;\"&gt;"},
        {"<!-- raw HTML omitted -->", "<!-- raw HTML omitted -->"},
        {"<!-- x --><svg onload=alert(1)>", "&lt;!-- x --&gt;&lt;svg onload=alert(1)&gt;"},
        {"a & b &bogus &#99999999; <", "a &amp; b &amp;bogus &amp;#99999999; &lt;"},
        {"<mark>x</mark>", "&lt;mark&gt;x&lt;/mark&gt;"},
    };
    for (size_t i = 0; i < sizeof san / sizeof san[0]; i++) {
        html_sanitized(&a, san[i].in, &html_policy_article);
        CHECK_STR_EQ(hp, html_str(&a), san[i].want);
        html_release(&a);
    }
    html_sanitized(&a, "x <mark>y</mark> <b>z</b> &lt;w&gt;", &html_policy_marks);
    CHECK_STR_EQ(hp, html_str(&a), "x <mark>y</mark> &lt;b&gt;z&lt;/b&gt; &lt;w&gt;");
    html_release(&a);

    /* Into a strbuf: moved when it is empty, appended otherwise. */
    struct strbuf sb = STRBUF_INIT;
    html_lit(&a, "<i>");
    html_to_strbuf(&a, &sb);
    html_lit(&a, "</i>");
    html_to_strbuf(&a, &sb);
    CHECK_STR_EQ(hp, sb.buf, "<i></i>");
    CHECK_INT_EQ(hp, html_len(&a), 0);
    strbuf_release(&sb);
}

static int write_template(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.html", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static const char *ui(const void *ctx, const char *name, size_t len)
{
    (void)ctx;
    return len == 3 && strncmp(name, "t.x", 3) == 0 ? "<UI & string>" : NULL;
}

/* Templates: {{x}} escapes text and HTML alike, {{{x}}} takes HTML and
 * refuses text, unknown names are empty, values are not expanded
 * again, scopes hide and free. */
static void template_checks(struct harness *hp)
{
    struct templates *t;
    char err[256], dir[] = "/tmp/kb-tpl-XXXXXX";
    CHECK(hp, mkdtemp(dir) != NULL);
    CHECK_INT_EQ(hp, write_template(dir, "t", "<p title=\"{{a}}\">{{{b}}}|{{c}}|{{{d}}}|"
                                              "{{missing}}|{{{missing}}}|{{t.x}}|{{{t.x}}}|{{e}}"
                                              "</p>{{unclosed"),
                 0);
    CHECK_INT_EQ(hp, templates_load(dir, &t, err, sizeof err), 0);
    struct tpl_vars v = TPL_VARS_INIT;
    struct html bold = HTML_INIT, out = HTML_INIT;
    html_lit(&bold, "<b>");
    html_text(&bold, "x&y");
    html_lit(&bold, "</b>");
    tpl_set_text(&v, "a", "\"><script>alert(1)</script>");
    tpl_set_html(&v, "b", &bold);
    tpl_set_html(&v, "c", &bold);
    tpl_set_text(&v, "d", "<i>text in a raw slot</i>");
    tpl_set_text(&v, "e", "{{a}} {{{b}}}");
    v.fallback = ui;
    CHECK_INT_EQ(hp, template_render(t, "t", &v, &out), 0);
    CHECK_STR_EQ(hp, html_str(&out),
                 "<p title=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"><b>x&amp;y</b>|"
                 "&lt;b&gt;x&amp;amp;y&lt;/b&gt;||||&lt;UI &amp; string&gt;||{{a}} {{{b}}}</p>"
                 "{{unclosed");
    html_release(&out);

    /* Scopes: an inner value hides the outer one until the scope closes;
     * setting a name again in the same scope replaces it. */
    tpl_scope_open(&v);
    tpl_set_text(&v, "a", "inner");
    tpl_set_text(&v, "a", "inner2");
    tpl_set_text(&v, "d", "");
    tpl_set_html(&v, "d", &bold);
    CHECK_INT_EQ(hp, template_render(t, "t", &v, &out), 0);
    CHECK(hp, strncmp(html_str(&out), "<p title=\"inner2\"><b>x&amp;y</b>|", 33) == 0);
    CHECK(hp, strstr(html_str(&out), "|<b>x&amp;y</b>|") != NULL);
    html_release(&out);
    tpl_scope_close(&v);
    tpl_scope_close(&v); /* none open: no-op */
    CHECK_INT_EQ(hp, template_render(t, "t", &v, &out), 0);
    CHECK(hp, strncmp(html_str(&out), "<p title=\"&quot;&gt;", 20) == 0);
    html_release(&out);
    CHECK_INT_EQ(hp, template_render(t, "no-such-template", &v, &out), -1);

    /* Failed values fail the render's output. */
    struct html failed = HTML_INIT;
    html_fail(&failed);
    tpl_set_html(&v, "b", &failed);
    CHECK_INT_EQ(hp, template_render(t, "t", &v, &out), 0);
    CHECK(hp, html_failed(&out));
    html_release(&out);
    tpl_vars_release(&v);
    tpl_vars_release(NULL);
    html_release(&bold);
    templates_free(t);
    char path[512];
    snprintf(path, sizeof path, "%s/t.html", dir);
    remove(path);
    rmdir(dir);

    /* The real templates load, and the site layout (page.html) fills. */
    CHECK_INT_EQ(hp, templates_load(KB_SOURCE_DIR "/web/templates", &t, err, sizeof err), 0);
    struct html body = HTML_INIT;
    html_lit(&body, "<p>ok</p>");
    tpl_set_text(&v, "title", "<i>x</i>");
    tpl_set_text(&v, "lang", "en");
    tpl_set_html(&v, "body", &body);
    CHECK_INT_EQ(hp, template_render(t, "page", &v, &out), 0);
    CHECK_CONTAINS(hp, html_str(&out), "<title>&lt;i&gt;x&lt;/i&gt; ");
    CHECK_CONTAINS(hp, html_str(&out), "<p>ok</p>");
    CHECK_CONTAINS(hp, html_str(&out), "lang=\"en\"");
    html_release(&out);
    html_release(&body);
    tpl_vars_release(&v);
    templates_free(t);
    CHECK_INT_EQ(hp, templates_load("/nonexistent", &t, err, sizeof err), -1);
}

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
    /* The cmark-style escaper: the same, but ' stays, and it takes a
     * length (a NUL inside is copied). */
    for (int c = 1; c < 256; c++) {
        char in[2] = {(char)c, 0};
        struct strbuf sb = STRBUF_INIT;
        escape_html_cmark(&sb, in, 1);
        const char *want = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;"
                         : c == '"' ? "&quot;" : in;
        CHECK_STR_EQ(&h, sb.buf, want);
        strbuf_release(&sb);
    }
    {
        struct strbuf sb = STRBUF_INIT;
        escape_html_cmark(&sb, "a'<b>&\0\"x", 8);
        CHECK_INT_EQ(&h, sb.len, 23);
        CHECK(&h, memcmp(sb.buf, "a'&lt;b&gt;&amp;\0&quot;", 23) == 0);
        strbuf_release(&sb);
    }
    /* Marked: every byte inside a span is escaped as escape_html()
     * escapes it, between the two pieces of markup. */
    for (int c = 1; c < 256; c++) {
        char in[4] = {'a', (char)c, 'b', 0};
        struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;
        strbuf_adds(&want, "a<mark>");
        escape_html(&want, (char[]){(char)c, 0});
        strbuf_adds(&want, "</mark>b");
        struct escape_span one = {1, 1};
        escape_html_marked(&got, in, 3, &one, 1, "<mark>", "</mark>");
        CHECK_STR_EQ(&h, got.buf, want.buf);
        strbuf_release(&want);
        strbuf_release(&got);
    }
    {
        /* A snippet as the index gives it; then spans out of order,
         * overlapping, empty and past the end: each byte once, no
         * empty marks. */
        static const char text[] = "Type <script>alert('x')</script> & \"quoted\" zebrafish";
        struct escape_span spans[] = {{6, 6}, {25, 6}, {44, 9}};
        struct strbuf sb = STRBUF_INIT;
        escape_html_marked(&sb, text, strlen(text), spans, 3, "<mark>", "</mark>");
        CHECK_STR_EQ(&h, sb.buf, "Type &lt;<mark>script</mark>&gt;alert(&#39;x&#39;)&lt;/"
                                 "<mark>script</mark>&gt; &amp; &quot;quoted&quot; "
                                 "<mark>zebrafish</mark>");
        strbuf_release(&sb);
        struct escape_span odd[] = {{2, 3}, {1, 3}, {6, 0}, {7, 100}, {20, 1}};
        escape_html_marked(&sb, "a<b>c&d", 7, odd, 5, "[", "]");
        CHECK_STR_EQ(&h, sb.buf, "a&lt;[b&gt;c]&amp;d");
        strbuf_release(&sb);
        escape_html_marked(&sb, "x<y", 3, NULL, 0, "[", "]");
        CHECK_STR_EQ(&h, sb.buf, "x&lt;y");
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

    /* UTF-8 decoding: every lead byte alone is a character (ASCII) or
     * invalid (a continuation byte, or a sequence cut short). */
    for (int c = 0; c < 256; c++) {
        char in[1] = {(char)c};
        uint32_t cp = 0xABCD;
        size_t k = utf8_decode(in, 1, &cp);
        CHECK_INT_EQ(&h, k, c < 0x80 ? 1 : 0);
        CHECK_INT_EQ(&h, cp, c < 0x80 ? (uint32_t)c : 0xABCD);
    }
    static const struct {
        const char *s;
        size_t len, k;
        uint32_t cp;
    } dec[] = {
        {"\xc2\x80", 2, 2, 0x80},           {"\xdf\xbf", 2, 2, 0x7ff},
        {"\xe0\xa0\x80", 3, 3, 0x800},      {"\xef\xbf\xbd", 3, 3, 0xfffd},
        {"\xed\x9f\xbf", 3, 3, 0xd7ff},     {"\xee\x80\x80", 3, 3, 0xe000},
        {"\xf0\x90\x80\x80", 4, 4, 0x10000}, {"\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff},
        {"\xd0\x9f!", 3, 2, 0x41f},         {"", 0, 0, 0},
        {"\xc0\x80", 2, 0, 0},              {"\xc1\xbf", 2, 0, 0},
        {"\xe0\x9f\xbf", 3, 0, 0},          {"\xed\xa0\x80", 3, 0, 0},
        {"\xed\xbf\xbf", 3, 0, 0},          {"\xf0\x8f\xbf\xbf", 4, 0, 0},
        {"\xf4\x90\x80\x80", 4, 0, 0},      {"\xf5\x80\x80\x80", 4, 0, 0},
        {"\xe2\x82", 2, 0, 0},              {"\xe2\x82\xac", 2, 0, 0},
        {"\xe2\x28\xac", 3, 0, 0},          {"\xf0\x9f\x99", 3, 0, 0},
    };
    for (size_t i = 0; i < sizeof dec / sizeof dec[0]; i++) {
        uint32_t cp = 0;
        CHECK_INT_EQ(&h, utf8_decode(dec[i].s, dec[i].len, &cp), dec[i].k);
        CHECK_INT_EQ(&h, cp, dec[i].cp);
    }
    /* Encoding: every code point comes back from the decoder; what is
     * not a character becomes U+FFFD. */
    size_t wrong = 0;
    for (uint32_t v = 0; v <= 0x110000; v += v < 0x1000 ? 1 : 7) {
        char out[4];
        uint32_t back = 0;
        size_t k = utf8_encode(v, out);
        int ok = v <= 0x10ffff && (v < 0xd800 || v > 0xdfff);
        size_t want = !ok ? 3 : v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4;
        wrong += k != want || utf8_decode(out, k, &back) != k || back != (ok ? v : 0xfffd);
    }
    CHECK_INT_EQ(&h, wrong, 0);
    /* Maximal subparts: what one U+FFFD replaces. */
    static const struct {
        const char *s;
        size_t len, bad;
    } sub[] = {
        {"\xff", 1, 1},         {"\xc0\x80", 2, 1},     {"\xe2\x82", 2, 2},
        {"\xe2\x82x", 3, 2},   {"\xe0\x9f\xbf", 3, 1}, {"\xed\xa0\x80", 3, 1},
        {"\xf0\x9f\x99", 3, 3}, {"\xf4\x90\x80", 3, 1}, {"\xe2\x28\xac", 3, 1},
        {"\x80", 1, 1},         {"\xf0\x9f\x99(", 4, 3},
    };
    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
        CHECK_INT_EQ(&h, utf8_bad_length(sub[i].s, sub[i].len), sub[i].bad);
    char enc[4];
    CHECK_INT_EQ(&h, utf8_encode(0x110000, enc), 3);
    CHECK(&h, memcmp(enc, "\xef\xbf\xbd", 3) == 0);
    CHECK_INT_EQ(&h, utf8_encode(0xffffffffu, enc), 3);
    CHECK(&h, memcmp(enc, "\xef\xbf\xbd", 3) == 0);
    /* utf8_valid: where the first bad byte is. */
    static const struct {
        const char *s;
        size_t len;
        int ok;
        size_t bad;
    } val[] = {
        {"", 0, 1, 0},           {"abc", 3, 1, 0},     {"\xd0\x9f\xd1\x80", 4, 1, 0},
        {"ab\0c", 4, 0, 2},      {"a\xff", 2, 0, 1},   {"ab\xe2\x82", 4, 0, 2},
        {"\xe2\x82\xac\xc0", 4, 0, 3}, {"\x1b\x7f\t", 3, 1, 0},
    };
    for (size_t i = 0; i < sizeof val / sizeof val[0]; i++) {
        size_t bad = 99;
        CHECK_INT_EQ(&h, utf8_valid(val[i].s, val[i].len, &bad), val[i].ok);
        CHECK_INT_EQ(&h, bad, val[i].ok ? 99 : val[i].bad);
    }

    /* UTF-8 text from requests. */
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

    html_checks(&h);
    template_checks(&h);
    TEST_MAIN_END(&h);
}
