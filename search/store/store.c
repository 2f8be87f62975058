/* store.c -- the fixed text of a store_status. */
#include "store.h"

static const char *const status_text[STORE_STATUS_COUNT] = {
    [STORE_OK] = "ok",
    [STORE_NOT_FOUND] = "not found",
    [STORE_EXISTS] = "exists already",
    [STORE_DISABLED] = "account disabled",
    [STORE_BAD_PASSWORD] = "wrong password",
    [STORE_BUSY] = "database busy",
    [STORE_ERR_INVALID] = "invalid argument",
    [STORE_ERR_NOMEM] = "out of memory",
    [STORE_ERR_SCHEMA] = "unsupported database schema",
    [STORE_ERR_DB] = "database error",
    [STORE_ERR_SYSTEM] = "system error",
};

const char *store_status_str(store_status st)
{
    if ((int)st < 0 || st >= STORE_STATUS_COUNT || !status_text[st])
        return "unknown status";
    return status_text[st];
}
