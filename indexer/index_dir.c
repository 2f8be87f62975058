/* index_dir.c -- can this user write the index folder (index_dir.h). */
#include "index_dir.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int index_dir_unusable(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            fprintf(stderr, "kb-index: --index %s is a file, not an index folder\n", dir);
            return 1;
        }
        if (access(dir, W_OK | X_OK) != 0) {
            fprintf(stderr, "kb-index: cannot write the index %s: %s (run kb-index as the "
                            "user that owns it)\n", dir, strerror(errno));
            return 1;
        }
        return 0;
    }
    if (errno != ENOENT) {
        fprintf(stderr, "kb-index: cannot use the index %s: %s\n", dir, strerror(errno));
        return 1;
    }
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    while (slash && slash > parent && slash[1] == '\0') {
        *slash = '\0';
        slash = strrchr(parent, '/');
    }
    if (!slash)
        snprintf(parent, sizeof parent, ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "kb-index: cannot create the index %s: no folder %s\n", dir, parent);
        return 1;
    }
    if (access(parent, W_OK | X_OK) != 0) {
        fprintf(stderr, "kb-index: cannot create the index %s: %s: %s\n", dir, parent,
                strerror(errno));
        return 1;
    }
    return 0;
}
