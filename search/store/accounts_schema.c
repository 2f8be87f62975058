/* accounts_schema.c -- the accounts' tables and their migrations.
 *
 *   users           agents and authors: passwords as libsodium
 *                   crypto_pwhash strings (Argon2id); a disabled user
 *                   keeps its row.
 *   tokens          API tokens, only as BLAKE2b hashes (hex).
 *   sessions        signed-in browsers: the session id only as a
 *                   BLAKE2b hash, with its CSRF token and expiry.
 *   login_failures  failed sign-ins per throttling key ("pair:ADDR|NAME",
 *                   "addr:ADDR"), forgotten after a quiet while.
 *
 * The numbers are the database's one version counter (PRAGMA
 * user_version), shared with the other owners listed in schema.c: take
 * the next free number for a new step.  Never edit a shipped step. */
#include "accounts_schema.h"

static const struct storedb_step steps[] = {
    {3, "CREATE TABLE users ("
        "  id INTEGER PRIMARY KEY,"
        "  name TEXT NOT NULL UNIQUE,"
        "  role TEXT NOT NULL CHECK (role IN ('agent','author')),"
        "  pwhash TEXT NOT NULL,"
        "  disabled INTEGER NOT NULL DEFAULT 0,"
        "  created_ms INTEGER NOT NULL);"
        "CREATE TABLE tokens ("
        "  id INTEGER PRIMARY KEY,"
        "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
        "  hash TEXT NOT NULL UNIQUE,"
        "  created_ms INTEGER NOT NULL,"
        "  last_used_ms INTEGER);"
        "CREATE TABLE sessions ("
        "  id INTEGER PRIMARY KEY,"
        "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
        "  hash TEXT NOT NULL UNIQUE,"
        "  csrf TEXT NOT NULL,"
        "  created_ms INTEGER NOT NULL,"
        "  expires_ms INTEGER NOT NULL);"
        "CREATE INDEX sessions_expires ON sessions(expires_ms);"
        "CREATE TABLE login_failures ("
        "  key TEXT PRIMARY KEY,"
        "  count INTEGER NOT NULL,"
        "  last_ms INTEGER NOT NULL);"},
};

const struct storedb_step *accounts_schema_steps(size_t *n)
{
    *n = sizeof steps / sizeof steps[0];
    return steps;
}
