/* test_faq.c -- Microsoft Docs YAML FAQ files: detection, question
 * units and anchors, metadata, errors with lines. */
#include "harness.h"
#include "fixture.h"
#include "article.h"
#include "faq.h"
#include "markdown.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_is_faq(struct harness *h)
{
    static const char *const files[] = {"faq/sample-faq.yml", "faq/broken-faq.yml",
                                        "faq/landing.yml", "faq/TOC.yml"};
    static const int want[] = {1, 1, 0, 0};
    size_t i, len = 0;
    char *buf;

    for (i = 0; i < 4; i++) {
        buf = fixture(h, files[i], &len);
        if (buf)
            CHECK_INT_EQ(h, faq_is_faq(buf, len), want[i]);
        free(buf);
    }
    CHECK_INT_EQ(h, faq_is_faq("\xEF\xBB\xBF### YamlMime:FAQ\r\nmetadata: {}\n", 33), 1);
    CHECK_INT_EQ(h, faq_is_faq("### YamlMime:FAQ", 16), 1);
    CHECK_INT_EQ(h, faq_is_faq("### YamlMime:FAQx\n", 18), 0);
    CHECK_INT_EQ(h, faq_is_faq("### YamlMime:FA", 15), 0);
    CHECK_INT_EQ(h, faq_is_faq("title: x\n### YamlMime:FAQ\n", 26), 0);
    CHECK_INT_EQ(h, faq_is_faq("", 0), 0);
}

static void test_sample(struct harness *h)
{
    size_t len = 0, i;
    struct diag d = {0, 0, ""};
    struct article *a = article_new();
    char *buf = fixture(h, "faq/sample-faq.yml", &len), *html;
    const struct article_section *s;

    if (!buf) {
        article_free(a);
        return;
    }
    CHECK_INT_EQ(h, faq_parse(buf, len, a, &d), 0);
    CHECK_STR_EQ(h, d.msg, "");
    CHECK_STR_EQ(h, a->title, "Payout and tax questions");
    CHECK_STR_EQ(h, a->description, "Appropriate roles: Account admin | Incentive admin\n"
                                    "Answers about payouts. See payout policy.");
    CHECK_STR_EQ(h, a->product, "partner-dashboard");
    CHECK_STR_EQ(h, a->updated, "2021-05-06");
    CHECK_STR_EQ(h, a->locale, "zh-cn");
    CHECK_STR_EQ(h, a->topic, "faq");
    CHECK_INT_EQ(h, a->machine_translated, 0);
    CHECK_INT_EQ(h, a->ntags, 2);
    CHECK_STR_EQ(h, a->headings, "Manage your profile\nPayments");

    CHECK_INT_EQ(h, a->nsections, 5);
    if (a->nsections == 5) {
        s = &a->sections[0];
        CHECK_STR_EQ(h, s->anchor, "");
        CHECK_INT_EQ(h, s->level, 0);
        CHECK_INT_EQ(h, s->is_question, 0);
        CHECK_STR_EQ(h, s->text, a->description);

        s = &a->sections[1];
        CHECK_STR_EQ(h, s->anchor, "why-do-i-need-to-update-my-tax-profile");
        CHECK_STR_EQ(h, s->title, "Why do I need to update my tax profile?");
        CHECK_INT_EQ(h, s->level, 2);
        CHECK_INT_EQ(h, s->is_question, 1);
        CHECK_STR_EQ(h, s->text, "Every partner must provide valid payout and tax "
                                 "information.\nUpdates take up to 48 hours. "
                                 "See tax forms.");

        s = &a->sections[2];
        CHECK_STR_EQ(h, s->anchor, "how-do-i-find-my-payout-id");
        CHECK_STR_EQ(h, s->text, "Open Settings > Payout.\nThe ID is in the Profile "
                                 "column; see IDs.");
        /* The same question twice gets a suffix. */
        CHECK_STR_EQ(h, a->sections[3].anchor, "how-do-i-find-my-payout-id-1");
        CHECK_STR_EQ(h, a->sections[3].text, "Use the payout report instead.");

        s = &a->sections[4];
        CHECK_STR_EQ(h, s->anchor, "为什么我的付款被延迟");
        CHECK_STR_EQ(h, s->title, "为什么我的付款被延迟？");
        /* The image, alt text and all, leaves nothing before the text. */
        CHECK_STR_EQ(h, s->text, "付款可能需要 30 天。");
    }

    /* Links of the summary, answers and additionalContent, each at the
     * line where its scalar's text starts. */
    CHECK_INT_EQ(h, a->nlinks, 5);
    if (a->nlinks == 5) {
        CHECK_STR_EQ(h, a->links[0].target, "payout-policy-details.md");
        CHECK_INT_EQ(h, a->links[0].line, 13);
        CHECK_STR_EQ(h, a->links[1].target, "tax-forms.md#w8");
        CHECK_INT_EQ(h, a->links[1].line, 23);
        CHECK_STR_EQ(h, a->links[2].target, "find-ids.md");
        CHECK_INT_EQ(h, a->links[2].line, 30);
        CHECK_STR_EQ(h, a->links[3].target, "payout-statement.md#id");
        CHECK_INT_EQ(h, a->links[3].line, 35);
        CHECK_STR_EQ(h, a->links[4].target, "set-up-your-payout-account.md");
        CHECK_INT_EQ(h, a->links[4].line, 43);
    }

    /* The synthesised page renders each question with its unit anchor. */
    CHECK_CONTAINS(h, a->markdown, "## <a name=\"manage-your-profile\"></a>Manage your profile\n");
    CHECK_CONTAINS(h, a->markdown, "### <a name=\"how-do-i-find-my-payout-id-1\"></a>"
                                   "How do I find my payout ID?\n");
    CHECK_NOT_CONTAINS(h, a->markdown, "[!NOTE]");
    CHECK_NOT_CONTAINS(h, a->markdown, ":::image");
    html = markdown_render_html(a->markdown, strlen(a->markdown));
    CHECK(h, html != NULL);
    for (i = 1; html && i < a->nsections; i++) {
        char want[160];

        snprintf(want, sizeof want, "<h3 id=\"%s\">", a->sections[i].anchor);
        CHECK_CONTAINS(h, html, want);
    }
    CHECK_CONTAINS(h, html, "<h2 id=\"payments\">Payments</h2>");
    CHECK_CONTAINS(h, html, "<h2 id=\"next-steps\">Next steps</h2>");
    CHECK_CONTAINS(h, html, "<strong>Note:</strong>");
    CHECK_NOT_CONTAINS(h, html, "<a name");
    free(html);
    article_free(a);
    free(buf);
}

static void test_broken(struct harness *h)
{
    size_t len = 0;
    struct diag d = {0, 0, ""};
    struct article *a = article_new();
    char *buf = fixture(h, "faq/broken-faq.yml", &len);

    if (buf) {
        CHECK_INT_EQ(h, faq_parse(buf, len, a, &d), -1);
        CHECK_INT_EQ(h, d.line, 12);
        CHECK_INT_EQ(h, d.is_error, 1);
        CHECK_STR_EQ(h, d.msg, "FAQ: question 'How do I close my account?' has no "
                               "answer; add 'answer:' with text under it");
    }
    article_free(a);
    free(buf);
}

static void check_error(struct harness *h, const char *yml, unsigned line,
                        const char *msg)
{
    struct diag d = {0, 0, ""};
    struct article *a = article_new();

    CHECK_INT_EQ(h, faq_parse(yml, strlen(yml), a, &d), -1);
    CHECK_INT_EQ(h, d.line, line);
    CHECK_CONTAINS(h, d.msg, msg);
    article_free(a);
}

static void test_errors(struct harness *h)
{
    check_error(h, "### YamlMime:FAQ\ntitle: x\nsummary: a: b\n", 3,
                "FAQ: invalid YAML: mapping values are not allowed");
    check_error(h, "### YamlMime:FAQ\ntitle: x\nsections:\n  name: A\n", 4,
                "'sections' must be a list");
    check_error(h, "### YamlMime:FAQ\ntitle: x\nsections:\n- name: A\n  questions:\n"
                   "  - question: ' '\n    answer: y\n", 6, "empty question");
    check_error(h, "### YamlMime:FAQ\ntitle: x\nsections:\n- name: A\n  questions:\n"
                   "  - answer: orphan\n", 6, "entry without 'question:'");
    check_error(h, "### YamlMime:FAQ\ntitle: x\nsections:\n- name: A\n  questions: []\n", 4,
                "FAQ has no questions");
    check_error(h, "### YamlMime:FAQ\ntitle: x\nsummary: y\n", 2, "FAQ has no questions");
    check_error(h, "### YamlMime:FAQ\nmetadata:\n  title: x\n  ms.date: 31/12/2021\n"
                   "sections: []\n", 4, "ms.date: '31/12/2021' is not a valid date");
    check_error(h, "### YamlMime:FAQ\nmetadata: just text\n", 2, "'metadata' must be a mapping");
    check_error(h, "### YamlMime:FAQ\n- a\n- b\n", 2, "expected a mapping");
    check_error(h, "### YamlMime:FAQ\ntitle: x\nsections:\n- name: A\n  questions:\n"
                   "  - question: [a, b]\n    answer: y\n", 6, "'question' must be text");
}

static void test_title_fallback(struct harness *h)
{
    const char *yml = "### YamlMime:FAQ\nmetadata:\n  title: From metadata\n"
                      "  description: Meta description\n  ms.topic: article\n"
                      "sections:\n- questions:\n  - question: \"What is **this**?\"\n"
                      "    answer: It is a test.\n";
    struct diag d = {0, 0, ""};
    struct article *a = article_new();

    CHECK_INT_EQ(h, faq_parse(yml, strlen(yml), a, &d), 0);
    CHECK_STR_EQ(h, a->title, "From metadata");
    CHECK_STR_EQ(h, a->description, "Meta description");
    CHECK_STR_EQ(h, a->topic, "article"); /* metadata wins over the default */
    CHECK_STR_EQ(h, a->headings, "");
    CHECK_INT_EQ(h, a->nsections, 1); /* no summary: no lead unit */
    if (a->nsections == 1) {
        CHECK_STR_EQ(h, a->sections[0].anchor, "what-is-this");
        CHECK_STR_EQ(h, a->sections[0].title, "What is this?");
    }
    article_free(a);
}

int main(void)
{
    struct harness h = {0, 0};

    test_is_faq(&h);
    test_sample(&h);
    test_broken(&h);
    test_errors(&h);
    test_title_fallback(&h);
    TEST_MAIN_END(&h);
}
