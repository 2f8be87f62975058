/* fuzz_search.c -- kb_search() with arbitrary query text, the way
 * /api/search, /api/suggest and /search run it.
 *
 * LLVMFuzzerInitialize builds a tiny index (English, Russian and
 * Chinese articles, one internal) in a mkdtemp() directory and opens a
 * read handle on it.  Each input that passes the service's own checks
 * (utf8_valid_text, at most SEARCHREQ_MAX_QUERY bytes) is searched in
 * a few locales, with and without prefix_last.  A search must succeed:
 * README promises that a query that does not parse runs as plain
 * words, so even KB_ERR_BAD_QUERY (the service's 400) is a finding
 * unless KB_FUZZ_ALLOW_BAD_QUERY=1, and any other status would be a
 * 500.  It must never show an internal article, and must give
 * hits whose snippets are valid UTF-8 text with well-formed spans, and
 * valid UTF-8 HTML with only <mark> tags once the service writes them. */
#define _XOPEN_SOURCE 700 /* nftw */

#include "escape.h"
#include "fuzz_util.h"
#include "kb.h"
#include "searchreq.h"

#include <ftw.h>
#include <stdlib.h>
#include <unistd.h>

static char index_dir[4096];
static kb_index *reader;
static int allow_bad_query; /* KB_FUZZ_ALLOW_BAD_QUERY=1 */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    kb_close(reader);
    reader = NULL;
    if (index_dir[0])
        nftw(index_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    index_dir[0] = '\0';
}

static void put(kb_index *ix, const char *id, const char *locale, const char *title,
                const char *desc, const char *topic, const kb_unit *units, size_t n,
                int internal)
{
    static const char *const tags[] = {"billing", "Invoice"};
    kb_doc d = {
        .id = id, .locale = locale, .title = title, .description = desc,
        .topic = topic, .product = "billing", .updated = "2026-01-02",
        .tags = tags, .ntags = 2, .internal = internal, .units = units, .nunits = n,
        .record_json = "{}",
    };
    kb_status st = kb_put(ix, &d);
    if (st != KB_OK) {
        fprintf(stderr, "fuzz_search: kb_put: %s\n", kb_last_error(ix));
        abort();
    }
}

static void build_index(void)
{
    kb_index *ix = NULL;
    static const kb_unit inv[] = {
        {"", "", "Your invoice lists every charge of the month & its tax <VAT>.", 0},
        {"late-fees", "Late fees", "A late fee of 2% is added when an invoice is unpaid "
                                   "after 30 days.", 0},
        {"can-i-pay-by-card", "Can I pay by card?", "Yes: Visa, Mastercard and \"Amex\".", 1},
    };
    static const kb_unit pw[] = {
        {"", "", "Forgot your password? Reset it from the sign-in page.", 0},
        {"reset", "Reset a password", "Select Forgot password and follow the e-mail link.", 0},
    };
    static const kb_unit inv_ru[] = {
        {"", "", "Счёт выставляется первого числа каждого месяца.", 0},
        {"late-fees", "Пени за просрочку", "Пеня 2% начисляется, если счёт не оплачен "
                                           "в течение 30 дней.", 0},
    };
    static const kb_unit pw_ru[] = {
        {"reset", "Сброс пароля", "Нажмите «Забыли пароль» и перейдите по ссылке из письма.", 0},
    };
    static const kb_unit inv_zh[] = {
        {"", "", "发票在每月第一天开具，并通过电子邮件发送给账单联系人。", 0},
        {"late-fees", "滞纳金", "发票逾期三十天未付将收取百分之二的滞纳金。", 0},
        {"pay", "如何付款？", "在账单页面中选择付款方式，然后添加新的信用卡。", 1},
    };
    static const kb_unit secret[] = {
        {"", "", "Refunds above the zanzibarquota need approval by a manager.", 0},
    };

    if (kb_open(index_dir, KB_OPEN_WRITE, &ix) != KB_OK || kb_begin(ix) != KB_OK) {
        fprintf(stderr, "fuzz_search: cannot create the index in %s: %s\n", index_dir,
                kb_last_error(ix));
        abort();
    }
    put(ix, "billing/invoice", "en-us", "Understand your invoice", "Read the invoice.",
        "how-to", inv, 3, 0);
    put(ix, "sign-in/reset-password", "en-us", "Reset a password", "", "troubleshooting",
        pw, 2, 0);
    put(ix, "billing/invoice", "ru-ru", "Разберитесь в счёте", "Как читать счёт.", "how-to",
        inv_ru, 2, 0);
    put(ix, "sign-in/reset-password", "ru-RU", "Сброс пароля", "", "troubleshooting",
        pw_ru, 1, 0);
    put(ix, "billing/invoice", "zh-cn", "了解您的发票", "", "how-to", inv_zh, 3, 0);
    put(ix, "internal/refunds", "en-us", "Refund approval", "", "article", secret, 1, 1);
    if (kb_commit(ix) != KB_OK) {
        fprintf(stderr, "fuzz_search: kb_commit: %s\n", kb_last_error(ix));
        abort();
    }
    kb_close(ix);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");
    (void)argc;
    (void)argv;
    snprintf(index_dir, sizeof index_dir, "%s/kb-fuzz-search-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(index_dir)) {
        perror("fuzz_search: mkdtemp");
        abort();
    }
    const char *allow = getenv("KB_FUZZ_ALLOW_BAD_QUERY");
    allow_bad_query = allow && strcmp(allow, "1") == 0;
    atexit(cleanup);
    build_index();
    if (kb_open(index_dir, KB_OPEN_READ, &reader) != KB_OK) {
        fprintf(stderr, "fuzz_search: kb_open: %s\n", kb_last_error(reader));
        abort();
    }
    return 0;
}

/* A snippet is UTF-8 text with spans in order, not overlapping, not
 * empty, on character boundaries; as the service writes it, HTML-escaped
 * text with <mark> around the spans. */
static void check_snippet(const kb_hit *h)
{
    const kb_snippet *sn = &h->snippet;
    size_t len = strlen(sn->text), at = 0, i;
    struct strbuf html = STRBUF_INIT;
    const char *s, *p;
    FUZZ_CHECK_STR(fuzz_utf8_str_ok(sn->text), sn->text);
    FUZZ_CHECK((sn->nspans == 0) == (sn->spans == NULL));
    for (i = 0; i < sn->nspans; i++) {
        size_t off = sn->spans[i].off, end = off + sn->spans[i].len;
        FUZZ_CHECK_STR(off >= at && end > off && end <= len, sn->text);
        FUZZ_CHECK_STR(((unsigned char)sn->text[off] & 0xC0) != 0x80 &&
                           ((unsigned char)sn->text[end] & 0xC0) != 0x80,
                       sn->text);
        at = end;
    }
    searchreq_snippet_html(&html, h);
    FUZZ_CHECK(!strbuf_failed(&html));
    s = html.buf ? html.buf : "";
    FUZZ_CHECK_STR(fuzz_utf8_str_ok(s), s);
    for (p = strchr(s, '<'); p; p = strchr(p + 1, '<'))
        FUZZ_CHECK_STR(strncmp(p, "<mark>", 6) == 0 || strncmp(p, "</mark>", 7) == 0, s);
    FUZZ_CHECK_STR(!strchr(s, '>') || fuzz_count(s, ">") ==
                                          fuzz_count(s, "<mark>") + fuzz_count(s, "</mark>"),
                   s);
    FUZZ_CHECK_STR(fuzz_count(s, "<mark>") == sn->nspans, s);
    strbuf_release(&html);
}

static void search(const char *text, const char *locale, int prefix_last, const char *topic)
{
    kb_query q = {
        .text = text, .locale = locale, .default_locale = "en-us", .topic = topic,
        .offset = 0, .limit = 10, .include_internal = 0, .prefix_last = prefix_last,
    };
    kb_results *r = NULL;
    kb_status st = kb_search(reader, &q, &r);
    size_t i, n;

    if (st == KB_ERR_BAD_QUERY && allow_bad_query) {
        FUZZ_CHECK(r == NULL);
        return;
    }
    if (st != KB_OK) {
        fprintf(stderr, "kb_search(\"%s\", %s, prefix_last %d): %s: %s\n", text, locale,
                prefix_last, kb_status_str(st), kb_last_error(reader));
        FUZZ_CHECK(!"kb_search succeeds on any query the service lets through");
    }
    FUZZ_CHECK(r != NULL);
    n = kb_results_count(r);
    FUZZ_CHECK(n <= 10);
    FUZZ_CHECK(kb_results_locale(r) != NULL);
    for (i = 0; i < n; i++) {
        const kb_hit *h = kb_results_get(r, i);
        FUZZ_CHECK(h && h->id && h->locale && h->title && h->topic && h->product &&
                   h->updated && h->anchor && h->section_title && h->snippet.text);
        FUZZ_CHECK(!h->internal && strcmp(h->id, "internal/refunds") != 0);
        FUZZ_CHECK(strcmp(h->locale, locale) == 0 || strcmp(h->locale, "en-us") == 0);
        if (topic)
            FUZZ_CHECK(strcmp(h->topic, topic) == 0);
        check_snippet(h);
    }
    FUZZ_CHECK(kb_results_get(r, n) == NULL);
    kb_results_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;

    /* What searchreq_parse() lets through: UTF-8 text without NUL or
     * control bytes (req_arg, utf8_valid_text), at most
     * SEARCHREQ_MAX_QUERY bytes. */
    if (size > SEARCHREQ_MAX_QUERY || !utf8_valid_text((const char *)data, size))
        return -1; /* not a query the service would run: keep out of the corpus */
    text = fuzz_strndup(data, size);
    search(text, "en-us", 0, NULL);
    search(text, "en-us", 1, NULL);
    search(text, "ru-ru", 0, NULL);
    search(text, "ru-ru", 1, "how-to");
    search(text, "zh-cn", 0, NULL);
    search(text, "zh-cn", 1, NULL);
    search(text, "de-de", 1, NULL); /* no content: searches the default */
    free(text);
    return 0;
}
