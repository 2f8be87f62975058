/* linkcheck.c -- relative link resolution and checking. */
#include "linkcheck.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct linkcheck {
    json_t *changed; /* path -> true */
    json_t *anchors; /* path -> {anchor: true} for every record */
    json_t *records; /* path -> [links] for changed records */
};

struct linkcheck *linkcheck_new(void)
{
    struct linkcheck *lc = calloc(1, sizeof *lc);
    if (!lc)
        return NULL;
    lc->changed = json_object();
    lc->anchors = json_object();
    lc->records = json_object();
    if (!lc->changed || !lc->anchors || !lc->records) {
        linkcheck_free(lc);
        return NULL;
    }
    return lc;
}

void linkcheck_free(struct linkcheck *lc)
{
    if (!lc)
        return;
    json_decref(lc->changed);
    json_decref(lc->anchors);
    json_decref(lc->records);
    free(lc);
}

void linkcheck_note_changed(struct linkcheck *lc, const char *path)
{
    if (lc)
        json_object_set_new(lc->changed, path, json_true());
}

static int has_scheme(const char *t)
{
    for (const char *p = t; *p; p++) {
        if (*p == ':')
            return p > t;
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'))
            return 0;
    }
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

int linkcheck_resolve(const char *from_path, const char *target, char *path_out,
                      size_t path_len, char *anchor_out, size_t anchor_len)
{
    if (!target || has_scheme(target) || target[0] == '/' || target[0] == '\\')
        return 0;
    char buf[2048];
    size_t n = 0;
    /* Percent-decode and turn Windows separators around. */
    for (const char *p = target; *p && n + 1 < sizeof buf; p++) {
        if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            buf[n++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            p += 2;
        } else {
            buf[n++] = *p == '\\' ? '/' : *p;
        }
    }
    buf[n] = '\0';
    char *hash = strchr(buf, '#');
    const char *anchor = "";
    if (hash) {
        *hash = '\0';
        anchor = hash + 1;
    }
    char *q = strchr(buf, '?');
    if (q)
        *q = '\0';
    snprintf(anchor_out, anchor_len, "%s", anchor);

    if (!*buf) { /* same page */
        snprintf(path_out, path_len, "%s", from_path);
        return 1;
    }
    const char *dot = strrchr(buf, '.');
    if (!dot || (strcasecmp(dot, ".md") != 0 && strcasecmp(dot, ".yml") != 0 &&
                 strcasecmp(dot, ".yaml") != 0))
        return 0;

    /* Join with the source folder, then fold "." and "..". */
    char joined[4096];
    const char *slash = strrchr(from_path, '/');
    int dl = slash ? (int)(slash - from_path) : 0;
    snprintf(joined, sizeof joined, "%.*s%s%s", dl, from_path, dl ? "/" : "", buf);
    char *segs[256];
    int ns = 0;
    for (char *tok = strtok(joined, "/"); tok; tok = strtok(NULL, "/")) {
        if (strcmp(tok, ".") == 0 || !*tok)
            continue;
        if (strcmp(tok, "..") == 0) {
            if (ns == 0)
                return 0; /* leaves the content folder */
            ns--;
            continue;
        }
        if (ns < 256)
            segs[ns++] = tok;
    }
    size_t o = 0;
    path_out[0] = '\0';
    for (int i = 0; i < ns; i++) {
        int w = snprintf(path_out + o, path_len - o, "%s%s", i ? "/" : "", segs[i]);
        if (w < 0 || (size_t)w >= path_len - o)
            return 0;
        o += (size_t)w;
    }
    return ns > 0;
}

static int collect(void *ctx, const char *json, size_t len)
{
    struct linkcheck *lc = ctx;
    json_t *rec = json_loadb(json, len, 0, NULL);
    if (!rec)
        return 0;
    const char *path = json_string_value(json_object_get(rec, "path"));
    if (path) {
        json_t *set = json_object();
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(rec, "sections"), i, s)
        {
            const char *a = json_string_value(json_object_get(s, "anchor"));
            if (a && *a)
                json_object_set_new(set, a, json_true());
        }
        json_object_set_new(lc->anchors, path, set);
        if (json_object_get(lc->changed, path))
            json_object_set(lc->records, path, json_object_get(rec, "links"));
    }
    json_decref(rec);
    return 0;
}

static int anchor_known(json_t *set, const char *anchor)
{
    if (json_object_get(set, anchor))
        return 1;
    const char *k;
    json_t *v;
    json_object_foreach(set, k, v)
    {
        if (strcasecmp(k, anchor) == 0)
            return 1;
    }
    return 0;
}

int linkcheck_run(struct linkcheck *lc, kb_index *ix, linkcheck_warn_fn warn, void *ctx)
{
    if (kb_foreach_record(ix, 1, collect, lc) != KB_OK)
        return -1;
    const char *path;
    json_t *links;
    json_object_foreach(lc->records, path, links)
    {
        size_t i;
        json_t *l;
        json_array_foreach(links, i, l)
        {
            const char *target = json_string_value(json_object_get(l, "target"));
            unsigned line = (unsigned)json_integer_value(json_object_get(l, "line"));
            char tpath[2048], anchor[512], msg[512];
            if (!linkcheck_resolve(path, target, tpath, sizeof tpath, anchor, sizeof anchor))
                continue;
            json_t *set = json_object_get(lc->anchors, tpath);
            if (!set) {
                snprintf(msg, sizeof msg,
                         "link to a missing article '%.300s'; fix the link or add the article",
                         target);
                warn(ctx, path, line, msg);
            } else if (*anchor && !anchor_known(set, anchor)) {
                snprintf(msg, sizeof msg,
                         "link to a missing anchor '#%.200s' in '%.200s'; link to an "
                         "existing heading",
                         anchor, tpath);
                warn(ctx, path, line, msg);
            }
        }
    }
    return 0;
}
