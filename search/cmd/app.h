/* app.h -- kb-serve's lifecycle: everything the service runs on, opened
 * by one call and closed by one call.
 *
 * It lives with the program, not in http/: opening the service means
 * opening every layer (the index, the store, the pages' templates and
 * UI strings) and choosing the route table and the pages' hooks, and
 * only cmd/ may include them all. */
#ifndef KB_APP_H
#define KB_APP_H

#include "request.h"

#include <stddef.h>

/* Opens, in this order: a probe of the index (kb-serve refuses to start
 * on a missing one), query-time synonyms, the case limit, the result
 * cache, the templates, the UI strings, the popular lists, the static
 * folder, the pool of index handles, libsodium and libcurl, the event
 * queue (the one writer of the service database), the reader, the
 * maintenance thread, the accounts, the reindex jobs, and the thread
 * that makes the popular lists; and sets kb-serve's route table and
 * the pages' error and forbidden pages.  Does not listen: server_start()
 * (server.h) does, after it.
 *
 * cfg is copied (the strings it points to must outlive the app);
 * db_path and indexer get their defaults when NULL.  Block the signals
 * the program waits for before calling it: threads start here and
 * inherit the mask.
 *
 * Returns 0 with *out, to be closed with app_close(); or -1 with *out
 * NULL, everything opened so far closed again, and in err the message
 * to print after "kb-serve: " (it may be more than one line). */
int app_open(struct app **out, const struct app_config *cfg, char *err, size_t errlen);

/* What kb-serve does on SIGHUP: reads the synonyms file again (when
 * --synonyms is given) and the templates, keeping the previous ones
 * when the new ones do not load, and reopens the access log (for
 * logrotate).  Each step says on stderr what it reloaded, or why it
 * kept the old.  Call it from one thread at a time (the signal loop);
 * requests go on meanwhile. */
void app_reload(struct app *app);

/* Stops the server if it listens, then closes everything app_open()
 * opened, in reverse order, whatever it got to.  NULL is a no-op. */
void app_close(struct app *app);

#endif
