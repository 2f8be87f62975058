/* kb_index_main.c -- kb-index's main(): the command line in, the exit
 * status out; the run itself is kb_index_run() (kb_index.h). */
#include "kb_index.h"
#include "learn_run.h"
#include "replay.h"
#include "scan.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void usage(FILE *f)
{
    fputs("Usage: kb-index --content DIR --index DIR [options]\n"
          "\n"
          "Index the Markdown articles and YAML FAQs under DIR into a search index.\n"
          "Only files whose content changed are parsed again; files that are gone\n"
          "are removed; the run is committed at once.\n"
          "\n"
          "Options:\n"
          "  --content DIR          content folder (locale folders like en-us/ inside)\n"
          "  --index DIR            index folder (created if missing)\n"
          "  --full                 rebuild every article, not only changed files\n"
          "  --strict               commit nothing if any file has an error\n"
          "  --strict-queries       a question an article must answer (front matter\n"
          "                         queries:, FAQ questions) that is not in its top K\n"
          "                         is an error, not a warning\n"
          "  --json                 print a JSON summary on stdout\n"
          "  --default-locale LOC   locale of files outside a locale folder (en-us)\n"
          "  --quiet                no progress line and no summary line\n"
          "  --progress-json        progress as JSON lines on stdout, for programs:\n"
          "                         {\"progress\":{\"done\":N,\"total\":N}}\n"
          "  --changesets N         keep the last N changesets (XAPIAN_MAX_CHANGESETS)\n"
          "                         so that xapian-replicate clients copy only what\n"
          "                         changed; 0 keeps none (the default)\n"
          "  --shards N             write the index as N shards (1 to 64) for\n"
          "                         xapian-tcpsrv: DIR/shard1..N, their auxiliary\n"
          "                         database DIR/aux and the stub DIR/XAPIANDB; every\n"
          "                         article whole in one shard.  Later runs keep the\n"
          "                         folder's number; another one is an error\n"
          "  --learn DB             learn from solved searches in the service database\n"
          "                         DB: each question that enough visits confirmed an\n"
          "                         article answered is indexed with that article\n"
          "  --learn-min-visits N   distinct visits a question needs (default 3)\n"
          "  --deflection-window S  seconds a visit has to file a case before its\n"
          "                         \"solved\" counts (default 1800, as kb-serve)\n"
          "  --replay DB            before committing, search the most frequent queries\n"
          "                         of the last 30 days that had a confirmed answer in\n"
          "                         DB (SQLite file or postgresql:// DSN) on the live\n"
          "                         index and on the new one; report each query whose\n"
          "                         article leaves the top 3 or that finds nothing now\n"
          "  --replay-top N         queries replayed (default 200)\n"
          "  --gate                 with --replay: commit nothing when any replayed\n"
          "                         query got worse (exit status 4)\n"
          "  --synonyms FILE        kb-serve's synonyms, for the replayed searches\n"
          "  --help                 show this help\n"
          "\n"
          "Exit status: 0 success, 1 some files had errors (the rest was committed\n"
          "unless --strict), 2 usage error, 3 the index could not be written,\n"
          "4 --gate: a replayed query got worse and nothing was committed.\n",
          f);
}

/* Returns 0 to run, 1 when --help was asked for, -1 on a usage error
 * (reported). */
static int parse_args(int argc, char **argv, struct kb_index_options *o)
{
    static const struct option longopts[] = {
        {"content", required_argument, NULL, 'c'},
        {"index", required_argument, NULL, 'i'},
        {"full", no_argument, NULL, 'f'},
        {"strict", no_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"default-locale", required_argument, NULL, 'l'},
        {"quiet", no_argument, NULL, 'q'},
        {"progress-json", no_argument, NULL, 'P'},
        {"strict-queries", no_argument, NULL, 'Q'},
        {"changesets", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {"learn", required_argument, NULL, 'L'},
        {"learn-min-visits", required_argument, NULL, 'M'},
        {"deflection-window", required_argument, NULL, 'W'},
        {"replay", required_argument, NULL, 'R'},
        {"replay-top", required_argument, NULL, 'T'},
        {"gate", no_argument, NULL, 'G'},
        {"synonyms", required_argument, NULL, 'Y'},
        {"shards", required_argument, NULL, 'S'},
        {NULL, 0, NULL, 0},
    };
    o->default_locale = "en-us";
    o->learn_min_visits = LEARN_MIN_VISITS;
    o->deflection_window = 1800;
    o->replay_top = REPLAY_DEFAULT_QUERIES;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "c:i:fsjl:qPQhC:", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': o->content = optarg; break;
        case 'i': o->index = optarg; break;
        case 'f': o->full = 1; break;
        case 's': o->strict = 1; break;
        case 'j': o->json = 1; break;
        case 'l': o->default_locale = optarg; break;
        case 'q': o->quiet = 1; break;
        case 'P': o->progress_json = 1; break;
        case 'Q': o->strict_queries = 1; break;
        case 'C': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || n > 100000) {
                fprintf(stderr, "kb-index: --changesets wants a number from 0 to 100000\n");
                return -1;
            }
            /* Read by Xapian when the writer commits. */
            setenv("XAPIAN_MAX_CHANGESETS", optarg, 1);
            break;
        }
        case 'L': o->learn_db = optarg; break;
        case 'S': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || n < 1 || n > 64) {
                fprintf(stderr, "kb-index: --shards wants a number from 1 to 64\n");
                return -1;
            }
            o->shards = (unsigned)n;
            break;
        }
        case 'R': o->replay_db = optarg; break;
        case 'G': o->gate = 1; break;
        case 'Y': o->synonyms = optarg; break;
        case 'T': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || n < 1 || n > REPLAY_MAX_QUERIES) {
                fprintf(stderr, "kb-index: --replay-top wants a whole number from 1 to %d\n",
                        REPLAY_MAX_QUERIES);
                return -1;
            }
            o->replay_top = n;
            break;
        }
        case 'M':
        case 'W': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || n < 1 || n > 31622400) {
                fprintf(stderr, "kb-index: %s wants a whole number from 1 to 31622400\n",
                        c == 'M' ? "--learn-min-visits" : "--deflection-window");
                return -1;
            }
            if (c == 'M')
                o->learn_min_visits = n;
            else
                o->deflection_window = (double)n;
            break;
        }
        case 'h': return 1;
        default:
            fprintf(stderr, "kb-index: unknown or incomplete option '%s'\n",
                    argv[optind - 1]);
            fputs("Try 'kb-index --help'.\n", stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kb-index: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (!o->content || !o->index) {
        fprintf(stderr, "kb-index: --content DIR and --index DIR are required\n");
        fputs("Try 'kb-index --help'.\n", stderr);
        return -1;
    }
    if ((o->gate || o->synonyms) && !o->replay_db) {
        fprintf(stderr, "kb-index: %s needs --replay DB\n", o->gate ? "--gate" : "--synonyms");
        return -1;
    }
    if (o->replay_db && !*o->replay_db) {
        fprintf(stderr, "kb-index: --replay wants a database\n");
        return -1;
    }
    if (!scan_is_locale_name(o->default_locale)) {
        fprintf(stderr, "kb-index: --default-locale '%s' is not a locale like en-us\n",
                o->default_locale);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct kb_index_options o = {0};
    switch (parse_args(argc, argv, &o)) {
    case 0:
        return kb_index_run(&o);
    case 1:
        usage(stdout);
        return 0;
    default:
        return 2;
    }
}
