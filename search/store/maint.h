/* maint.h -- the service's background duties: delivering new cases to
 * the case webhook from the durable outbox, and pruning old events. */
#ifndef KB_MAINT_H
#define KB_MAINT_H

struct maint;

/* Starts the maintenance thread on its own handle of the database at
 * db_path.  webhook may be NULL (no delivery); retention_days 0 keeps
 * everything.  Returns 0, or -1 with err filled. */
int maint_start(const char *db_path, const char *webhook, unsigned retention_days,
                struct maint **out, char *err, unsigned long errlen);

/* Asks for a delivery round now (a case was just created). */
void maint_poke(struct maint *m);

/* Stops the thread (a delivery in flight finishes first).  NULL is a
 * no-op. */
void maint_stop(struct maint *m);

#endif
