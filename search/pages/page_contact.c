/* page_contact.c -- the case form: GET /contact shows it (and counts
 * the visit as having opened it), POST /contact files the case or shows
 * the form again with what was typed and a message next to each field
 * in error.  Works without JavaScript; app.js adds the articles that
 * match the subject as it is typed. */
#include "api_events.h"
#include "csrf.h"
#include "escape.h"
#include "eventlog.h"
#include "eventq.h"
#include "idem.h"
#include "maint.h"
#include "pages.h"
#include "routes.h"
#include "searchreq.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUGGEST_MAX 5

static const char *const form_fields[] = {"subject", "description", "email", "product",
                                          "locale"};

static const char *field_value(json_t *values, const char *name)
{
    const char *s = json_string_value(json_object_get(values, name));
    return s ? s : "";
}

/* Articles that match text, as the case form lists them beside the
 * subject (the same list app.js draws from /api/suggest); logged as a
 * suggestion search unless the form is only shown again (log 0). */
static void suggest_list(struct page *pg, const char *text, size_t n, int log,
                         struct html *out)
{
    struct request *rq = pg->rq;
    struct searchreq sr = {.q = text, .locale = pg->locale, .limit = (unsigned)n};
    kb_results *res;
    if (!text || !*text || strlen(text) > SEARCHREQ_MAX_QUERY)
        return;
    if (searchreq_run(rq, &sr, 0, &res)) {
        /* searchreq_run() wrote an error page; this is only a side list. */
        strbuf_release(&rq->out);
        rq->error_code = NULL;
        return;
    }
    for (size_t i = 0; i < kb_results_count(res); i++) {
        const kb_hit *h = kb_results_get(res, i);
        struct strbuf url = STRBUF_INIT;
        searchreq_article_url(&url, h->id, h->locale, h->anchor);
        page_scope_open(pg);
        page_set_text(pg, "url", url.buf);
        page_set_text(pg, "title", h->title);
        page_set_text(pg, "section_title", h->section_title);
        page_set_snippet(pg, h);
        page_set_text(pg, "item_locale", h->locale);
        page_render(pg, "deflect-item", out);
        page_scope_close(pg);
        strbuf_release(&url);
    }
    if (log)
        events_log_search(rq, text, pg->locale, (int)kb_results_total(res), 1, res);
    kb_results_free(res);
}

void suggest_render(struct page *pg, const char *text, size_t n, struct html *out)
{
    suggest_list(pg, text, n, 1, out);
}

/* The message shown for one field's problem, from cases_validate()'s
 * English text. */
static const char *field_message(struct page *pg, const char *field, const char *problem)
{
    char key[64];
    if (strcmp(problem, "is required") == 0) {
        snprintf(key, sizeof key, "err.%s.required", field);
        const char *s = page_t(pg, key);
        return s == key ? page_t(pg, "err.required") : s;
    }
    if (strcmp(field, "email") == 0 && strncmp(problem, "must be an email", 16) == 0)
        return page_t(pg, "err.email.invalid");
    if (strncmp(problem, "must be at most", 15) == 0)
        return page_t(pg, "err.too_long");
    return page_t(pg, "err.invalid");
}

/* <option>s of a select: value "" first with none_label, then each
 * value/label pair; selected marks the current value. */
static void add_option(struct html *out, const char *value, const char *label,
                       const char *selected, const char *lang)
{
    html_lit(out, "<option");
    html_attr(out, "value", value);
    if (strcmp(value, selected) == 0)
        html_lit(out, " selected");
    if (lang)
        html_attr(out, "lang", lang);
    html_lit(out, ">");
    html_text(out, label);
    html_lit(out, "</option>");
}

struct product_opts {
    struct html *out;
    const char *selected;
};

static int product_option(void *ctx, const char *key, const char *value)
{
    struct product_opts *po = ctx;
    if (strncmp(key, "product.", 8) == 0 && key[8])
        add_option(po->out, key + 8, value, po->selected, NULL);
    return 0;
}

/* One field's message under its label, its attributes (aria-*) and the
 * link to it in the summary; problem NULL when the field is fine. */
static void field_state(struct page *pg, const char *name, const char *problem,
                        struct html *items)
{
    struct html err = HTML_INIT, attrs = HTML_INIT;
    char id[40], ids[80], var[24];
    snprintf(id, sizeof id, "%s-error", name);
    snprintf(ids, sizeof ids, "%s-error %s-hint", name, name);
    if (problem) {
        const char *msg = field_message(pg, name, problem);
        html_lit(&err, "<p class=\"field-error\"");
        html_attr(&err, "id", id);
        html_lit(&err, "><span class=\"visually-hidden\">");
        html_text(&err, page_t(pg, "err.prefix"));
        html_lit(&err, " </span>");
        html_text(&err, msg);
        html_lit(&err, "</p>");
        html_attr(&attrs, "aria-invalid", "true");
        html_attr(&attrs, "aria-describedby", ids);
        snprintf(id, sizeof id, "#%s", name);
        html_lit(items, "<li><a");
        html_attr(items, "href", id);
        html_lit(items, ">");
        html_text(items, msg);
        html_lit(items, "</a></li>");
    } else {
        html_attr(&attrs, "aria-describedby", ids + strlen(id) + 1);
    }
    snprintf(var, sizeof var, "err_%s", name);
    page_set_html(pg, var, &err);
    snprintf(var, sizeof var, "attrs_%s", name);
    page_set_html(pg, var, &attrs);
    snprintf(var, sizeof var, "class_%s", name);
    page_set_text(pg, var, problem ? "field has-error" : "field");
    html_release(&err);
    html_release(&attrs);
}

/* Renders the form.  values: what was typed (NULL: empty, subject from
 * the URL); fields: cases_validate()'s problems or NULL; general: key
 * of a message for the whole form or NULL. */
static unsigned contact_form(struct page *pg, json_t *values, json_t *fields,
                             const char *general, unsigned status)
{
    struct request *rq = pg->rq;
    char csrf[CSRF_TOKEN_SIZE];
    csrf_token(rq, csrf);
    page_set_text(pg, "csrf", csrf);
    /* The form's own key: the same submission sent twice files one
     * case.  Shown again with the form after an error, so a corrected
     * submission is still the same one. */
    char key[IDEM_KEY_MAX + 1];
    const char *idem = field_value(values, "idem");
    if (!idem_key_ok(idem)) {
        idem_key_new(key);
        idem = key;
    }
    page_set_text(pg, "idem", idem);

    struct html items = HTML_INIT, summary = HTML_INIT, products = HTML_INIT,
                locales = HTML_INIT, suggestions = HTML_INIT, body = HTML_INIT;
    struct strbuf action = STRBUF_INIT;
    for (size_t f = 0; f < sizeof form_fields / sizeof form_fields[0]; f++) {
        const char *name = form_fields[f];
        char var[24];
        field_state(pg, name, json_string_value(json_object_get(fields, name)), &items);
        snprintf(var, sizeof var, "v_%s", name);
        page_set_text(pg, var, field_value(values, name));
    }
    if (html_len(&items) || general) {
        page_set_html(pg, "summary_items", &items);
        page_set_text(pg, "summary_title", page_t(pg, general ? general : "err.summary"));
        page_render(pg, "error-summary", &summary);
    }
    page_set_html(pg, "summary", &summary);

    struct product_opts po = {&products, field_value(values, "product")};
    add_option(&products, "", page_t(pg, "contact.product_none"), po.selected, NULL);
    i18n_each(pg->ui, product_option, &po);
    page_set_html(pg, "product_options", &products);

    const char *loc = *field_value(values, "locale") ? field_value(values, "locale")
                                                      : pg->locale;
    for (size_t i = 0; i < i18n_count(rq->app->i18n); i++) {
        const struct i18n_lang *l = i18n_at(rq->app->i18n, i);
        if (*i18n_locale(l))
            add_option(&locales, i18n_locale(l), i18n_name(l), loc, i18n_code(l));
    }
    page_set_html(pg, "locale_options", &locales);

    /* A form shown again after an error lists the suggestions of a
     * subject already logged when it was shown before (the hidden
     * "logged" field says which): logged once per subject. */
    const char *subject = field_value(values, "subject");
    suggest_list(pg, subject, SUGGEST_MAX, strcmp(subject, field_value(values, "logged")) != 0,
                 &suggestions);
    page_set_text(pg, "logged", subject);
    page_set_html(pg, "suggestions", &suggestions);
    page_set_text(pg, "deflect_class", html_len(&suggestions) ? "deflect has-items" : "deflect");
    page_url(pg, &action, "/contact");
    page_set_text(pg, "form_action", action.buf);
    page_render(pg, "contact", &body);
    unsigned st = page_finish(pg, status, page_t(pg, "contact.title"), &body);
    html_release(&items);
    html_release(&summary);
    html_release(&products);
    html_release(&locales);
    html_release(&suggestions);
    html_release(&body);
    strbuf_release(&action);
    return st;
}

static const char *locale_arg(struct request *rq)
{
    int bad;
    const char *l = req_arg(rq, "locale", &bad);
    return bad ? NULL : l;
}

unsigned page_contact(struct request *rq)
{
    struct page pg;
    page_init(&pg, rq, locale_arg(rq), "/contact", NULL);
    /* Opening the form counts for deflection reports, with or without
     * JavaScript. */
    if (rq->app->events) {
        struct eventlog_event ev = {.kind = EVENTLOG_KIND_CASE_FORM, .ts = now_wall(),
                                    .visit = req_visit(rq), .locale = pg.locale,
                                    .rank = -1, .results = -1, .latency_us = -1,
                                    .helpful = -1};
        eventq_record(rq->app->events, &ev, EVENTQ_NOWAIT);
    }
    int bad;
    const char *subject = req_arg(rq, "subject", &bad);
    json_t *values = json_object();
    if (!bad && subject && strlen(subject) <= 200)
        json_object_set_new(values, "subject", json_string(subject));
    unsigned st = contact_form(&pg, values, NULL, NULL, 200);
    json_decref(values);
    return st;
}

/* POST/redirect/GET: a filed case answers 303 to its page, so a
 * reload shows it again instead of posting the form again. */
static unsigned case_redirect(struct page *pg, const char *id)
{
    struct request *rq = pg->rq;
    struct strbuf url = STRBUF_INIT;
    strbuf_adds(&url, "/contact/received?case=");
    escape_url(&url, id, 0);
    strbuf_adds(&url, "&locale=");
    escape_url(&url, pg->locale, 0);
    page_release(pg);
    reply_header(rq, "Location", url.buf ? url.buf : "/contact");
    strbuf_release(&url);
    strbuf_release(&rq->out);
    strbuf_adds(&rq->out, "Your request was received.\n");
    rq->content_type = "text/plain; charset=utf-8";
    return 303;
}

/* The customer's case number, and what happens next. */
static unsigned case_created(struct page *pg, const char *id, const char *email)
{
    struct html body = HTML_INIT, next = HTML_INIT;
    page_tf(pg, &next, "case.next", "email", email, NULL);
    page_set_text(pg, "case_id", id);
    page_set_html(pg, "next", &next);
    page_render(pg, "case-created", &body);
    unsigned st = page_finish(pg, 200, page_t(pg, "case.title"), &body);
    html_release(&body);
    html_release(&next);
    return st;
}

unsigned page_contact_post(struct request *rq)
{
    json_t *body;
    unsigned st = req_body_object(rq, &body);
    if (st)
        return st;
    struct page pg;
    page_init(&pg, rq, locale_arg(rq), "/contact", NULL);
    /* Only the form's own fields are shown again. */
    json_t *values = json_object();
    for (size_t f = 0; f < sizeof form_fields / sizeof form_fields[0]; f++) {
        json_t *v = json_object_get(body, form_fields[f]);
        if (json_is_string(v))
            json_object_set(values, form_fields[f], v);
    }
    const char *idem = json_string_value(json_object_get(body, "idem"));
    if (!idem_key_ok(idem))
        idem = NULL;
    json_object_set_new(values, "idem", json_string(idem ? idem : ""));
    if (json_is_string(json_object_get(body, "logged")))
        json_object_set(values, "logged", json_object_get(body, "logged"));
    if (!csrf_ok(rq, body)) {
        st = contact_form(&pg, values, NULL, "form.expired", 403);
        goto out;
    }
    char done[IDEM_RESULT_MAX];
    if (idem && idem_claim(rq->app->idem, idem, done, 10.0) == IDEM_DONE && *done) {
        st = case_redirect(&pg, done);
        goto out;
    }
    struct eventlog_case c;
    json_t *fields;
    char first[256];
    if (cases_validate(body, &c, &fields, first, sizeof first) != 0) {
        idem_abandon(rq->app->idem, idem);
        st = contact_form(&pg, values, fields, NULL, 400);
        json_decref(fields);
        goto out;
    }
    if (req_case_throttled(rq)) {
        idem_abandon(rq->app->idem, idem);
        st = contact_form(&pg, values, NULL, "err.throttled", 429);
        goto out;
    }
    c.visit = req_visit(rq);
    c.created = now_wall();
    c.idem = idem; /* stored with the case: a replay after a restart finds it */
    if (!c.locale)
        c.locale = rq->app->cfg.default_locale;
    char id[EVENTLOG_CASE_ID_SIZE];
    if (!rq->app->events || eventq_case_create(rq->app->events, &c, id, sizeof id) != 0) {
        idem_abandon(rq->app->idem, idem);
        st = contact_form(&pg, values, NULL, "err.store", 503);
        goto out;
    }
    idem_done(rq->app->idem, idem, id);
    maint_poke(rq->app->maint);
    st = case_redirect(&pg, id);
out:
    json_decref(values);
    json_decref(body);
    return st;
}

/* GET /contact/received?case=ID: the page a filed case redirects to.
 * Only the visit that filed the case sees it (its email address is on
 * it); anyone else gets 404, as for a case that does not exist. */
unsigned page_contact_received(struct request *rq)
{
    int bad = 0;
    const char *id = req_arg(rq, "case", &bad);
    size_t n = id && !bad ? strlen(id) : 0;
    json_t *c = NULL;
    int rc = STORE_NOT_FOUND;
    if (n && n < EVENTLOG_CASE_ID_SIZE &&
        strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567-") == n && rq->app->reader) {
        pthread_mutex_lock(&rq->app->reader_lock);
        rc = eventlog_case_get(rq->app->reader, id, &c);
        if (rc != STORE_OK && rc != STORE_NOT_FOUND)
            fprintf(stderr, "kb-serve: case %s: %s\n", id, eventlog_errmsg(rq->app->reader));
        pthread_mutex_unlock(&rq->app->reader_lock);
    }
    const char *visit = json_string_value(json_object_get(c, "visit"));
    if (rc != STORE_OK || !visit || strcmp(visit, req_visit(rq)) != 0) {
        json_decref(c);
        return reply_error(rq, rc == STORE_OK || rc == STORE_NOT_FOUND ? 404 : 503,
                           rc == STORE_OK || rc == STORE_NOT_FOUND ? "not_found" : "unavailable",
                           "No such request");
    }
    struct page pg;
    page_init(&pg, rq, locale_arg(rq), "/contact", NULL);
    const char *email = json_string_value(json_object_get(c, "email"));
    unsigned st = case_created(&pg, id, email ? email : "");
    json_decref(c);
    return st;
}
