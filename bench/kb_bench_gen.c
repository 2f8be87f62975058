/* kb_bench_gen.c -- a scaled corpus: real articles replicated with new
 * ids and varied words, so the cost of a bigger knowledge base can be
 * measured on text that still looks like the real one.
 *
 *   kb-bench-gen --out DIR --replicas N [--seed S] NAME=SRCDIR...
 *
 * Each SRCDIR is read recursively (.md and .yml files).  When its
 * first-level folders are locales (ru-ru, zh-cn, ...) a file keeps its
 * locale; other trees are en-us.  Replica r of SRCDIR/LOC/PATH is
 * written to DIR/LOC/rNNN/NAME/PATH, so its id (the path below the
 * locale folder) is new; a front matter "id:" gets "-rNNN" appended.
 *
 * Replica 0 is a byte copy.  In later replicas, words (runs of ASCII
 * letters or non-ASCII bytes, 3 bytes or more) of the title and body
 * are changed at random: 20% are swapped for a word drawn from all
 * words of the same locale (so word frequencies stay natural) and 2%
 * get a replica-specific suffix (so the vocabulary grows with size, as
 * a real collection's does).  Markup is left alone: front matter other
 * than id and title, code fences, ':::' lines, <tags> and link targets.
 * YAML files are copied unchanged.  The output depends only on the
 * inputs, --replicas and --seed. */
#define _XOPEN_SOURCE 700
#include "bench_util.h"

#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct gen_file {
    char *locale;   /* the locale folder, or "en-us" */
    char *name;     /* the source's NAME */
    char *rel;      /* path below the locale folder (or the source) */
    char *text;
    size_t len;
    int is_md;
};

struct gen_word {
    const char *p;
    unsigned len;
};

struct gen_pool {
    char locale[33];
    struct gen_word *w;
    size_t len, cap;
};

#define GEN_MAX_POOLS 16

struct gen {
    struct gen_file *files;
    size_t nfiles, cap;
    struct gen_pool pools[GEN_MAX_POOLS];
    size_t npools;
    const char *cur_name; /* for the nftw callback */
    size_t cur_root_len;
};

/* nftw has no context argument. */
static struct gen *g_walk;

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static int locale_like(const char *s, size_t n)
{
    size_t a = 0;
    while (a < n && ((s[a] | 0x20) >= 'a' && (s[a] | 0x20) <= 'z'))
        a++;
    if (a < 2 || a > 3 || a == n || s[a] != '-')
        return 0;
    size_t b = n - a - 1;
    return b >= 2 && b <= 8;
}

static int word_byte(unsigned char c)
{
    return c >= 0x80 || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static int add_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    struct gen *g = g_walk;
    if (type != FTW_F)
        return 0;
    size_t plen = strlen(path);
    int is_md = plen > 3 && strcmp(path + plen - 3, ".md") == 0;
    int is_yml = plen > 4 && strcmp(path + plen - 4, ".yml") == 0;
    if (!is_md && !is_yml)
        return 0;
    const char *rel = path + g->cur_root_len;
    while (*rel == '/')
        rel++;
    const char *slash = strchr(rel, '/');
    const char *locale = "en-us";
    char locbuf[33];
    if (slash && locale_like(rel, (size_t)(slash - rel)) && (size_t)(slash - rel) < sizeof locbuf) {
        snprintf(locbuf, sizeof locbuf, "%.*s", (int)(slash - rel), rel);
        for (char *p = locbuf; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p + 32);
        locale = locbuf;
        rel = slash + 1;
    }
    if (g->nfiles == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 1024;
        struct gen_file *nf = realloc(g->files, g->cap * sizeof *nf);
        if (!nf)
            return -1;
        g->files = nf;
    }
    struct gen_file *f = &g->files[g->nfiles];
    f->text = bench_read_file(path, &f->len);
    if (!f->text) {
        fprintf(stderr, "kb-bench-gen: %s: %s\n", path, strerror(errno));
        return -1;
    }
    f->locale = strdup(locale);
    f->name = strdup(g->cur_name);
    f->rel = strdup(rel);
    f->is_md = is_md;
    if (!f->locale || !f->name || !f->rel)
        return -1;
    g->nfiles++;
    return 0;
}

static struct gen_pool *pool_for(struct gen *g, const char *locale)
{
    for (size_t i = 0; i < g->npools; i++)
        if (strcmp(g->pools[i].locale, locale) == 0)
            return &g->pools[i];
    if (g->npools == GEN_MAX_POOLS)
        return NULL;
    struct gen_pool *p = &g->pools[g->npools++];
    memset(p, 0, sizeof *p);
    snprintf(p->locale, sizeof p->locale, "%s", locale);
    return p;
}

/* The Markdown text a replica may change: after the front matter
 * (returned in *body), and the title line inside it (*title, or
 * NULL). */
static void md_parts(const char *text, const char **title, const char **body)
{
    *title = NULL;
    *body = text;
    if (strncmp(text, "---", 3) != 0)
        return;
    const char *line = strchr(text, '\n');
    while (line) {
        line++;
        if (strncmp(line, "---", 3) == 0) {
            const char *nl = strchr(line, '\n');
            *body = nl ? nl + 1 : line + strlen(line);
            return;
        }
        if (strncmp(line, "title:", 6) == 0)
            *title = line + 6;
        line = strchr(line, '\n');
    }
}

/* Walks the changeable words of one line [p, end); calls fn for each
 * word that is outside tags and link targets. */
typedef void (*word_fn)(void *ctx, const char *w, size_t len);
static void line_words(const char *p, const char *end, word_fn fn, void *ctx)
{
    int in_tag = 0, in_url = 0;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (in_tag) {
            in_tag = c != '>';
            p++;
        } else if (in_url) {
            in_url = c != ')';
            p++;
        } else if (c == '<') {
            in_tag = 1;
            p++;
        } else if (c == ']' && p + 1 < end && p[1] == '(') {
            in_url = 1;
            p += 2;
        } else if (word_byte(c)) {
            const char *w = p;
            while (p < end && word_byte((unsigned char)*p))
                p++;
            fn(ctx, w, (size_t)(p - w));
        } else {
            p++;
        }
    }
}

/* Calls line_words on every changeable line of a Markdown file. */
static void md_words(const char *text, size_t len, word_fn fn, void *ctx)
{
    const char *title, *body, *end = text + len;
    md_parts(text, &title, &body);
    if (title)
        line_words(title, strchr(title, '\n') ? strchr(title, '\n') : end, fn, ctx);
    int fence = 0;
    for (const char *line = body; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *le = nl ? nl : end;
        const char *s = line;
        while (s < le && (*s == ' ' || *s == '\t' || *s == '>'))
            s++;
        if (le - s >= 3 && (strncmp(s, "```", 3) == 0 || strncmp(s, "~~~", 3) == 0))
            fence = !fence;
        else if (!fence && !(le - s >= 3 && strncmp(s, ":::", 3) == 0))
            line_words(line, le, fn, ctx);
        line = nl ? nl + 1 : end;
    }
}

static void collect_word(void *vpool, const char *w, size_t len)
{
    struct gen_pool *p = vpool;
    if (len < 3 || len > 64)
        return;
    if (p->len == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 65536;
        struct gen_word *nw = realloc(p->w, cap * sizeof *nw);
        if (!nw)
            return;
        p->w = nw;
        p->cap = cap;
    }
    p->w[p->len].p = w;
    p->w[p->len].len = (unsigned)len;
    p->len++;
}

/* Output of one replica of one file: the words are rewritten into
 * out, everything between them copied. */
struct rewrite {
    FILE *out;
    const char *copied;   /* input copied up to here */
    const struct gen_pool *pool;
    uint64_t rng;
    unsigned replica;
    const char *id_end; /* where the id suffix goes, or NULL */
};

/* Copies the input up to upto, adding the id suffix on the way. */
static void flush_to(struct rewrite *rw, const char *upto)
{
    if (rw->id_end && rw->id_end <= upto) {
        fwrite(rw->copied, 1, (size_t)(rw->id_end - rw->copied), rw->out);
        fprintf(rw->out, "-r%03u", rw->replica);
        rw->copied = rw->id_end;
        rw->id_end = NULL;
    }
    fwrite(rw->copied, 1, (size_t)(upto - rw->copied), rw->out);
    rw->copied = upto;
}

static void rewrite_word(void *vctx, const char *w, size_t len)
{
    struct rewrite *rw = vctx;
    if (len < 3)
        return;
    uint64_t r = rng_next(&rw->rng) % 1000;
    if (r >= 220)
        return;
    flush_to(rw, w);
    if (r < 200 && rw->pool->len) {
        const struct gen_word *pw = &rw->pool->w[rng_next(&rw->rng) % rw->pool->len];
        fwrite(pw->p, 1, pw->len, rw->out);
    } else {
        fwrite(w, 1, len, rw->out);
        fputc('z', rw->out);
        for (unsigned n = rw->replica; n; n /= 26)
            fputc('a' + (int)(n % 26), rw->out);
    }
    rw->copied = w + len;
}

static int mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0755);
        *p = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    return 0;
}

/* Writes f's replica r under out. */
static int write_replica(struct gen *g, const struct gen_file *f, const char *out,
                         unsigned r, uint64_t seed, size_t file_index)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s/r%03u/%s/%s", out, f->locale, r, f->name,
                     f->rel);
    if (n < 0 || (size_t)n >= sizeof path || mkdirs(path) != 0) {
        fprintf(stderr, "kb-bench-gen: cannot create %s\n", path);
        return -1;
    }
    FILE *o = fopen(path, "wb");
    if (!o) {
        fprintf(stderr, "kb-bench-gen: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (r == 0 || !f->is_md) {
        fwrite(f->text, 1, f->len, o);
    } else {
        struct rewrite rw = {o, f->text, pool_for(g, f->locale),
                             (seed ^ ((uint64_t)r << 32) ^ (file_index * 0x9E3779B97F4A7C15ull)) | 1,
                             r, NULL};
        /* A front matter id gets the replica's suffix. */
        const char *title, *body;
        md_parts(f->text, &title, &body);
        const char *id = NULL;
        for (const char *l = f->text; l < body;) {
            if (strncmp(l, "id:", 3) == 0) {
                id = l;
                break;
            }
            const char *nl = strchr(l, '\n');
            if (!nl)
                break;
            l = nl + 1;
        }
        if (id) {
            const char *q = strchr(id, '\n');
            if (!q)
                q = id + strlen(id);
            while (q > id && (q[-1] == ' ' || q[-1] == '\r'))
                q--;
            rw.id_end = q > id && q[-1] == '"' ? q - 1 : q;
        }
        md_words(f->text, f->len, rewrite_word, &rw);
        flush_to(&rw, f->text + f->len);
    }
    if (fclose(o) != 0) {
        fprintf(stderr, "kb-bench-gen: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},
        {"replicas", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    unsigned replicas = 1;
    uint64_t seed = 20240601;
    int c;
    while ((c = getopt_long(argc, argv, "o:r:s:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'r': replicas = (unsigned)strtoul(optarg, NULL, 10); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        default: return 2;
        }
    }
    if (!out || replicas == 0 || replicas > 999 || optind == argc) {
        fputs("Usage: kb-bench-gen --out DIR --replicas N [--seed S] NAME=SRCDIR...\n",
              stderr);
        return 2;
    }
    struct gen g;
    memset(&g, 0, sizeof g);
    g_walk = &g;
    for (int i = optind; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq || eq == argv[i] || !eq[1]) {
            fprintf(stderr, "kb-bench-gen: '%s' is not NAME=SRCDIR\n", argv[i]);
            return 2;
        }
        *eq = '\0';
        g.cur_name = argv[i];
        g.cur_root_len = strlen(eq + 1);
        if (nftw(eq + 1, add_file, 32, FTW_PHYS) != 0) {
            fprintf(stderr, "kb-bench-gen: cannot read %s\n", eq + 1);
            return 1;
        }
    }
    for (size_t i = 0; i < g.nfiles; i++) {
        struct gen_pool *p = pool_for(&g, g.files[i].locale);
        if (p && g.files[i].is_md)
            md_words(g.files[i].text, g.files[i].len, collect_word, p);
    }
    if (mkdir(out, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "kb-bench-gen: %s: %s\n", out, strerror(errno));
        return 1;
    }
    unsigned long long bytes = 0;
    for (unsigned r = 0; r < replicas; r++)
        for (size_t i = 0; i < g.nfiles; i++) {
            if (write_replica(&g, &g.files[i], out, r, seed, i) != 0)
                return 1;
            bytes += g.files[i].len;
        }
    printf("files=%zu\n", g.nfiles * replicas);
    printf("source_files=%zu\n", g.nfiles);
    printf("approx_bytes=%llu\n", bytes);
    for (size_t i = 0; i < g.npools; i++)
        printf("words_%s=%zu\n", g.pools[i].locale, g.pools[i].len);
    return 0;
}
