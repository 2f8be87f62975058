/* eventlog_schema.c -- the event log's tables and their migrations.
 *
 * Times are integer milliseconds since the epoch (UTC): exact
 * comparisons, and indexes stay small.
 *
 *   visits  one row per browser session id (key).  first_ms is the time
 *           of its earliest event: reports pick visits by it and measure
 *           the deflection window from it, so it is kept up to date on
 *           every insert rather than recomputed by a GROUP BY per report.
 *   events  one row per event; kind is the eventlog_kind_name() text so
 *           the file can be read with the sqlite3 shell.  Only the
 *           columns of the kind are set, the rest are NULL.  articles is
 *           a JSON array of article ids: those a suggest listed, the
 *           hits a search returned (its first page, as the service
 *           logs it); case_id links a case event to its
 *           case (no foreign key: a case filed elsewhere may be logged
 *           by id only).
 *   cases   submitted cases; id is the unguessable public id.  The
 *           trail is not copied: it is the visit's events up to
 *           created_ms, read on demand.
 *           idem (step 5) is the idempotency key of the form that
 *           filed the case, NULL for none: unique, so a reload or a
 *           second front end cannot file the same submission twice,
 *           across restarts too.
 *   outbox  webhook deliveries (step 2).  A row is due when
 *           delivered_ms is NULL and next_attempt_ms <= now; claiming a
 *           row pushes next_attempt_ms forward by a lease.
 *
 * The numbers are the database's one version counter (PRAGMA
 * user_version), shared with the other owners listed in schema.c: take
 * the next free number for a new step.  Never edit a shipped step. */
#include "eventlog_schema.h"

static const struct storedb_step steps[] = {
    {1, "CREATE TABLE visits ("
        "  id INTEGER PRIMARY KEY,"
        "  key TEXT NOT NULL UNIQUE,"
        "  first_ms INTEGER NOT NULL);"
        "CREATE INDEX visits_first ON visits(first_ms);"
        "CREATE TABLE cases ("
        "  id TEXT PRIMARY KEY,"
        "  visit_id INTEGER REFERENCES visits(id),"
        "  created_ms INTEGER NOT NULL,"
        "  subject TEXT NOT NULL,"
        "  description TEXT NOT NULL DEFAULT '',"
        "  email TEXT NOT NULL DEFAULT '',"
        "  product TEXT NOT NULL DEFAULT '',"
        "  locale TEXT NOT NULL DEFAULT '');"
        "CREATE INDEX cases_created ON cases(created_ms);"
        "CREATE INDEX cases_visit ON cases(visit_id);"
        "CREATE TABLE events ("
        "  id INTEGER PRIMARY KEY,"
        "  visit_id INTEGER NOT NULL REFERENCES visits(id),"
        "  ts_ms INTEGER NOT NULL,"
        "  kind TEXT NOT NULL CHECK (kind IN ('search','click','view','vote',"
        "    'case_form','suggest','deflect','case')),"
        "  locale TEXT, query TEXT, article TEXT, section TEXT,"
        "  rank INTEGER, results INTEGER, latency_us INTEGER,"
        "  helpful INTEGER CHECK (helpful IN (0, 1)),"
        "  reason TEXT CHECK (reason IN ('not_related','did_not_answer','other')),"
        "  comment TEXT,"
        "  source TEXT CHECK (source IN ('article','case_form')),"
        "  articles TEXT,"
        "  case_id TEXT);"
        "CREATE INDEX events_visit_ts ON events(visit_id, ts_ms);"
        "CREATE INDEX events_ts ON events(ts_ms);"},

    {2, "CREATE TABLE outbox ("
        "  id INTEGER PRIMARY KEY,"
        "  case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,"
        "  payload TEXT NOT NULL,"
        "  attempts INTEGER NOT NULL DEFAULT 0,"
        "  next_attempt_ms INTEGER NOT NULL,"
        "  delivered_ms INTEGER);"
        "CREATE INDEX outbox_due ON outbox(next_attempt_ms)"
        "  WHERE delivered_ms IS NULL;"
        "CREATE INDEX outbox_case ON outbox(case_id);"},

    {5, "ALTER TABLE cases ADD COLUMN idem TEXT;"
        "CREATE UNIQUE INDEX cases_idem ON cases(idem);"},
};

const struct storedb_step *eventlog_schema_steps(size_t *n)
{
    *n = sizeof steps / sizeof steps[0];
    return steps;
}
