/* test_markdown.c -- slugs, units, plain text, links, DocFX clean-up,
 * UTF-8 checks and safe rendering. */
#include "harness.h"
#include "fixture.h"
#include "article.h"
#include "docfx.h"
#include "frontmatter.h"
#include "markdown.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_slug(struct harness *h, const char *in, const char *want)
{
    char *s = markdown_slug(in);

    CHECK_STR_EQ(h, s, want);
    free(s);
}

static void test_slug(struct harness *h)
{
    check_slug(h, "Hello, World!", "hello-world");
    check_slug(h, "  Multiple   spaces -- and__underscores  ", "multiple-spaces-and-underscores");
    check_slug(h, "C# & .NET 6", "c-net-6");
    check_slug(h, "What's new?", "whats-new");
    check_slug(h, "Step 1: Sign in (MFA)", "step-1-sign-in-mfa");
    check_slug(h, "Управление профилем", "управление-профилем");
    check_slug(h, "Центр партнеров — единое расположение", "центр-партнеров-единое-расположение");
    check_slug(h, "为什么我的付款被延迟？", "为什么我的付款被延迟");
    check_slug(h, "常见问题（FAQ）：付款", "常见问题faq付款");
    check_slug(h, "Überblick\xC2\xA0Änderungen", "überblick-änderungen"); /* ASCII-only lower-casing */
    check_slug(h, "---", "");
    check_slug(h, "", "");
    check_slug(h, "bad\xFFutf8", "badutf8");
}

/* Parses a whole file (front matter + body) as kb-index does. */
static struct article *parse_page(struct harness *h, const char *md, size_t len,
                                  struct diag *d)
{
    struct article *a = article_new();
    size_t off = 0;
    unsigned line = 1;
    char *clean;

    CHECK_INT_EQ(h, frontmatter_parse(md, len, a, &off, &line, d), 0);
    clean = docfx_clean(md + off, len - off);
    CHECK(h, clean != NULL);
    if (clean)
        CHECK_INT_EQ(h, markdown_extract(a, clean, strlen(clean), line, d), 0);
    free(clean);
    return a;
}

static const struct article_section *unit(const struct article *a, const char *anchor)
{
    size_t i;

    for (i = 0; i < a->nsections; i++)
        if (strcmp(a->sections[i].anchor, anchor) == 0)
            return &a->sections[i];
    return NULL;
}

static void test_docs_page(struct harness *h)
{
    size_t len = 0, i;
    struct diag d = {0, 0, ""};
    char *md = fixture(h, "markdown/docs-page.md", &len), *html;
    struct article *a;
    const struct article_section *s;

    if (!md)
        return;
    a = parse_page(h, md, len, &d);
    CHECK_STR_EQ(h, a->title, "Manage invoices and payments"); /* front matter wins */
    CHECK_STR_EQ(h, a->headings, "Manage invoices\nFind an invoice\nFilter the list\n"
                                 "Filter tips\nCan I export the list?\nInvoice columns\n"
                                 "Questions\n如何导出发票？");
    CHECK_INT_EQ(h, a->nsections, 7);
    if (a->nsections == 7) {
        s = &a->sections[0];
        CHECK_STR_EQ(h, s->anchor, "");
        CHECK_STR_EQ(h, s->title, "");
        CHECK_INT_EQ(h, s->level, 0);
        CHECK_STR_EQ(h, s->text, "Appropriate roles: Global admin | Billing admin\n"
                                 "Use the billing workspace to see every invoice of your "
                                 "tenant-id tenant.\n"
                                 "Invoices are created on the 8th of each month.");
        CHECK_STR_EQ(h, a->sections[1].anchor, "find-an-invoice");
        CHECK_STR_EQ(h, a->sections[2].anchor, "filter");
        CHECK_STR_EQ(h, a->sections[3].anchor, "can-i-export");
        CHECK_STR_EQ(h, a->sections[4].anchor, "invoice-columns");
        CHECK_STR_EQ(h, a->sections[5].anchor, "questions");
        CHECK_STR_EQ(h, a->sections[6].anchor, "如何导出发票");
    }
    s = unit(a, "find-an-invoice");
    CHECK(h, s != NULL);
    if (s) {
        CHECK_STR_EQ(h, s->title, "Find an invoice");
        CHECK_INT_EQ(h, s->level, 2);
        CHECK_INT_EQ(h, s->is_question, 0);
        CHECK_STR_EQ(h, s->text, "Sign in to the dashboard.\n"
                                 "Select Billing, then see invoice details.");
    }
    s = unit(a, "filter");
    CHECK(h, s != NULL);
    if (s) {
        CHECK_INT_EQ(h, s->level, 3);
        /* <span> and <br> are markup; the plain H4 is folded in. */
        CHECK_STR_EQ(h, s->text, "Filter by date or by amount. Sorting is saved.\n"
                                 "Filter tips\nUse the Date column.");
    }
    s = unit(a, "can-i-export");
    CHECK(h, s != NULL);
    if (s) {
        CHECK_STR_EQ(h, s->title, "Can I export the list?");
        CHECK_INT_EQ(h, s->level, 4);
        CHECK_INT_EQ(h, s->is_question, 1);
        CHECK_STR_EQ(h, s->text, "Yes. Select Export; see exports and CSV format.");
    }
    s = unit(a, "invoice-columns");
    CHECK(h, s != NULL);
    if (s)
        CHECK_STR_EQ(h, s->text, "Column Meaning\nAmount The total, tax included\n"
                                 "your domain The domain\nGet-Invoice -TenantId <tenant-id>");
    s = unit(a, "如何导出发票");
    CHECK(h, s != NULL);
    if (s) {
        CHECK_INT_EQ(h, s->is_question, 1);
        CHECK_STR_EQ(h, s->text, "在帐单页面上选择 导出。");
    }

    /* Relative links only, each with its line in the file. */
    CHECK_INT_EQ(h, a->nlinks, 3);
    if (a->nlinks == 3) {
        CHECK_STR_EQ(h, a->links[0].target, "invoice-details.md#columns");
        CHECK_INT_EQ(h, a->links[0].line, 19);
        CHECK_STR_EQ(h, a->links[1].target, "#export");
        CHECK_INT_EQ(h, a->links[1].line, 33);
        CHECK_STR_EQ(h, a->links[2].target, "billing-faq.yml");
        CHECK_INT_EQ(h, a->links[2].line, 48);
    }

    /* The rendered page: every unit anchor is a heading id. */
    html = markdown_render_html(a->markdown, strlen(a->markdown));
    CHECK(h, html != NULL);
    for (i = 0; html && i < a->nsections; i++) {
        char want[128];

        if (!a->sections[i].anchor[0])
            continue;
        snprintf(want, sizeof want, " id=\"%s\">", a->sections[i].anchor);
        CHECK_CONTAINS(h, html, want);
    }
    CHECK_CONTAINS(h, html, "<h4 id=\"filter-tips\">Filter tips</h4>");
    CHECK_CONTAINS(h, html, "<h2 id=\"find-an-invoice\">Find an invoice</h2>");
    CHECK_NOT_CONTAINS(h, html, "<h1");       /* the page shows the title */
    CHECK_NOT_CONTAINS(h, html, "Manage invoices</");
    CHECK_NOT_CONTAINS(h, html, "<a name");
    CHECK_NOT_CONTAINS(h, html, "[!NOTE]");
    CHECK_CONTAINS(h, html, "<strong>Note:</strong>");
    CHECK_CONTAINS(h, html, "your &lt;tenant-id&gt; tenant");
    CHECK_CONTAINS(h, html, "&lt;your domain&gt;");
    CHECK_CONTAINS(h, html, "amount.<br />");
    free(html);
    article_free(a);

    /* Without a front matter title, the first H1 is the title. */
    a = article_new();
    CHECK_INT_EQ(h, markdown_extract(a, "# Only H1\n\nLead.\n", 17, 1, &d), 0);
    CHECK_STR_EQ(h, a->title, "Only H1");
    article_free(a);
    free(md);
}

static void test_units(struct harness *h)
{
    const char *md = "# Title\n## Overview\nA\n## Overview\nB\n### Overview\nC\n"
                     "## <a name=\"summary\"></a>Summary\n## <a name=\"summary\"></a>Итоги\n"
                     "## ???\n#### Why not?\nD\n##### Deep\nE\n";
    struct article *a = article_new();
    struct diag d = {0, 0, ""};
    char *html;

    CHECK_INT_EQ(h, markdown_extract(a, md, strlen(md), 10, &d), 0);
    CHECK_INT_EQ(h, a->nsections, 7); /* no lead: nothing before the first H2 */
    if (a->nsections == 7) {
        CHECK_STR_EQ(h, a->sections[0].anchor, "overview");
        CHECK_STR_EQ(h, a->sections[1].anchor, "overview-1");
        CHECK_STR_EQ(h, a->sections[2].anchor, "overview-2");
        CHECK_INT_EQ(h, a->sections[2].level, 3);
        CHECK_STR_EQ(h, a->sections[3].anchor, "summary");
        CHECK_STR_EQ(h, a->sections[4].anchor, "summary-1");
        CHECK_STR_EQ(h, a->sections[4].title, "Итоги");
        CHECK_STR_EQ(h, a->sections[5].anchor, "section"); /* nothing left to slug */
        CHECK_STR_EQ(h, a->sections[6].anchor, "why-not");
        CHECK_INT_EQ(h, a->sections[6].is_question, 1);
        CHECK_STR_EQ(h, a->sections[6].text, "D\nDeep\nE");
    }
    html = markdown_render_html(md, strlen(md));
    CHECK_CONTAINS(h, html, "<h2 id=\"overview-1\">Overview</h2>");
    CHECK_CONTAINS(h, html, "<h3 id=\"overview-2\">Overview</h3>");
    CHECK_CONTAINS(h, html, "<h2 id=\"summary-1\">Итоги</h2>");
    CHECK_CONTAINS(h, html, "<h5 id=\"deep\">Deep</h5>");
    free(html);
    article_free(a);

    /* The lead unit, and a lead-only page. */
    a = article_new();
    CHECK_INT_EQ(h, markdown_extract(a, "Intro *text*.\n\n# T\n\nMore.\n", 26, 1, &d), 0);
    CHECK_INT_EQ(h, a->nsections, 1);
    if (a->nsections == 1)
        CHECK_STR_EQ(h, a->sections[0].text, "Intro text.\nMore.");
    article_free(a);
}

static int count_nl(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_docfx(struct harness *h)
{
    const char *md =
        "> [!NOTE]\n> Plain note.\n"
        ">[!Important]   \n>Careful.\n"
        "1. Step\n\n   > [!TIP]\n   > Nested tip.\n"
        "> > [!caution]\n"
        "> [!WARNING] Inline text\n"
        "> [!div class=\"x\"]\n"
        ":::image type=\"content\" source=\"a.png\" alt-text=\"Chart of sales\" lightbox=\"b.png\":::\n"
        "    :::image type=\"content\" source=\"a.png\" alt-text=\"\":::.\n"
        ":::image type=\"complex\" source=\"c.png\" alt-text=\"Diagram\":::\n"
        "Long description.\n"
        ":::image-end:::\n"
        "| RU | :::no-loc text=\"ИНН/КПП\"::: | x |\n"
        "```md\n> [!NOTE]\n:::no-loc text=\"kept\":::\n```\n"
        "> [!NOTE]\n";
    char *out = docfx_clean(md, strlen(md)), *text;

    CHECK(h, out != NULL);
    if (!out)
        return;
    CHECK_INT_EQ(h, count_nl(out), count_nl(md));
    CHECK_CONTAINS(h, out, "> **Note:**\n> Plain note.\n");
    CHECK_CONTAINS(h, out, ">**Important:**   \n>Careful.\n");
    CHECK_CONTAINS(h, out, "   > **Tip:**\n   > Nested tip.\n");
    CHECK_CONTAINS(h, out, "> > **Caution:**\n");
    CHECK_CONTAINS(h, out, "> **Warning:** Inline text\n");
    CHECK_CONTAINS(h, out, "> [!div class=\"x\"]\n"); /* not an alert */
    /* An image leaves nothing, its alt text included: no stray
     * paragraph where the page shows no image. */
    CHECK_NOT_CONTAINS(h, out, "Chart of sales");
    CHECK_NOT_CONTAINS(h, out, "Diagram");
    CHECK_CONTAINS(h, out, "\n    .\n");
    CHECK_CONTAINS(h, out, "\n\nLong description.\n\n");
    CHECK_CONTAINS(h, out, "| RU | ИНН/КПП | x |\n");
    CHECK_CONTAINS(h, out, "```md\n> [!NOTE]\n:::no-loc text=\"kept\":::\n```\n");
    CHECK(h, strcmp(out + strlen(out) - 12, "> **Note:**\n") == 0);
    CHECK_NOT_CONTAINS(h, out, "alt-text");
    text = markdown_plain_text(out, strlen(out));
    CHECK_CONTAINS(h, text, "Plain note.");
    CHECK_NOT_CONTAINS(h, text, "Note:"); /* the alert label is not text */
    CHECK_NOT_CONTAINS(h, text, "[!Important]"); /* only the code sample */
    CHECK_NOT_CONTAINS(h, text, "[!TIP]");       /* keeps its [!NOTE] */
    CHECK_NOT_CONTAINS(h, text, "[!WARNING]");
    free(text);
    free(out);

    out = docfx_clean("", 0);
    CHECK_STR_EQ(h, out, "");
    free(out);
    out = docfx_clean(":::image alt-text=\"never closed\n:::\n",
                      strlen(":::image alt-text=\"never closed\n:::\n"));
    CHECK_STR_EQ(h, out, ":::image alt-text=\"never closed\n:::\n");
    free(out);
}

static void test_docfx_html(struct harness *h)
{
    static const struct {
        const char *tag;
        enum docfx_tag kind;
        const char *words;
    } tags[] = {
        {"<tenant-id>", DOCFX_TAG_PLACEHOLDER, "tenant-id"},
        {"<your domain>", DOCFX_TAG_PLACEHOLDER, "your domain"},
        {"<reportId/>", DOCFX_TAG_PLACEHOLDER, "reportId"},
        {"<SPAN class=\"x\">", DOCFX_TAG_MARKUP, NULL},
        {"</a>", DOCFX_TAG_MARKUP, NULL},
        {"</tenant-id>", DOCFX_TAG_MARKUP, NULL},
        {"<!-- note -->", DOCFX_TAG_MARKUP, NULL},
        {"<BR/>", DOCFX_TAG_LINEBREAK, NULL},
        {"<td align=\"left\">", DOCFX_TAG_BREAK, NULL},
    };
    size_t i, wo, wl;
    char *s;

    for (i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        wo = wl = 0;
        CHECK_INT_EQ(h, docfx_tag_kind(tags[i].tag, strlen(tags[i].tag), &wo, &wl), tags[i].kind);
        if (tags[i].words)
            CHECK(h, wl == strlen(tags[i].words) &&
                         memcmp(tags[i].tag + wo, tags[i].words, wl) == 0);
    }
    s = docfx_anchor_name("<a name=\"find-an-invoice\">");
    CHECK_STR_EQ(h, s, "find-an-invoice");
    free(s);
    s = docfx_anchor_name("<A class=x id='y'>");
    CHECK_STR_EQ(h, s, "y");
    free(s);
    CHECK(h, docfx_anchor_name("<a href=\"x.md\">") == NULL);
    CHECK(h, docfx_anchor_name("<abbr name=\"x\">") == NULL);
    CHECK(h, docfx_anchor_name("<a name=\"\">") == NULL);
    s = docfx_html_text("<p>A&lt;B</p><style>p{}</style><p>C</p>",
                        strlen("<p>A&lt;B</p><style>p{}</style><p>C</p>"));
    CHECK_STR_EQ(h, s, " A<B  C ");
    free(s);
}

static void test_plain_text(struct harness *h)
{
    static const struct {
        const char *md, *want;
    } cases[] = {
        {"Sign in as <tenant-id>.onmicrosoft.com", "Sign in as tenant-id.onmicrosoft.com"},
        {"Enter <your domain> here", "Enter your domain here"},
        {"<span class=\"sxs\">Kept</span> <b>bold</b> and <em>em</em>", "Kept bold and em"},
        {"a<br>b<br/>c", "a b c"},
        {"<!-- comment --> text", "text"},
        {"Use `az login` then\n\n```\nrun   this\n  now\n```", "Use az login then\nrun this now"},
        /* As in GFM, a bare '|' splits cells even inside code. */
        {"| A | B |\n|---|---|\n| `x|y` | [l](l.md) |", "A B\nx y l"},
        {"Roles: Admin | Agent", "Roles: Admin | Agent"}, /* not a table */
        {"![Alt text](img.png) caption", "Alt text caption"},
        {"* one\n* two\n\n> quoted\n> line", "one\ntwo\nquoted line"},
        {"<table><tr><td>Cell&nbsp;one</td><td>R&amp;D &#1046;</td></tr></table>",
         "Cell one R&D Ж"},
        {"<div>\n<script>alert(1)</script>\nshown\n</div>", "shown"},
        {"no\xC2\xA0" "break and zero\xE2\x80\x8Bwidth", "no break and zerowidth"},
        {"&copy; 2021 &mdash; ok", "\xC2\xA9 2021 \xE2\x80\x94 ok"},
        {"", ""},
    };
    size_t i;
    char *t;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t = markdown_plain_text(cases[i].md, strlen(cases[i].md));
        CHECK_STR_EQ(h, t, cases[i].want);
        if (t)
            CHECK(h, utf8_valid(t, strlen(t), NULL));
        free(t);
    }
    t = markdown_plain_text("bad \xFF byte", 10); /* replaced, still valid */
    CHECK(h, t && utf8_valid(t, strlen(t), NULL));
    free(t);
}

static void test_links(struct harness *h)
{
    const char *md = "Intro [a](a.md)\nand [b](sub/b.md#x) and [c](#local)\n\n"
                     "* [abs](/azure/x) [web](https://x.y) [mail](mailto:a@b.c)\n"
                     "* ![img](media/p.png) [empty]() [ref][r]\n\n"
                     "[r]: ref.md\n";
    struct article *a = article_new();
    struct diag d = {0, 0, ""};
    char *t;

    CHECK_INT_EQ(h, markdown_extract(a, md, strlen(md), 7, &d), 0);
    CHECK_INT_EQ(h, a->nlinks, 4);
    if (a->nlinks == 4) {
        CHECK_STR_EQ(h, a->links[0].target, "a.md");
        CHECK_INT_EQ(h, a->links[0].line, 7);
        CHECK_STR_EQ(h, a->links[1].target, "sub/b.md#x");
        CHECK_INT_EQ(h, a->links[1].line, 8);
        CHECK_STR_EQ(h, a->links[2].target, "#local");
        CHECK_INT_EQ(h, a->links[2].line, 8);
        CHECK_STR_EQ(h, a->links[3].target, "ref.md");
        CHECK_INT_EQ(h, a->links[3].line, 11);
    }
    article_free(a);

    a = article_new();
    t = markdown_fragment_text(a, "See [x](x.md)\n\nand [y](y.md#z)", 30, 42);
    CHECK_STR_EQ(h, t, "See x\nand y");
    CHECK_INT_EQ(h, a->nlinks, 2);
    if (a->nlinks == 2) {
        CHECK_INT_EQ(h, a->links[0].line, 42);
        CHECK_INT_EQ(h, a->links[1].line, 42);
    }
    free(t);
    article_free(a);
}

static void test_utf8(struct harness *h)
{
    static const struct {
        const char *s;
        size_t len;
        int ok;
        size_t bad;
    } cases[] = {
        {"plain ascii", 11, 1, 0},
        {"Привет 你好 \xF0\x9F\x98\x80", 24, 1, 0},
        {"\xEF\xBF\xBF", 3, 1, 0},
        {"ab\xC0\xAF", 4, 0, 2},          /* overlong '/' */
        {"\xE0\x80\xAF", 3, 0, 0},        /* overlong, 3 bytes */
        {"\xF0\x80\x80\xAF", 4, 0, 0},    /* overlong, 4 bytes */
        {"x\xED\xA0\x80", 4, 0, 1},       /* surrogate U+D800 */
        {"\xF4\x90\x80\x80", 4, 0, 0},    /* above U+10FFFF */
        {"abc\xE4\xB8", 5, 0, 3},         /* truncated */
        {"ab\x80", 3, 0, 2},              /* lone continuation */
        {"a\0b", 3, 0, 1},                /* NUL: a binary file */
        {"\xFF", 1, 0, 0},
    };
    size_t i, bad;
    struct article *a;
    struct diag d;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bad = 999;
        CHECK_INT_EQ(h, utf8_valid(cases[i].s, cases[i].len, &bad), cases[i].ok);
        if (!cases[i].ok)
            CHECK_INT_EQ(h, bad, cases[i].bad);
    }
    a = article_new();
    memset(&d, 0, sizeof d);
    CHECK_INT_EQ(h, markdown_extract(a, "line\nline\nbad \xC3(\n", 17, 5, &d), -1);
    CHECK_INT_EQ(h, d.line, 7);
    CHECK_CONTAINS(h, d.msg, "invalid UTF-8");
    CHECK_INT_EQ(h, markdown_extract(a, "ok\n\0bin", 7, 1, &d), -1);
    CHECK_INT_EQ(h, d.line, 2);
    CHECK_CONTAINS(h, d.msg, "binary file");
    article_free(a);
}

static void test_render_safety(struct harness *h)
{
    const char *md =
        "# Title\n\n"
        "<script>alert(1)</script>\n\n"
        "Inline <script>alert(2)</script> and <img src=x onerror=alert(3)>.\n\n"
        "[x](javascript:alert(4)) [y](JAVASCRIPT:alert(5)) [z](data:text/html,hi) "
        "[v](vbscript:msgbox) [ok](page.md)\n\n"
        "## <a name='a\"b&c'></a>Odd anchor\n\n"
        "Use <tenant-id> and <b>bold</b>.\n\n"
        "<a name=\"standalone\"></a>\n\n"
        "<iframe src=\"https://evil\"></iframe>\n";
    char *html = markdown_render_html(md, strlen(md));

    CHECK(h, html != NULL);
    CHECK_NOT_CONTAINS(h, html, "<script");
    CHECK_NOT_CONTAINS(h, html, "<img");
    CHECK_NOT_CONTAINS(h, html, "onerror");
    CHECK_NOT_CONTAINS(h, html, "<iframe");
    CHECK_NOT_CONTAINS(h, html, "javascript:");
    CHECK_NOT_CONTAINS(h, html, "JAVASCRIPT:");
    CHECK_NOT_CONTAINS(h, html, "vbscript:");
    CHECK_NOT_CONTAINS(h, html, "data:text");
    CHECK_NOT_CONTAINS(h, html, "standalone");
    CHECK_CONTAINS(h, html, "<a href=\"page.md\">ok</a>");
    CHECK_CONTAINS(h, html, "<h2 id=\"a&quot;b&amp;c\">Odd anchor</h2>");
    CHECK_CONTAINS(h, html, "Use &lt;tenant-id&gt; and ");
    CHECK_NOT_CONTAINS(h, html, "<b>");
    CHECK_NOT_CONTAINS(h, html, "<h1");
    free(html);

    html = markdown_render_html("", 0);
    CHECK_STR_EQ(h, html, "");
    free(html);
    /* A second H1 is rendered, with an id like any other heading. */
    html = markdown_render_html("# One\n# Two\n", 12);
    CHECK_STR_EQ(h, html, "<h1 id=\"two\">Two</h1>\n");
    free(html);
    /* Numeric references cmark writes as ill-formed UTF-8 come out as
     * U+FFFD: the page is always UTF-8. */
    const char *refs = "a &#xFFFF; b &#xFFFE; c &#x10FFFF; d &#xD800; e\n\n## &#xFFFF;\n";
    html = markdown_render_html(refs, strlen(refs));
    CHECK(h, html && utf8_valid(html, strlen(html), NULL));
    CHECK_CONTAINS(h, html, "a ");
    CHECK_CONTAINS(h, html, " e</p>");
    free(html);
}

int main(void)
{
    struct harness h = {0, 0};

    test_slug(&h);
    test_docs_page(&h);
    test_units(&h);
    test_docfx(&h);
    test_docfx_html(&h);
    test_plain_text(&h);
    test_links(&h);
    test_utf8(&h);
    test_render_safety(&h);
    TEST_MAIN_END(&h);
}
