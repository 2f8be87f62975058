/* kb_bench_export.c -- writes the articles of an index as TSV for the
 * peer engines, so that SQLite FTS5 and FlexSearch index exactly the
 * articles kb-index accepted.
 *
 *   kb-bench-export --index DIR > articles.tsv
 *
 * One line per article record (every locale, internal ones too):
 *   locale<TAB>id<TAB>title<TAB>text
 * where text is the record's Markdown (front matter removed by
 * kb-index).  Tabs, CRs and newlines inside fields become spaces.
 * Prints "articles=N" and "bytes=N" on stderr. */
#include "kb.h"

#include <jansson.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

struct export_ctx {
    FILE *out;
    unsigned long articles;
    unsigned long long bytes;
};

static void put_field(FILE *f, const char *s)
{
    for (; s && *s; s++)
        putc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

static int export_one(void *vctx, const char *json, size_t len)
{
    struct export_ctx *ctx = vctx;
    json_error_t jerr;
    json_t *o = json_loadb(json, len, 0, &jerr);
    if (!o)
        return 0;
    const char *locale = json_string_value(json_object_get(o, "locale"));
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *title = json_string_value(json_object_get(o, "title"));
    const char *md = json_string_value(json_object_get(o, "markdown"));
    put_field(ctx->out, locale);
    putc('\t', ctx->out);
    put_field(ctx->out, id);
    putc('\t', ctx->out);
    put_field(ctx->out, title);
    putc('\t', ctx->out);
    put_field(ctx->out, md);
    putc('\n', ctx->out);
    ctx->articles++;
    ctx->bytes += (title ? strlen(title) : 0) + (md ? strlen(md) : 0);
    json_decref(o);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'i'},
        {NULL, 0, NULL, 0},
    };
    const char *index_dir = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "i:", longopts, NULL)) != -1) {
        if (c == 'i')
            index_dir = optarg;
        else
            return 2;
    }
    if (!index_dir) {
        fputs("Usage: kb-bench-export --index DIR > articles.tsv\n", stderr);
        return 2;
    }
    kb_index *ix = NULL;
    kb_status st = kb_open(index_dir, KB_OPEN_READ, &ix);
    if (st == KB_OK) {
        struct export_ctx ctx = {stdout, 0, 0};
        st = kb_foreach_record(ix, 1, export_one, &ctx);
        fprintf(stderr, "articles=%lu\nbytes=%llu\n", ctx.articles, ctx.bytes);
    }
    if (st != KB_OK)
        fprintf(stderr, "kb-bench-export: %s: %s: %s\n", index_dir, kb_status_str(st),
                ix ? kb_last_error(ix) : "");
    kb_close(ix);
    return st == KB_OK && fflush(stdout) == 0 ? 0 : 1;
}
