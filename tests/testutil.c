/* testutil.c -- process and HTTP helpers for the integration tests. */
#include "testutil.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int tu_run(char *const argv[], char **out, char **err)
{
    return tu_run_input(argv, NULL, out, err);
}

int tu_run_input(char *const argv[], const char *input, char **out, char **err)
{
    int po[2], pe[2], pi[2] = {-1, -1};
    if (pipe(po) != 0 || pipe(pe) != 0 || (input && pipe(pi) != 0))
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        close(po[1]);
        close(pe[1]);
        if (input) {
            dup2(pi[0], 0);
            close(pi[0]);
            close(pi[1]);
        } else {
            int devnull = open("/dev/null", O_RDONLY);
            if (devnull >= 0)
                dup2(devnull, 0);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    if (input) {
        close(pi[0]);
        size_t n = strlen(input);
        if (write(pi[1], input, n) != (ssize_t)n)
            fprintf(stderr, "tu_run_input: short write\n");
        close(pi[1]);
    }
    /* Read both pipes without deadlock: stderr may be large. */
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    char *bufs[2] = {NULL, NULL};
    size_t lens[2] = {0, 0}, caps[2] = {0, 0};
    int open_fds = 2;
    while (open_fds) {
        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (lens[i] + 4097 > caps[i]) {
                caps[i] = caps[i] ? caps[i] * 2 : 8192;
                bufs[i] = realloc(bufs[i], caps[i]);
            }
            ssize_t got = read(fds[i].fd, bufs[i] + lens[i], 4096);
            if (got <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else {
                lens[i] += (size_t)got;
            }
        }
    }
    for (int i = 0; i < 2; i++) {
        if (!bufs[i])
            bufs[i] = malloc(1);
        bufs[i][lens[i]] = '\0';
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (out)
        *out = bufs[0];
    else
        free(bufs[0]);
    if (err)
        *err = bufs[1];
    else {
        fputs(bufs[1], stderr);
        free(bufs[1]);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int tu_server_start(struct tu_server *s, const char *index_dir, char *const extra[])
{
    char *argv[32];
    int n = 0;
    argv[n++] = KB_SERVE_BIN;
    argv[n++] = "--index";
    argv[n++] = (char *)index_dir;
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--web";
    argv[n++] = KB_SOURCE_DIR "/web";
    for (int i = 0; extra && extra[i] && n < 30; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    int po[2];
    if (pipe(po) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(po[1], 1);
        close(po[0]);
        close(po[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(po[1]);
    char line[256];
    size_t len = 0;
    struct pollfd pfd = {po[0], POLLIN, 0};
    while (len < sizeof line - 1) {
        if (poll(&pfd, 1, 10000) <= 0)
            break;
        ssize_t got = read(po[0], line + len, 1);
        if (got <= 0)
            break;
        if (line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    /* Later output is not read; the server ignores SIGPIPE. */
    close(po[0]);
    const char *colon = strrchr(line, ':');
    if (!strstr(line, "listening on") || !colon) {
        fprintf(stderr, "kb-serve did not start: '%s'\n", line);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    s->pid = pid;
    s->port = (unsigned)strtoul(colon + 1, NULL, 10);
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%u", s->port);
    return 0;
}

void tu_server_kill(struct tu_server *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
}

int tu_server_stop(struct tu_server *s)
{
    int status = 0;
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        pid_t r = waitpid(s->pid, &status, WNOHANG);
        if (r == s->pid) {
            s->pid = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &status, 0);
    s->pid = 0;
    return -1;
}

int tu_server_alive(struct tu_server *s)
{
    int status;
    if (s->pid <= 0)
        return 0;
    pid_t r = waitpid(s->pid, &status, WNOHANG);
    if (r == 0)
        return 1;
    if (r == s->pid) {
        if (WIFSIGNALED(status))
            fprintf(stderr, "kb-serve (pid %d) died of signal %d\n", (int)s->pid,
                    WTERMSIG(status));
        else
            fprintf(stderr, "kb-serve (pid %d) exited with %d\n", (int)s->pid,
                    WEXITSTATUS(status));
        s->pid = 0;
    }
    return 0;
}

int tu_connect(unsigned port, int nonblock)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 &&
        !(nonblock && errno == EINPROGRESS)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The Content-Length of a header block, or -1. */
static long header_content_length(const char *h)
{
    for (const char *p = h; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncasecmp(p, "Content-Length:", 15) == 0)
            return strtol(p + 15, NULL, 10);
    return -1;
}

int tu_raw_http(unsigned port, const char *req, size_t len, int timeout_ms,
                struct tu_response *r)
{
    memset(r, 0, sizeof *r);
    int fd = tu_connect(port, 0);
    if (fd < 0)
        return -1;
    /* The server may answer (413, say) and close before it has read all
     * of a large body: stop sending then, and read what it said. */
    for (size_t off = 0; off < len;) {
        ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    char *buf = NULL;
    size_t got = 0, cap = 0;
    int complete = 0;
    double end = tu_now() + timeout_ms / 1000.0;
    for (;;) {
        int left = (int)((end - tu_now()) * 1000);
        struct pollfd pfd = {fd, POLLIN, 0};
        if (left <= 0 || poll(&pfd, 1, left) <= 0)
            break;
        if (got + 65537 > cap) {
            cap = cap ? cap * 2 : 131072;
            char *nb = realloc(buf, cap);
            if (!nb)
                break;
            buf = nb;
        }
        ssize_t n = recv(fd, buf + got, 65536, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        buf[got] = '\0';
        char *eoh = strstr(buf, "\r\n\r\n");
        if (eoh) {
            *eoh = '\0';
            long cl = header_content_length(buf);
            *eoh = '\r';
            size_t hlen = (size_t)(eoh - buf) + 4;
            if (cl >= 0 && got >= hlen + (size_t)cl) {
                complete = 1;
                break;
            }
        }
    }
    close(fd);
    if (!buf)
        buf = calloc(1, 1);
    if (!buf)
        return 1;
    buf[got] = '\0';
    char *eoh = strstr(buf, "\r\n\r\n");
    if (strncmp(buf, "HTTP/1.", 7) == 0 && strlen(buf) > 12)
        r->status = strtol(buf + 9, NULL, 10);
    r->headers = strndup(buf, eoh ? (size_t)(eoh - buf) + 2 : got);
    r->len = eoh ? got - (size_t)(eoh + 4 - buf) : 0;
    r->body = malloc(r->len + 1);
    if (r->body) {
        if (r->len)
            memcpy(r->body, eoh + 4, r->len);
        r->body[r->len] = '\0';
    }
    free(buf);
    if (!r->headers || !r->body) {
        tu_response_free(r);
        return 1;
    }
    return complete && r->status ? 0 : 1;
}

long tu_rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

long tu_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    return rl.rlim_cur == RLIM_INFINITY ? 1L << 20 : (long)rl.rlim_cur;
}

double tu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tu_sleep(double seconds)
{
    if (seconds <= 0)
        return;
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

struct growbuf {
    char *p;
    size_t len;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct growbuf *b = ud;
    size_t n = size * nmemb;
    b->p = realloc(b->p, b->len + n + 1);
    memcpy(b->p + b->len, ptr, n);
    b->len += n;
    b->p[b->len] = '\0';
    return n;
}

int tu_http(const struct tu_server *s, const char *method, const char *path,
            const char *body, const char *content_type, struct tu_response *r)
{
    return tu_http_h(s, method, path, body, content_type, NULL, r);
}

int tu_http_h(const struct tu_server *s, const char *method, const char *path,
              const char *body, const char *content_type, const char *const *headers,
              struct tu_response *r)
{
    memset(r, 0, sizeof *r);
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    char url[65536];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    struct growbuf b = {NULL, 0}, h = {NULL, 0};
    struct curl_slist *hdrs = NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    if (content_type) {
        char ct[256];
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
        hdrs = curl_slist_append(hdrs, ct);
    }
    for (size_t i = 0; headers && headers[i]; i++)
        hdrs = curl_slist_append(hdrs, headers[i]);
    if (hdrs)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    r->body = b.p ? b.p : calloc(1, 1);
    r->len = b.len;
    r->headers = h.p ? h.p : calloc(1, 1);
    return rc == CURLE_OK ? 0 : -1;
}

void tu_response_free(struct tu_response *r)
{
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof *r);
}

json_t *tu_get_json(const struct tu_server *s, const char *path, long *status)
{
    struct tu_response r;
    *status = 0;
    if (tu_http(s, "GET", path, NULL, NULL, &r) != 0) {
        tu_response_free(&r); /* a failed request still has empty strings */
        return NULL;
    }
    *status = r.status;
    json_t *j = json_loads(r.body, 0, NULL);
    tu_response_free(&r);
    return j;
}

json_t *tu_reindex_wait(const struct tu_server *s, const char *auth, const char *job,
                        double timeout)
{
    char path[256];
    const char *hdrs[] = {auth, NULL};
    json_t *st = NULL;
    snprintf(path, sizeof path, "/api/admin/reindex/%s", job ? job : "");
    for (double until = tu_now() + timeout; tu_now() < until;) {
        struct tu_response r;
        tu_sleep(0.1);
        json_decref(st);
        st = NULL;
        if (tu_http_h(s, "GET", path, NULL, NULL, hdrs, &r) == 0)
            st = json_loads(r.body ? r.body : "", 0, NULL);
        tu_response_free(&r);
        const char *state = json_string_value(json_object_get(st, "state"));
        if (state && strcmp(state, "running") != 0)
            break;
    }
    return st;
}

int tu_mkdtemp(char *buf, size_t len, const char *tag)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(buf, len, "%s/kb-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
    return mkdtemp(buf) ? 0 : -1;
}

void tu_rmrf(const char *path)
{
    char *argv[] = {"/bin/rm", "-rf", (char *)path, NULL};
    tu_run(argv, NULL, NULL);
}

int tu_copy_tree(const char *src, const char *dst)
{
    char s[4096];
    snprintf(s, sizeof s, "%s/.", src);
    char *argv[] = {"/bin/cp", "-R", s, (char *)dst, NULL};
    return tu_run(argv, NULL, NULL);
}

int tu_write_file(const char *path, const char *data, size_t len)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        char *argv[] = {"/bin/mkdir", "-p", dir, NULL};
        tu_run(argv, NULL, NULL);
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    fclose(f);
    return w == len ? 0 : -1;
}

void tu_urlencode(const char *s, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 4 < outlen; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.') {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
}

char *tu_make_user(const char *db, const char *name, const char *role)
{
    char *add[] = {KB_USER_BIN, "--db", (char *)db, "add", (char *)name, "--role", (char *)role,
                   NULL};
    if (tu_run_input(add, "correct horse battery\n", NULL, NULL) != 0)
        return NULL;
    char *tok[] = {KB_USER_BIN, "--db", (char *)db, "token", (char *)name, NULL};
    char *out = NULL;
    if (tu_run(tok, &out, NULL) != 0) {
        free(out);
        return NULL;
    }
    size_t n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    char *last = strrchr(out, '\n');
    char *t = strdup(last ? last + 1 : out);
    free(out);
    return t;
}
