/* faultkit.c -- what the fault tests (test_faults, test_crash) share:
 * the test index and service database, reproducible random choices,
 * starting kb-serve, and reading its database. */
#include "faultkit.h"

#include "harness.h"
#include "testutil.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct harness h = {0, 0};
char agent_auth[160];
char db_path[600];
char index_dir[512];
char work_dir[512];

/* ---- random choices, reproducible from the printed seed ---------- */

uint64_t rng_state;

uint64_t rng_next(void)
{
    /* xorshift64*: plenty for picking delays. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

/* Uniform in [lo, hi]. */
double rng_between(double lo, double hi)
{
    return lo + (hi - lo) * (double)(rng_next() >> 11) / (double)(1ULL << 53);
}

/* ---- small helpers ------------------------------------------------ */

/* tu_server_start with the server's stderr going to the file log
 * (libmicrohttpd reports every connection it refuses there); the log
 * is copied to stderr when the server does not start. */
int start_logged(struct tu_server *s, const char *index, char *const argv[],
                        const char *log)
{
    fflush(stderr);
    int saved = dup(2);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        dup2(fd, 2);
        close(fd);
    }
    int rc = tu_server_start(s, index, argv);
    dup2(saved, 2);
    close(saved);
    if (rc != 0) {
        FILE *f = fopen(log, "r");
        char line[512];
        while (f && fgets(line, sizeof line, f))
            fputs(line, stderr);
        if (f)
            fclose(f);
    }
    return rc;
}

/* Starts kb-serve on the test index and database with extra arguments;
 * its stderr goes to the file log when log is not NULL. */
int start_server(struct tu_server *s, char *const extra[], const char *log)
{
    char *argv[24];
    int n = 0;
    argv[n++] = "--db";
    argv[n++] = db_path;
    /* Every case here comes from 127.0.0.1: no per-address case limit. */
    argv[n++] = "--case-limit";
    argv[n++] = "0";
    for (int i = 0; extra && extra[i] && n < 22; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    int rc = log ? start_logged(s, index_dir, argv, log) : tu_server_start(s, index_dir, argv);
    CHECK_INT_EQ(&h, rc, 0);
    return rc;
}

long healthz(const struct tu_server *s)
{
    long st = 0;
    json_t *j = tu_get_json(s, "/healthz", &st);
    json_decref(j);
    return st;
}

sqlite3 *db_open_ro(void)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "cannot open %s: %s\n", db_path, db ? sqlite3_errmsg(db) : "?");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000);
    return db;
}

/* One integer from sql with ?1 bound to text (may be NULL: no bind). */
long long db_int(sqlite3 *db, const char *sql, const char *text)
{
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
        return -1;
    }
    if (text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}




/* A whole raw request in a new buffer (caller frees); *len its size. */
char *raw_request(const char *method, const char *path, const char *visit,
                         const char *content_type, const char *body, size_t body_len,
                         size_t *len)
{
    size_t cap = strlen(path) + body_len + 512;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    int n = snprintf(buf, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n",
                     method, path);
    if (visit)
        n += snprintf(buf + n, cap - (size_t)n, "X-KB-Visit: %s\r\n", visit);
    if (content_type)
        n += snprintf(buf + n, cap - (size_t)n, "Content-Type: %s\r\n", content_type);
    if (body)
        n += snprintf(buf + n, cap - (size_t)n, "Content-Length: %zu\r\n", body_len);
    n += snprintf(buf + n, cap - (size_t)n, "\r\n");
    if (body_len)
        memcpy(buf + n, body, body_len);
    *len = (size_t)n + body_len;
    return buf;
}

long faultkit_setup(char *content, size_t len)
{
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_ALL);
    const char *seed_env = getenv("KB_FAULTS_SEED");
    uint64_t seed = seed_env && *seed_env ? strtoull(seed_env, NULL, 10)
                                          : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
    if (!seed)
        seed = 1;
    printf("seed %llu (rerun with KB_FAULTS_SEED=%llu)\n", (unsigned long long)seed,
           (unsigned long long)seed);
    fflush(stdout);
    rng_state = seed;
    long nofile = tu_raise_nofile();
    printf("RLIMIT_NOFILE %ld\n", nofile);

    CHECK_INT_EQ(&h, tu_mkdtemp(content, len, "content"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(index_dir, sizeof index_dir, "index"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(work_dir, sizeof work_dir, "faults"), 0);
    CHECK_INT_EQ(&h, tu_copy_tree(KB_SOURCE_DIR "/tests/data/kb", content), 0);
    snprintf(db_path, sizeof db_path, "%s/service.db", work_dir);
    char *argv[] = {KB_INDEX_BIN, "--content", content, "--index", index_dir, "--quiet", NULL};
    char *err = NULL;
    CHECK_INT_EQ(&h, tu_run(argv, NULL, &err), 0);
    free(err);
    char *token = tu_make_user(db_path, "agent1", "agent");
    CHECK(&h, token != NULL);
    snprintf(agent_auth, sizeof agent_auth, "Authorization: Bearer %s", token ? token : "");
    free(token);
    return nofile;
}

void faultkit_teardown(const char *content)
{
    tu_rmrf(content);
    tu_rmrf(index_dir);
    tu_rmrf(work_dir);
    curl_global_cleanup();
}
