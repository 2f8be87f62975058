/* kb_user.c -- kb-user: manage agent and author accounts from a shell
 * on the service database. */
#include "accounts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MIN_PASSWORD 10
#define MAX_PASSWORD 1024

static void usage(FILE *f)
{
    fputs("Usage: kb-user --db FILE COMMAND [ARGS]\n"
          "\n"
          "Manage the accounts of agents and authors in the service database\n"
          "(the --db file of kb-serve, or its postgresql://... DSN).\n"
          "\n"
          "Commands:\n"
          "  add NAME --role agent|author   add an account; the password is asked\n"
          "                                 twice on a terminal, or read as one line\n"
          "                                 from standard input otherwise\n"
          "  passwd NAME                    set a new password (same input rules)\n"
          "  list                           list accounts: name, role, state, created\n"
          "  disable NAME                   disable an account, end its sessions and\n"
          "                                 revoke its API tokens\n"
          "  enable NAME                    enable a disabled account\n"
          "  token NAME                     create an API token for scripts\n"
          "                                 (Authorization: Bearer TOKEN); printed as\n"
          "                                 the last line, shown only once\n"
          "\n"
          "Names are 1-64 of letters, digits and . _ @ -; passwords at least 10\n"
          "characters.  Exit status: 0 done, 1 failed, 2 usage error.\n",
          f);
}

/* Reads one line without echo on a terminal. */
static int read_line(const char *prompt, char *buf, size_t len)
{
    int tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fputs(prompt, stderr);
        fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &old) == 0) {
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
    }
    char *got = fgets(buf, (int)len, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (!got)
        return -1;
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '\n')
        buf[--n] = '\0';
    if (n && buf[n - 1] == '\r')
        buf[--n] = '\0';
    return 0;
}

static int get_password(char *pw, size_t len)
{
    if (read_line("Password: ", pw, len) != 0) {
        fputs("kb-user: no password given on standard input\n", stderr);
        return -1;
    }
    if (strlen(pw) < MIN_PASSWORD) {
        fprintf(stderr, "kb-user: the password must have at least %d characters\n",
                MIN_PASSWORD);
        return -1;
    }
    if (isatty(STDIN_FILENO)) {
        char again[MAX_PASSWORD];
        if (read_line("Again: ", again, sizeof again) != 0 || strcmp(again, pw) != 0) {
            fputs("kb-user: the passwords differ\n", stderr);
            return -1;
        }
    }
    return 0;
}

static int print_user(void *ctx, const struct account *u, double created)
{
    (void)ctx;
    char when[32];
    time_t t = (time_t)created;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
    printf("%-24s %-7s %-9s %s\n", u->name, accounts_role_name(u->role),
           u->disabled ? "disabled" : "active", when);
    return 0;
}

static int need_name(int argc, char **argv, int i, const char *cmd)
{
    if (i >= argc) {
        fprintf(stderr, "kb-user: %s needs a NAME\n", cmd);
        return -1;
    }
    if (!accounts_name_ok(argv[i])) {
        fprintf(stderr, "kb-user: '%s' is not a valid name (1-64 of letters, digits, . _ @ -)\n",
                argv[i]);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *db = NULL;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            db = argv[++i];
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            db = argv[i] + 5;
        } else {
            break;
        }
    }
    if (!db || i >= argc) {
        fputs("kb-user: --db FILE and a command are required; see kb-user --help\n", stderr);
        return 2;
    }
    const char *cmd = argv[i++];
    struct accounts *a;
    char pw[MAX_PASSWORD];
    int rc = 0;
    if (strcmp(cmd, "add") != 0 && strcmp(cmd, "passwd") != 0 && strcmp(cmd, "list") != 0 &&
        strcmp(cmd, "disable") != 0 && strcmp(cmd, "enable") != 0 && strcmp(cmd, "token") != 0) {
        fprintf(stderr, "kb-user: unknown command '%s'; see kb-user --help\n", cmd);
        return 2;
    }
    if (strcmp(cmd, "list") != 0 && need_name(argc, argv, i, cmd) != 0)
        return 2;
    enum account_role role = ROLE_NONE;
    if (strcmp(cmd, "add") == 0) {
        for (int k = i + 1; k < argc; k++) {
            if (strcmp(argv[k], "--role") == 0 && k + 1 < argc)
                role = accounts_role_parse(argv[++k]);
            else if (strncmp(argv[k], "--role=", 7) == 0)
                role = accounts_role_parse(argv[k] + 7);
            else {
                fprintf(stderr, "kb-user: unexpected argument '%s'\n", argv[k]);
                return 2;
            }
        }
        if (role == ROLE_NONE) {
            fputs("kb-user: add needs --role agent or --role author\n", stderr);
            return 2;
        }
    }
    /* Only add makes a new database: any other command on a name
     * that is not there is a typo, not an empty list. */
    struct stat st;
    if (strcmp(cmd, "add") != 0 && !store_is_server(db) && stat(db, &st) != 0 &&
        errno == ENOENT) {
        fprintf(stderr, "kb-user: no database %s (kb-serve makes it; check --db)\n", db);
        return 1;
    }
    if (accounts_open(db, &a) != STORE_OK) {
        fprintf(stderr, "kb-user: %s\n", accounts_errmsg(a));
        accounts_close(a);
        return 1;
    }
    if (strcmp(cmd, "list") == 0) {
        printf("%-24s %-7s %-9s %s\n", "NAME", "ROLE", "STATE", "CREATED (UTC)");
        rc = accounts_list(a, print_user, NULL);
    } else if (strcmp(cmd, "add") == 0 || strcmp(cmd, "passwd") == 0) {
        if (get_password(pw, sizeof pw) != 0) {
            accounts_close(a);
            return 1;
        }
        rc = strcmp(cmd, "add") == 0 ? accounts_add(a, argv[i], role, pw)
                                     : accounts_set_password(a, argv[i], pw);
        memset(pw, 0, sizeof pw);
        if (rc == STORE_EXISTS)
            fprintf(stderr, "kb-user: '%s' exists already\n", argv[i]);
        else if (rc == 0)
            fprintf(stderr, "kb-user: %s '%s'\n", strcmp(cmd, "add") == 0 ? "added" : "updated",
                    argv[i]);
    } else if (strcmp(cmd, "disable") == 0 || strcmp(cmd, "enable") == 0) {
        rc = accounts_set_disabled(a, argv[i], strcmp(cmd, "disable") == 0);
        if (rc == 0)
            fprintf(stderr, "kb-user: %sd '%s'\n", cmd, argv[i]);
    } else {
        char token[ACCOUNTS_SECRET_SIZE];
        rc = accounts_token_create(a, argv[i], token, sizeof token);
        if (rc == 0) {
            fprintf(stderr, "kb-user: API token for '%s' (shown once; send it as "
                            "'Authorization: Bearer TOKEN'):\n", argv[i]);
            printf("%s\n", token);
        }
    }
    if (rc == STORE_NOT_FOUND)
        fprintf(stderr, "kb-user: no active account named '%s'\n", argv[i]);
    else if (rc != STORE_OK && rc != STORE_EXISTS)
        fprintf(stderr, "kb-user: %s\n", accounts_errmsg(a));
    accounts_close(a);
    return rc == 0 ? 0 : 1;
}
