/* evwrite.c -- visit and event rows. */
#include "evwrite.h"

#include <stdlib.h>

#include "event.h"
#include "storeval.h"

enum { ST_VISIT_UPSERT, ST_EVENT_INSERT, ST_COUNT };

static const char *const sql[ST_COUNT] = {
    [ST_VISIT_UPSERT] = "INSERT INTO visits(key, first_ms) VALUES(?1, ?2)"
                        " ON CONFLICT(key) DO UPDATE SET"
                        " first_ms = min(visits.first_ms, excluded.first_ms) RETURNING id",
    [ST_EVENT_INSERT] = "INSERT INTO events(visit_id, ts_ms, kind, locale, query, article,"
                        " section, rank, results, latency_us, helpful, reason, comment,"
                        " source, articles, case_id)"
                        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
                        " ?14, ?15, ?16)",
};

store_status evwrite_init(struct evwrite *w, struct storedb *db)
{
    struct sdb_stmt *st[ST_COUNT] = {NULL, NULL};
    store_status r;

    w->db = db;
    r = storedb_prepare(db, sql, st, ST_COUNT);
    w->visit_upsert = st[ST_VISIT_UPSERT];
    w->event_insert = st[ST_EVENT_INSERT];
    return r;
}

void evwrite_release(struct evwrite *w)
{
    struct sdb_stmt *st[ST_COUNT] = {w->visit_upsert, w->event_insert};

    storedb_finalize(st, ST_COUNT);
    w->visit_upsert = w->event_insert = NULL;
}

store_status evwrite_visit(struct evwrite *w, const char *key, long long ms, long long *id)
{
    struct sdb_stmt *st = w->visit_upsert;
    store_status r;

    if ((r = storedb_bind_text(w->db, st, 1, key))) {
        storedb_done(st);
        return r;
    }
    sdb_bind_int64(st, 2, ms);
    if (sdb_step(st) != SDB_ROW) {
        r = storedb_sqlfail(w->db, "visit");
        storedb_done(st);
        return r;
    }
    *id = sdb_column_int64(st, 0);
    return storedb_run(w->db, st, "visit");
}

static int bind_opt_int(struct sdb_stmt *st, int idx, int on, long long v)
{
    return on ? sdb_bind_int64(st, idx, v) : sdb_bind_null(st, idx);
}

static const char *field(const struct event_kind_info *k, unsigned f, const char *s)
{
    return (k->fields & f) ? s : NULL;
}

store_status evwrite_event(struct evwrite *w, const struct eventlog_event *ev)
{
    struct sdb_stmt *st = w->event_insert;
    const struct event_kind_info *k;
    const char *section;
    char *articles = NULL;
    long long vid;
    store_status r;

    if ((r = event_check(w->db, ev, "")))
        return r;
    k = event_kind(ev->kind);
    if ((r = evwrite_visit(w, ev->visit, storeval_ms(ev->ts), &vid)))
        return r;
    if ((k->fields & EVENT_F_ARTICLES) && !(articles = event_articles_text(ev)))
        return storedb_fail(w->db, STORE_ERR_NOMEM, "out of memory");
    section = field(k, EVENT_F_SECTION, ev->section);
    if (section && !section[0])
        section = NULL;
    sdb_bind_int64(st, 1, vid);
    sdb_bind_int64(st, 2, storeval_ms(ev->ts));
    sdb_bind_text(st, 3, k->name);
    bind_opt_int(st, 8, (k->fields & EVENT_F_RANK) && ev->rank > 0, ev->rank);
    bind_opt_int(st, 9, (k->fields & EVENT_F_RESULTS) && ev->results >= 0, ev->results);
    bind_opt_int(st, 10, (k->fields & EVENT_F_LATENCY) && ev->latency_us >= 0,
                 ev->latency_us);
    bind_opt_int(st, 11, (k->fields & EVENT_F_HELPFUL), ev->helpful);
    if ((r = storedb_bind_text(w->db, st, 4, ev->locale)) ||
        (r = storedb_bind_text(w->db, st, 5, field(k, EVENT_F_QUERY, ev->query))) ||
        (r = storedb_bind_text(w->db, st, 6, field(k, EVENT_F_ARTICLE, ev->article))) ||
        (r = storedb_bind_text(w->db, st, 7, section)) ||
        (r = storedb_bind_text(w->db, st, 12, field(k, EVENT_F_REASON, ev->reason))) ||
        (r = storedb_bind_text(w->db, st, 13, field(k, EVENT_F_COMMENT, ev->comment))) ||
        (r = storedb_bind_text(w->db, st, 14, field(k, EVENT_F_SOURCE, ev->source))) ||
        (r = storedb_bind_text(w->db, st, 15, articles)) ||
        (r = storedb_bind_text(w->db, st, 16, field(k, EVENT_F_CASE, ev->case_id))))
        storedb_done(st);
    else
        r = storedb_run(w->db, st, "record");
    free(articles);
    return r;
}
