/* faultkit.h -- shared by test_faults.c and test_crash.c: the test
 * index (tests/data/kb) and service database both use, reproducible
 * random choices (KB_FAULTS_SEED), starting kb-serve, and reading its
 * database read-only. */
#ifndef KB_FAULTKIT_H
#define KB_FAULTKIT_H

#include "harness.h"
#include "testutil.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

extern struct harness h;
extern char agent_auth[160]; /* "Authorization: Bearer ..." of agent1 */
extern char db_path[600];    /* the service database every server uses */
extern char index_dir[512];  /* tests/data/kb, indexed */
extern char work_dir[512];   /* scratch: the database, server logs */
extern uint64_t rng_state;

#define SQL_VIEWS_OF_VISIT                                                              \
    "SELECT count(*) FROM events e JOIN visits v ON v.id = e.visit_id"                  \
    " WHERE v.key = ?1 AND e.kind = 'view'"
#define SQL_CASES_OF_VISIT                                                              \
    "SELECT count(*) FROM cases c JOIN visits v ON v.id = c.visit_id WHERE v.key = ?1"

/* Seeds the random choices (printed), raises RLIMIT_NOFILE (returned),
 * indexes tests/data/kb into index_dir (content: a copy, in a new
 * folder written to content) and adds the agent. */
long faultkit_setup(char *content, size_t len);
void faultkit_teardown(const char *content);

uint64_t rng_next(void);
double rng_between(double lo, double hi);
/* tu_server_start with the server's stderr in the file log. */
int start_logged(struct tu_server *s, const char *index, char *const argv[], const char *log);
/* kb-serve on index_dir and db_path with extra arguments; stderr to log
 * when not NULL.  Checks that it started. */
int start_server(struct tu_server *s, char *const extra[], const char *log);
long healthz(const struct tu_server *s);
sqlite3 *db_open_ro(void);
long long db_int(sqlite3 *db, const char *sql, const char *text);
/* A whole raw request in a new buffer (caller frees); *len its size. */
char *raw_request(const char *method, const char *path, const char *visit,
                  const char *content_type, const char *body, size_t body_len, size_t *len);

#endif
