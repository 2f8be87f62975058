/* linkcheck.c -- the link map, relative link resolution and checking.
 *
 * The map is a JSON object, because it is saved with the run as is:
 *
 *   {"<content path>": [["<anchor>", ...], ["<target>", <line>, ...]], ...}
 *
 * the anchors of the article's sections ("" for the lead is left out),
 * then its links as written with their lines, flattened in pairs.  A
 * few thousand articles give a map of a megabyte or so: reading it
 * costs milliseconds where parsing every stored record (each carries
 * its whole Markdown) cost most of an incremental run. */
#include "linkcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct linkcheck {
    json_t *map;     /* content path -> [[anchors], [target, line, ...]] */
    json_t *changed; /* content path -> true: indexed or removed this run */
    int complete;    /* map holds every record of the index */
    int all;         /* check every article, changed or not */
};

struct linkcheck *linkcheck_new(void)
{
    struct linkcheck *lc = calloc(1, sizeof *lc);
    if (!lc)
        return NULL;
    lc->map = json_object();
    lc->changed = json_object();
    if (!lc->map || !lc->changed) {
        linkcheck_free(lc);
        return NULL;
    }
    return lc;
}

void linkcheck_free(struct linkcheck *lc)
{
    if (!lc)
        return;
    json_decref(lc->map);
    json_decref(lc->changed);
    free(lc);
}

static int entry_valid(json_t *e)
{
    return json_is_array(e) && json_array_size(e) == 2 &&
           json_is_array(json_array_get(e, 0)) && json_is_array(json_array_get(e, 1));
}

int linkcheck_restore(struct linkcheck *lc, json_t *state)
{
    json_object_clear(lc->map);
    lc->complete = 0;
    if (!json_is_object(state))
        return -1;
    const char *path;
    json_t *e;
    json_object_foreach(state, path, e)
    {
        if (!entry_valid(e))
            return -1;
    }
    json_decref(lc->map);
    lc->map = json_incref(state);
    lc->complete = 1;
    return 0;
}

void linkcheck_reset(struct linkcheck *lc)
{
    json_object_clear(lc->map);
    lc->complete = 1;
}

void linkcheck_recheck_all(struct linkcheck *lc)
{
    json_object_clear(lc->map);
    lc->complete = 0;
    lc->all = 1;
}

/* A new map entry; NULL on OOM. */
static json_t *entry_new(json_t **anchors, json_t **links)
{
    json_t *e = json_array();
    *anchors = json_array();
    *links = json_array();
    if (!e || !*anchors || !*links || json_array_append(e, *anchors) != 0 ||
        json_array_append(e, *links) != 0) {
        json_decref(e);
        json_decref(*anchors);
        json_decref(*links);
        return NULL;
    }
    json_decref(*anchors); /* e holds them now */
    json_decref(*links);
    return e;
}

static int add_anchor(json_t *anchors, const char *a)
{
    if (!a || !*a)
        return 0;
    return json_array_append_new(anchors, json_string(a));
}

static int add_link(json_t *links, const char *target, json_int_t line)
{
    if (json_array_append_new(links, json_string(target ? target : "")) != 0)
        return -1;
    return json_array_append_new(links, json_integer(line));
}

int linkcheck_set(struct linkcheck *lc, const char *path, const struct article *a)
{
    json_t *anchors, *links;
    json_t *e = entry_new(&anchors, &links);
    if (!e)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < a->nsections && rc == 0; i++)
        rc = add_anchor(anchors, a->sections[i].anchor);
    for (size_t i = 0; i < a->nlinks && rc == 0; i++)
        rc = add_link(links, a->links[i].target, (json_int_t)a->links[i].line);
    if (rc != 0) {
        json_decref(e);
        return -1;
    }
    if (json_object_set_new(lc->map, path, e) != 0 ||
        json_object_set_new(lc->changed, path, json_true()) != 0)
        return -1;
    return 0;
}

void linkcheck_forget(struct linkcheck *lc, const char *path)
{
    json_object_del(lc->map, path);
    json_object_set_new(lc->changed, path, json_true());
}

json_t *linkcheck_state(struct linkcheck *lc)
{
    return lc->complete ? lc->map : NULL;
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


/* kb_foreach_record callback: one stored record into the map. */
static int collect(void *ctx, const char *json, size_t len)
{
    json_t *map = ctx;
    json_t *rec = json_loadb(json, len, 0, NULL);
    if (!rec)
        return 0;
    const char *path = json_string_value(json_object_get(rec, "path"));
    json_t *anchors, *links, *e = path ? entry_new(&anchors, &links) : NULL;
    if (e) {
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(rec, "sections"), i, v)
            add_anchor(anchors, json_string_value(json_object_get(v, "anchor")));
        json_array_foreach(json_object_get(rec, "links"), i, v)
            add_link(links, json_string_value(json_object_get(v, "target")),
                     json_integer_value(json_object_get(v, "line")));
        json_object_set_new(map, path, e);
    }
    json_decref(rec);
    return 0;
}

static int anchor_known(json_t *anchors, const char *anchor)
{
    size_t i;
    json_t *v;
    json_array_foreach(anchors, i, v)
    {
        if (strcmp(json_string_value(v) ? json_string_value(v) : "", anchor) == 0)
            return 1;
    }
    json_array_foreach(anchors, i, v)
    {
        if (json_string_value(v) && strcasecmp(json_string_value(v), anchor) == 0)
            return 1;
    }
    return 0;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Checks one article's links: all of them when the article changed,
 * else only those into a changed path. */
static void check_article(struct linkcheck *lc, const char *path, json_t *e,
                          linkcheck_warn_fn warn, void *ctx)
{
    int all = lc->all || json_object_get(lc->changed, path) != NULL;
    json_t *links = json_array_get(e, 1);
    size_t n = json_array_size(links);
    for (size_t i = 0; i + 1 < n; i += 2) {
        const char *target = json_string_value(json_array_get(links, i));
        unsigned line = (unsigned)json_integer_value(json_array_get(links, i + 1));
        char tpath[2048], anchor[512], msg[512];
        if (!linkcheck_resolve(path, target, tpath, sizeof tpath, anchor, sizeof anchor))
            continue;
        if (!all && !json_object_get(lc->changed, tpath))
            continue;
        json_t *te = json_object_get(lc->map, tpath);
        if (!te) {
            snprintf(msg, sizeof msg,
                     "link to a missing article '%.300s'; fix the link or add the article",
                     target);
            warn(ctx, path, line, msg);
        } else if (*anchor && !anchor_known(json_array_get(te, 0), anchor)) {
            snprintf(msg, sizeof msg,
                     "link to a missing anchor '#%.200s' in '%.200s'; link to an "
                     "existing heading",
                     anchor, tpath);
            warn(ctx, path, line, msg);
        }
    }
}

int linkcheck_run(struct linkcheck *lc, kb_index *ix, linkcheck_warn_fn warn, void *ctx)
{
    if (!lc->complete) {
        json_object_clear(lc->map);
        if (kb_foreach_record(ix, 1, collect, lc->map) != KB_OK)
            return -1;
        lc->complete = 1;
    }
    if (!lc->all && json_object_size(lc->changed) == 0)
        return 0;
    /* Path order: the order a --full run has always reported in. */
    size_t n = json_object_size(lc->map), k = 0;
    const char **paths = malloc((n ? n : 1) * sizeof *paths);
    if (!paths)
        return -1;
    const char *path;
    json_t *e;
    json_object_foreach(lc->map, path, e)
        paths[k++] = path;
    qsort(paths, k, sizeof *paths, by_string);
    for (size_t i = 0; i < k; i++)
        check_article(lc, paths[i], json_object_get(lc->map, paths[i]), warn, ctx);
    free(paths);
    return 0;
}
