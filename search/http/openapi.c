/* openapi.c -- GET /api/openapi.json: the OpenAPI 3.1 description of
 * every JSON route (openapi.h says where it comes from).  The same
 * bytes for everyone, so caches may keep it for an hour. */
#include "openapi.h"
#include "routes.h"

unsigned api_openapi(struct request *rq)
{
    strbuf_add(&rq->out, (const char *)openapi_doc, openapi_doc_len);
    if (strbuf_failed(&rq->out)) {
        strbuf_release(&rq->out);
        return reply_error(rq, 503, "overloaded", "out of memory; try again");
    }
    rq->content_type = "application/json; charset=utf-8";
    rq->cache_control = "public, max-age=3600";
    return 200;
}
