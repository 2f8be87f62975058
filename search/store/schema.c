/* schema.c -- the owners of migration steps, and their order. */
#include "schema.h"

#include "accounts_schema.h"
#include "eventlog_schema.h"
#include "learn_schema.h"

/* Every module with tables in the service database.  A step's version
 * says where it goes; the owners' lists may interleave. */
static const struct storedb_step *(*const owners[])(size_t *n) = {
    eventlog_schema_steps,
    accounts_schema_steps,
    learn_schema_steps,
};

#define NOWNERS (sizeof owners / sizeof owners[0])
#define MAX_STEPS 64

/* Orders every owner's steps by version into byver; the count, or -1
 * (with the version at fault in *bad) when a version is missing, out
 * of range or taken twice. */
static int ordered(const struct storedb_step *byver[MAX_STEPS], int *bad)
{
    size_t i, k, n;
    int total = 0, v;

    for (v = 0; v < MAX_STEPS; v++)
        byver[v] = NULL;
    for (i = 0; i < NOWNERS; i++) {
        const struct storedb_step *s = owners[i](&n);

        for (k = 0; k < n; k++, total++) {
            v = s[k].version;
            if (v < 1 || v > MAX_STEPS || byver[v - 1]) {
                *bad = v;
                return -1;
            }
            byver[v - 1] = &s[k];
        }
    }
    for (v = 0; v < total; v++)
        if (!byver[v]) {
            *bad = v + 1;
            return -1;
        }
    return total;
}

int schema_version(void)
{
    const struct storedb_step *byver[MAX_STEPS];
    int bad;

    return ordered(byver, &bad);
}

static store_status migrate(struct storedb *db)
{
    const struct storedb_step *byver[MAX_STEPS];
    int bad = 0, n = ordered(byver, &bad);

    if (n < 0)
        return storedb_fail(db, STORE_ERR_SCHEMA,
                            "schema step %d is missing or defined twice", bad);
    return storedb_migrate(db, byver, n);
}

store_status schema_open(struct storedb *db, const char *path, int flags)
{
    store_status st = storedb_open(db, path, flags);

    return st ? st : migrate(db);
}
