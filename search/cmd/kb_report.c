/* kb_report.c -- kb-report: deflection and content-gap reports from the
 * event log, as JSON (default) or CSV on stdout.
 *
 * Exit status: 0 success, 1 runtime error (database, memory, output),
 * 2 usage error.  This is the only file here that may exit. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eventlog.h"
#include "reports.h"
#include "strbuf.h"
#include "ubi.h"

#define EXIT_USAGE 2
#define MAX_LIMIT 100000

enum {
    TAKES_INTERVAL = 1,
    TAKES_WINDOW = 2,
    TAKES_LIMIT = 4
};

static const struct command {
    const char *name;
    unsigned takes;
    const char *summary;
} commands[] = {
    {"deflection", TAKES_INTERVAL | TAKES_WINDOW,
     "confirmed / potential / no deflection per day or week"},
    {"queries", TAKES_WINDOW | TAKES_LIMIT,
     "top queries with results, click-through and outcomes"},
    {"gaps", TAKES_LIMIT,
     "queries with zero results or no click, and the cases after them"},
    {"articles", TAKES_WINDOW,
     "views, clicks, votes, deflections and readers' comments per article "
     "and section"},
    {"ubi", 0,
     "the search log as User Behavior Insights 1.3.0 JSON lines "
     "(ubi_queries, ubi_events)"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

struct opts {
    const char *db, *from, *to, *interval, *window, *limit;
    const struct command *cmd;
    int csv, json, help;
};

static void usage(FILE *f)
{
    size_t i;

    fprintf(f, "usage: kb-report --db FILE COMMAND [options]\n\n"
               "commands:\n");
    for (i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'kb-report COMMAND --help' for its options.\n");
}

static void command_help(const struct command *c)
{
    printf("usage: kb-report --db FILE %s [--from YYYY-MM-DD] "
           "[--to YYYY-MM-DD]%s%s%s [--json|--csv]\n\n%s.\n\n",
           c->name, c->takes & TAKES_INTERVAL ? " [--interval day|week]" : "",
           c->takes & TAKES_WINDOW ? " [--window SECONDS]" : "",
           c->takes & TAKES_LIMIT ? " [--limit N]" : "", c->summary);
    printf("  --db FILE|DSN      the event log to read (SQLite, or postgresql://...)\n"
           "  --from YYYY-MM-DD  first day, UTC (default: 30 days ago)\n"
           "  --to YYYY-MM-DD    last day, UTC, included (default: today)\n");
    if (c->takes & TAKES_INTERVAL)
        printf("  --interval UNIT    day or week (weeks start Monday; "
               "default: day)\n");
    if (c->takes & TAKES_WINDOW)
        printf("  --window SECONDS   a case this long after a visit's "
               "first event still\n"
               "                     counts against deflection "
               "(default: %d)\n", REPORTS_DEFAULT_WINDOW);
    if (c->takes & TAKES_LIMIT)
        printf("  --limit N          at most N rows (default: 50)\n");
    printf("  --json             JSON (the default when stdout is not a terminal;\n"
           "                     on a terminal the default is a table)\n"
           "  --csv              CSV (RFC 4180)\n"
           "\nVisits are counted by the day of their first event.\n");
}

static int fail_usage(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int fail_usage(const char *fmt, ...)
{
    va_list ap;

    fputs("kb-report: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

static const struct command *find_command(const char *name)
{
    size_t i;

    for (i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* Fills o from argv; options may come before or after the command.
 * Returns 0 or an exit status. */
static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct {
        const char *name;
        size_t off;
    } valued[] = {
        {"--db", offsetof(struct opts, db)},
        {"--from", offsetof(struct opts, from)},
        {"--to", offsetof(struct opts, to)},
        {"--interval", offsetof(struct opts, interval)},
        {"--window", offsetof(struct opts, window)},
        {"--limit", offsetof(struct opts, limit)},
    };
    const char *cmd = NULL;
    int i;
    size_t k, n;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        int matched = 0;

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = 1;
            continue;
        }
        if (strcmp(a, "--csv") == 0) {
            o->csv = 1;
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            o->json = 1;
            continue;
        }
        if (a[0] != '-') {
            if (cmd)
                return fail_usage("unexpected argument '%s'", a);
            cmd = a;
            continue;
        }
        n = eq ? (size_t)(eq - a) : strlen(a);
        for (k = 0; k < sizeof valued / sizeof valued[0]; k++) {
            const char **slot;

            if (strlen(valued[k].name) != n ||
                strncmp(valued[k].name, a, n) != 0)
                continue;
            slot = (const char **)((char *)o + valued[k].off);
            if (eq) {
                *slot = eq + 1;
            } else if (i + 1 < argc) {
                *slot = argv[++i];
            } else {
                return fail_usage("%s needs a value", valued[k].name);
            }
            matched = 1;
            break;
        }
        if (!matched)
            return fail_usage("unknown option '%s' (see kb-report --help)", a);
    }
    if (cmd && !(o->cmd = find_command(cmd)))
        return fail_usage("unknown command '%s' (see kb-report --help)",
                          cmd);
    return 0;
}

static int parse_count(const char *opt, const char *s, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = s[0] >= '0' && s[0] <= '9' ? strtol(s, &end, 10) : -1;
    if (v < 1 || v > max || errno || *end) {
        fprintf(stderr, "kb-report: %s: '%s' is not a whole number from 1 "
                "to %ld\n", opt, s, max);
        return EXIT_USAGE;
    }
    *out = v;
    return 0;
}

static int parse_day(const char *opt, const char *s, double *ts)
{
    if (reports_parse_date(s, ts)) {
        fprintf(stderr, "kb-report: %s: '%s' is not a date (YYYY-MM-DD)\n",
                opt, s);
        return EXIT_USAGE;
    }
    return 0;
}

/* Checks the options against the command and fills in the defaults.
 * Returns 0 or an exit status. */
static int check_opts(const struct opts *o, double now, double *from,
                      double *to, enum reports_interval *iv, long *window,
                      long *limit)
{
    double today = (double)((long long)now / 86400 * 86400);
    unsigned takes = o->cmd->takes;
    int rc;

    if ((o->interval && !(takes & TAKES_INTERVAL)) ||
        (o->window && !(takes & TAKES_WINDOW)) ||
        (o->limit && !(takes & TAKES_LIMIT)))
        return fail_usage("%s does not take --%s", o->cmd->name,
                          o->interval && !(takes & TAKES_INTERVAL)
                              ? "interval"
                          : o->window && !(takes & TAKES_WINDOW) ? "window"
                                                                  : "limit");
    if (!o->db)
        return fail_usage("--db FILE is required");
    *from = today - 30 * 86400.0;
    *to = today + 86400.0;
    if ((o->from && (rc = parse_day("--from", o->from, from))) ||
        (o->to && (rc = parse_day("--to", o->to, to))))
        return rc;
    /* --to names the last day, as the agent console's "to" does. */
    if (o->to)
        *to += 86400.0;
    if (*from >= *to)
        return fail_usage("--from must not be after --to");
    if (o->csv && o->json)
        return fail_usage("--csv and --json: choose one");
    if (o->csv && strcmp(o->cmd->name, "ubi") == 0)
        return fail_usage("ubi writes JSON lines; it does not take --csv");
    *iv = REPORTS_DAY;
    if (o->interval && strcmp(o->interval, "week") == 0)
        *iv = REPORTS_WEEK;
    else if (o->interval && strcmp(o->interval, "day") != 0)
        return fail_usage("--interval: '%s' is not day or week",
                          o->interval);
    *window = REPORTS_DEFAULT_WINDOW;
    *limit = 50;
    if (o->window && (rc = parse_count("--window", o->window, 31622400L,
                                       window)))
        return rc;
    if (o->limit && (rc = parse_count("--limit", o->limit, MAX_LIMIT, limit)))
        return rc;
    return 0;
}

/* Display width of the UTF-8 text s (n bytes): one column per
 * character, two for East Asian wide ones (CJK, Hangul, full-width). */
static size_t text_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        unsigned cp = c;
        size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (len > 1 && i + len <= n) {
            cp = c & (0x3F >> (len - 1));
            for (size_t k = 1; k < len; k++)
                cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3F);
        }
        w += (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                     (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                     (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0x20000 && cp <= 0x3FFFD)
                 ? 2
                 : 1;
        i += len;
    }
    return w;
}

#define TABLE_MAX_COLS 32
#define TABLE_CELL_MAX 60 /* bytes shown of one cell */

/* One CSV record of text at *p (RFC 4180, as reports_to_csv() writes
 * it) into cells (unquoted copies in buf); returns the number of
 * cells, 0 at the end. */
static size_t csv_record(const char **p, char cells[][TABLE_CELL_MAX + 4], size_t max)
{
    const char *s = *p;
    size_t n = 0;
    if (!*s)
        return 0;
    for (;;) {
        char *out = n < max ? cells[n] : NULL;
        size_t len = 0;
        int quoted = *s == '"';
        if (quoted)
            s++;
        while (*s) {
            if (quoted && *s == '"' && s[1] == '"') {
                s++;
            } else if (quoted && *s == '"') {
                s++;
                quoted = 0;
                continue;
            } else if (!quoted && (*s == ',' || *s == '\r' || *s == '\n')) {
                break;
            }
            /* Customer text (queries, subjects, comments) reaches a
             * terminal here: control characters, C0 and C1 (UTF-8 C2
             * 80..9F), could move the cursor or rewrite the screen, so
             * line breaks and tabs become spaces and the rest '?'. */
            unsigned char u = (unsigned char)*s;
            char ch = *s;
            if (u == '\n' || u == '\r' || u == '\t')
                ch = ' ';
            else if (u < 0x20 || u == 0x7F)
                ch = '?';
            else if (u == 0xC2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9F) {
                ch = '?';
                s++;
            }
            if (out && len < TABLE_CELL_MAX)
                out[len++] = ch;
            else if (out && len == TABLE_CELL_MAX) {
                /* Cut on a character boundary, with an ellipsis. */
                while (len && ((unsigned char)out[len - 1] & 0xC0) == 0x80)
                    len--;
                if (len && (unsigned char)out[len - 1] >= 0xC0)
                    len--;
                memcpy(out + len, "\xE2\x80\xA6", 3);
                len += 3;
                out[len] = '\0';
                len = TABLE_CELL_MAX + 1;
            }
            s++;
        }
        if (out && len <= TABLE_CELL_MAX)
            out[len] = '\0';
        n++;
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s == '\r')
            s++;
        if (*s == '\n')
            s++;
        break;
    }
    *p = s;
    return n < max ? n : max;
}

/* The CSV text as a table with aligned columns, for a person at a
 * terminal. */
static void print_table(const char *csv)
{
    static char cells[TABLE_MAX_COLS][TABLE_CELL_MAX + 4];
    size_t width[TABLE_MAX_COLS] = {0}, n;
    const char *p = csv;
    while ((n = csv_record(&p, cells, TABLE_MAX_COLS)) > 0)
        for (size_t i = 0; i < n; i++) {
            size_t w = text_width(cells[i], strlen(cells[i]));
            if (w > width[i])
                width[i] = w;
        }
    p = csv;
    while ((n = csv_record(&p, cells, TABLE_MAX_COLS)) > 0) {
        for (size_t i = 0; i < n; i++) {
            fputs(cells[i], stdout);
            if (i + 1 < n)
                for (size_t w = text_width(cells[i], strlen(cells[i])); w < width[i] + 2; w++)
                    fputc(' ', stdout);
        }
        fputc('\n', stdout);
    }
}

static int write_report(const json_t *report, const char *which, int csv, int table)
{
    char *text = NULL;

    if (table) {
        if (reports_to_csv(report, which, &text)) {
            fprintf(stderr, "kb-report: cannot format the table\n");
            return 1;
        }
        print_table(text);
        free(text);
    } else if (csv) {
        if (reports_to_csv(report, which, &text)) {
            fprintf(stderr, "kb-report: cannot format CSV\n");
            return 1;
        }
        fputs(text, stdout);
        free(text);
    } else if (json_dumpf(report, stdout,
                          JSON_INDENT(2) | JSON_REAL_PRECISION(10)) == 0) {
        fputc('\n', stdout);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "kb-report: write error: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

/* kb-report ubi: JSON lines on stdout; closes el. */
static int run_ubi(struct eventlog *el, double from, double to)
{
    struct strbuf out = STRBUF_INIT;
    int rc = 0;
    if (ubi_export(el, from, to, &out) != STORE_OK) {
        fprintf(stderr, "kb-report: ubi: %s\n", eventlog_errmsg(el));
        rc = 1;
    } else if ((out.len && fwrite(out.buf, 1, out.len, stdout) != out.len) ||
               fflush(stdout) != 0) {
        fprintf(stderr, "kb-report: write error: %s\n", strerror(errno));
        rc = 1;
    }
    strbuf_release(&out);
    eventlog_close(el);
    return rc;
}

static int run(const struct opts *o, double now)
{
    enum reports_interval iv;
    double from, to;
    long window, limit;
    struct eventlog *el;
    json_t *report = NULL;
    int rc;

    if ((rc = check_opts(o, now, &from, &to, &iv, &window, &limit)))
        return rc;
    /* Opening creates a missing file; a report on a typo'd path should
     * say so instead of printing zeros. */
    if (!store_is_server(o->db) && access(o->db, F_OK) != 0) {
        fprintf(stderr, "kb-report: --db: '%s': %s\n", o->db,
                strerror(errno));
        return 1;
    }
    if (eventlog_open(o->db, &el)) {
        fprintf(stderr, "kb-report: %s\n", eventlog_errmsg(el));
        eventlog_close(el);
        return 1;
    }
    if (strcmp(o->cmd->name, "ubi") == 0)
        return run_ubi(el, from, to);
    if (strcmp(o->cmd->name, "deflection") == 0)
        rc = reports_deflection(el, from, to, iv, (double)window, now,
                                &report);
    else if (strcmp(o->cmd->name, "queries") == 0)
        rc = reports_queries(el, from, to, (double)window, now, (int)limit,
                             &report);
    else if (strcmp(o->cmd->name, "gaps") == 0)
        rc = reports_gaps(el, from, to, (int)limit, &report);
    else
        rc = reports_articles(el, from, to, (double)window, now, &report);
    if (rc) {
        fprintf(stderr, "kb-report: %s: %s\n", o->cmd->name,
                eventlog_errmsg(el));
        eventlog_close(el);
        return 1;
    }
    rc = write_report(report, o->cmd->name, o->csv,
                      !o->csv && !o->json && isatty(STDOUT_FILENO));
    json_decref(report);
    eventlog_close(el);
    return rc;
}

int main(int argc, char **argv)
{
    struct opts o;
    int rc;

    memset(&o, 0, sizeof o);
    if ((rc = parse_args(argc, argv, &o)))
        return rc;
    if (o.help) {
        if (o.cmd)
            command_help(o.cmd);
        else
            usage(stdout);
        return 0;
    }
    if (!o.cmd) {
        usage(stderr);
        return EXIT_USAGE;
    }
    return run(&o, (double)time(NULL));
}
