/* record.c -- article record JSON, built with jansson. */
#include "record.h"

#include <jansson.h>
#include <stdlib.h>

static json_t *str_or_empty(const char *s)
{
    return json_string(s ? s : "");
}

char *record_build(const struct article *a)
{
    json_t *o = json_object();
    json_t *tags = json_array();
    json_t *sections = json_array();
    json_t *links = json_array();
    json_t *queries = json_array();
    char *out = NULL;
    if (!o || !tags || !sections || !links || !queries)
        goto done;
    for (size_t i = 0; i < a->ntags; i++)
        json_array_append_new(tags, str_or_empty(a->tags[i]));
    for (size_t i = 0; i < a->nsections; i++) {
        const struct article_section *s = &a->sections[i];
        json_array_append_new(sections,
                              json_pack("{s:o,s:o,s:i,s:b}", "anchor",
                                        str_or_empty(s->anchor), "title",
                                        str_or_empty(s->title), "level", s->level,
                                        "question", s->is_question));
    }
    for (size_t i = 0; i < a->nlinks; i++)
        json_array_append_new(links, json_pack("{s:o,s:i}", "target",
                                               str_or_empty(a->links[i].target),
                                               "line", (int)a->links[i].line));
    for (size_t i = 0; i < a->nqueries; i++)
        json_array_append_new(queries, json_pack("{s:o,s:i}", "text",
                                                 str_or_empty(a->queries[i].text),
                                                 "line", (int)a->queries[i].line));
    json_object_set_new(o, "id", str_or_empty(a->id));
    json_object_set_new(o, "locale", str_or_empty(a->locale));
    json_object_set_new(o, "title", str_or_empty(a->title));
    json_object_set_new(o, "description", str_or_empty(a->description));
    json_object_set_new(o, "topic", str_or_empty(a->topic));
    json_object_set_new(o, "product", str_or_empty(a->product));
    json_object_set(o, "tags", tags);
    json_object_set_new(o, "audience", json_string(a->internal ? "internal" : "public"));
    json_object_set_new(o, "updated", str_or_empty(a->updated));
    json_object_set_new(o, "machine_translated", json_boolean(a->machine_translated));
    json_object_set_new(o, "path", str_or_empty(a->path));
    json_object_set(o, "sections", sections);
    json_object_set(o, "links", links);
    json_object_set_new(o, "markdown", str_or_empty(a->markdown));
    if (a->nqueries) {
        json_object_set(o, "queries", queries);
        json_object_set_new(o, "queries_top", json_integer(a->queries_top ? a->queries_top : 3));
    }
    out = json_dumps(o, JSON_COMPACT);
done:
    json_decref(tags);
    json_decref(sections);
    json_decref(links);
    json_decref(queries);
    json_decref(o);
    return out;
}
