/* handle_pool.h -- one read handle on the index per server thread.
 *
 * A Xapian database handle must not be used by two threads at once;
 * libmicrohttpd runs a fixed pool of worker threads, so each thread
 * opens its own handle on first use and keeps it until it exits. */
#ifndef KB_HANDLE_POOL_H
#define KB_HANDLE_POOL_H

#include "kb.h"

struct handle_pool;

/* Returns 0, or -1 when the thread key cannot be created.  dir is
 * copied. */
int handle_pool_new(const char *dir, struct handle_pool **out);

/* The calling thread's handle, opened on first use; NULL (with the
 * reason in err) when the index cannot be opened.  Owned by the pool. */
kb_index *handle_pool_get(struct handle_pool *p, char *err, size_t errlen);

/* Call after every thread that used the pool has exited. */
void handle_pool_free(struct handle_pool *p);

#endif
