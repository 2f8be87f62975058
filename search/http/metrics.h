/* metrics.h -- kb-serve's counters and GET /metrics, their Prometheus
 * text (exposition format 0.0.4).
 *
 * The request path only adds to counters: one relaxed atomic add per
 * counter, in slots laid out at start (one per route of the table, one
 * for requests no route takes), so no lock is taken and the memory
 * never grows.  Everything else (the event queue, the index, the
 * reindex jobs, the process) is read when /metrics is asked for.
 *
 * Routes are labelled with the route table's method and path, never
 * the request's URL, so the number of series is fixed by the table.
 *
 * Thread-safe: any thread may count or render at any time. */
#ifndef KB_METRICS_H
#define KB_METRICS_H

#include "request.h"
#include "strbuf.h"

#include <stddef.h>

struct metrics;

/* Slots for app->routes (which must be set): 0, or -1 when out of
 * memory.  Free with metrics_free. */
int metrics_new(const struct app *app, struct metrics **out);

/* Stops the --metrics-listen listener if it runs, then frees.  NULL is
 * a no-op. */
void metrics_free(struct metrics *m);

/* Counts an answered request: rq->route's slot (or the one for no
 * route), its status and the seconds since it arrived.  NULL m is a
 * no-op. */
void metrics_request(struct metrics *m, const struct request *rq, unsigned status,
                     double seconds);

/* Counts a search that succeeded: suggest 1 for as-you-type
 * (/api/suggest), cached 1 when the results came from the result
 * cache, zero 1 when it found nothing.  NULL m is a no-op. */
void metrics_search(struct metrics *m, int suggest, int cached, int zero);

/* Appends every metric of app, in the text format, to out. */
void metrics_render(struct app *app, struct strbuf *out);

/* GET /metrics on the main listener: the metrics to a client on this
 * machine (req_is_loopback: behind a --trusted-proxy, the client the
 * proxy names, not the proxy), 403 to any other, and to a request
 * passed on by a proxy that is not a --trusted-proxy (one on this
 * machine would otherwise make everyone local). */
unsigned api_metrics(struct request *rq);

/* --metrics-listen: serves GET /metrics, and nothing else, to anyone
 * who reaches fd (a listening socket, taken over: closed on failure
 * too), on a thread of its own.  flags: the MHD_USE_* flags for the
 * socket's family.  0, or -1 with err filled. */
int metrics_listen_start(struct app *app, int fd, unsigned flags, char *err, size_t errlen);

/* The port the --metrics-listen listener has, 0 when none runs. */
unsigned metrics_listen_port(const struct app *app);

/* Stops that listener; nothing when none runs. */
void metrics_listen_stop(struct app *app);

#endif
