/* testutil.h -- helpers for the integration tests: run the real
 * kb-index, start the real kb-serve on a free loopback port, and talk
 * HTTP to it with libcurl. */
#ifndef KB_TESTUTIL_H
#define KB_TESTUTIL_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

/* Runs argv (NULL-terminated), waits; *out gets stdout (caller frees),
 * *err gets stderr (caller frees) when non-NULL.  Returns the exit
 * status, or -1 when the program could not run. */
int tu_run(char *const argv[], char **out, char **err);

/* Like tu_run, with input written to the program's standard input. */
int tu_run_input(char *const argv[], const char *input, char **out, char **err);

/* Adds an account with kb-user (password "correct horse battery") and
 * returns a new API token for it (caller frees), or NULL. */
char *tu_make_user(const char *db, const char *name, const char *role);

struct tu_server {
    pid_t pid;
    unsigned port;
    char base[64]; /* "http://127.0.0.1:PORT" */
};

/* Starts kb-serve on 127.0.0.1:0 with the given index and extra
 * arguments (NULL-terminated, may be NULL); reads the port from its
 * first line.  Returns 0 or -1. */
int tu_server_start(struct tu_server *s, const char *index_dir, char *const extra[]);
/* SIGKILL and reap: a crash, as far as the server can tell. */
void tu_server_kill(struct tu_server *s);
/* SIGTERM and wait; returns the exit status. */
int tu_server_stop(struct tu_server *s);
/* 1 while the server process runs; 0 when it has exited (then it is
 * reaped, its status printed, and s->pid set to 0). */
int tu_server_alive(struct tu_server *s);

struct tu_response {
    long status;
    char *body;    /* NUL-terminated, caller frees via tu_response_free */
    size_t len;
    char *headers; /* raw header block */
};

/* One HTTP request.  path is appended to the server's base URL as is
 * (the caller escapes).  body may be NULL. */
int tu_http(const struct tu_server *s, const char *method, const char *path,
            const char *body, const char *content_type, struct tu_response *r);
void tu_response_free(struct tu_response *r);

/* Like tu_http with extra request headers (NULL-terminated list of
 * "Name: value" strings, may be NULL). */
int tu_http_h(const struct tu_server *s, const char *method, const char *path,
              const char *body, const char *content_type, const char *const *headers,
              struct tu_response *r);

/* GET path and parse the body as JSON; NULL if not JSON. */
json_t *tu_get_json(const struct tu_server *s, const char *path, long *status);

/* Polls GET /api/admin/reindex/JOB (with the request header auth, e.g.
 * "Authorization: Bearer T") every 0.1 s until the job's state is not
 * "running" or timeout seconds passed.  Returns the last status object
 * (caller json_decref()s; its "state" says which), NULL when none came. */
json_t *tu_reindex_wait(const struct tu_server *s, const char *auth, const char *job,
                        double timeout);

/* Raw TCP, for what libcurl will not send: a byte at a time, NUL
 * bytes, thousands of idle connections.  Sockets to 127.0.0.1:port;
 * with nonblock the connect is only started (poll for POLLOUT, then
 * read SO_ERROR).  Returns the socket or -1. */
int tu_connect(unsigned port, int nonblock);

/* Sends len bytes of req (a whole HTTP request; say "Connection:
 * close") on a new connection and reads the answer for at most
 * timeout_ms.  r gets the status (0 when no status line came), the
 * header block and the body, as from tu_http (free with
 * tu_response_free).  Returns 0 when a complete answer arrived (status
 * line, headers, Content-Length bytes of body), 1 when the connection
 * ended or timed out before that (a dropped connection), -1 when it
 * could not connect. */
int tu_raw_http(unsigned port, const char *req, size_t len, int timeout_ms,
                struct tu_response *r);

/* Resident set size of a process in KiB (VmRSS), or -1. */
long tu_rss_kb(pid_t pid);

/* Raises the soft RLIMIT_NOFILE to the hard limit (children started
 * later inherit it); returns the new soft limit, or -1. */
long tu_raise_nofile(void);

/* Monotonic clock in seconds, and a sleep that resumes after signals. */
double tu_now(void);
void tu_sleep(double seconds);

/* A fresh temporary directory (static buffer per call site). */
int tu_mkdtemp(char *buf, size_t len, const char *tag);
/* rm -rf */
void tu_rmrf(const char *path);
/* Copies a folder tree (cp -r src/. dst). */
int tu_copy_tree(const char *src, const char *dst);
/* Writes len bytes to path (creating parent folders). */
int tu_write_file(const char *path, const char *data, size_t len);
/* URL-encodes s into a static-size buffer the caller provides. */
void tu_urlencode(const char *s, char *out, size_t outlen);

#endif
