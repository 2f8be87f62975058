/* reports_csv.c -- RFC 4180 CSV of a report object, safe to open in a
 * spreadsheet: text cells that could start a formula are neutralised. */
#include "reports.h"

#include <string.h>

#include "strbuf.h"

static const char *const defl_cols[] = {
    "visits", "searches", "case_form_visits", "confirmed", "potential",
    "none", "pending", "deflection_rate", "self_service_score", NULL};
static const char *const query_cols[] = {
    "query", "count", "results", "ctr", "confirmed", "potential", "none",
    NULL};
static const char *const gap_cols[] = {
    "query", "count", "zero_results", "no_click", "cases", NULL};
static const char *const article_cols[] = {
    "article", "section", "views", "clicks", "helpful_yes", "helpful_no",
    "confirmed", "potential", "comments_total", "comments", NULL};

static const struct csv_shape {
    const char *which;
    const char *rows;        /* member holding the array of rows */
    const char *const *cols; /* row members, in column order */
} shapes[] = {
    {"deflection", "intervals", defl_cols},
    {"queries", "queries", query_cols},
    {"gaps", "gaps", gap_cols},
    {"articles", "articles", article_cols},
};

/* 1 when text beginning with s[0] would be read as a formula by a
 * spreadsheet: = + - @, TAB or CR (the OWASP CSV injection rule). */
static int csv_formula_start(const char *s, size_t n)
{
    return n > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' ||
                     s[0] == '@' || s[0] == '\t' || s[0] == '\r');
}

/* The one CSV cell writer: every cell of every report, the header and
 * the deflection labels go through here. */
void reports_csv_cell(struct strbuf *sb, const char *s, size_t n,
                      enum reports_csv_kind kind)
{
    int prefix = kind == REPORTS_CSV_TEXT && csv_formula_start(s, n);
    size_t i;

    if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\r', n) &&
        !memchr(s, '\n', n)) {
        if (prefix)
            strbuf_addch(sb, '\'');
        strbuf_add(sb, s, n);
        return;
    }
    strbuf_addch(sb, '"');
    if (prefix)
        strbuf_addch(sb, '\'');
    for (i = 0; i < n; i++) {
        if (s[i] == '"')
            strbuf_addch(sb, '"');
        strbuf_addch(sb, s[i]);
    }
    strbuf_addch(sb, '"');
}

/* A scalar as text, appended to sb (unquoted).  A string that is one
 * item of a list gets the formula prefix of its own (item), so the
 * list split into cells later (a spreadsheet's text to columns) is
 * still safe. */
static void add_scalar(struct strbuf *sb, const json_t *v, int item)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        if (item && csv_formula_start(json_string_value(v),
                                      json_string_length(v)))
            strbuf_addch(sb, '\'');
        strbuf_add(sb, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        strbuf_addf(sb, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        strbuf_addf(sb, "%.10g", json_real_value(v));
        break;
    case JSON_TRUE:
        strbuf_adds(sb, "true");
        break;
    case JSON_FALSE:
        strbuf_adds(sb, "false");
        break;
    default:
        break; /* null, and nested containers have no scalar text */
    }
}

/* A value as one cell; an array's items are joined with "; ", or, for
 * a list of comments (objects with a "comment"), one per line.  Only a
 * lone number or boolean, formatted here, is written as it is; strings
 * and lists are text. */
static void add_value(struct strbuf *sb, const json_t *v)
{
    struct strbuf tmp = STRBUF_INIT;
    enum reports_csv_kind kind = REPORTS_CSV_TEXT;
    size_t i;

    if (!v)
        return;
    if (json_is_array(v)) {
        for (i = 0; i < json_array_size(v); i++) {
            const json_t *item = json_array_get(v, i);

            if (json_is_object(item)) {
                if (i)
                    strbuf_addch(&tmp, '\n');
                item = json_object_get(item, "comment");
            } else if (i) {
                strbuf_adds(&tmp, "; ");
            }
            if (item)
                add_scalar(&tmp, item, 1);
        }
    } else {
        if (!json_is_string(v))
            kind = REPORTS_CSV_NUMBER;
        add_scalar(&tmp, v, 0);
    }
    if (strbuf_failed(&tmp))
        sb->failed = 1; /* so strbuf_detach() reports it */
    else if (tmp.len)
        reports_csv_cell(sb, tmp.buf, tmp.len, kind);
    strbuf_release(&tmp);
}

static void add_row(struct strbuf *sb, const char *label, const json_t *row,
                    const char *const *cols)
{
    size_t i;

    if (label) {
        reports_csv_cell(sb, label, strlen(label), REPORTS_CSV_TEXT);
        strbuf_addch(sb, ',');
    }
    for (i = 0; cols[i]; i++) {
        if (i)
            strbuf_addch(sb, ',');
        add_value(sb, json_object_get(row, cols[i]));
    }
    strbuf_adds(sb, "\r\n");
}

store_status reports_to_csv(const json_t *report, const char *which, char **out)
{
    const struct csv_shape *shape = NULL;
    struct strbuf sb = STRBUF_INIT;
    const json_t *rows, *row;
    int is_defl;
    size_t i;

    *out = NULL;
    for (i = 0; which && i < sizeof shapes / sizeof shapes[0]; i++)
        if (strcmp(shapes[i].which, which) == 0)
            shape = &shapes[i];
    rows = shape ? json_object_get(report, shape->rows) : NULL;
    if (!json_is_array(rows))
        return STORE_ERR_INVALID;
    is_defl = shape->cols == defl_cols;
    if (is_defl) {
        reports_csv_cell(&sb, "interval", 8, REPORTS_CSV_TEXT);
        strbuf_addch(&sb, ',');
    }
    for (i = 0; shape->cols[i]; i++) {
        if (i)
            strbuf_addch(&sb, ',');
        reports_csv_cell(&sb, shape->cols[i], strlen(shape->cols[i]),
                         REPORTS_CSV_TEXT);
    }
    strbuf_adds(&sb, "\r\n");
    json_array_foreach(rows, i, row) {
        const char *start = json_string_value(json_object_get(row, "start"));

        add_row(&sb, is_defl ? (start ? start : "") : NULL, row, shape->cols);
    }
    if (is_defl)
        add_row(&sb, "total", json_object_get(report, "total"), defl_cols);
    *out = strbuf_detach(&sb, NULL);
    return *out ? STORE_OK : STORE_ERR_NOMEM;
}
