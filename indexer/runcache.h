/* runcache.h -- what one kb-index run leaves for the next one.
 *
 * Beside the index, in INDEX/kb-index.cache, each run that commits
 * leaves what the next run needs and the index cannot give cheaply, as
 * one JSON object written to a temporary file and renamed over the old
 * one:
 *
 *   {"format":1, "hash_context":"<hash of nothing under these options>",
 *    "revision":R, "articles":N, "sections":N,  (kb_get_stats after commit)
 *    "started_ns":T,                             (wall clock at run start)
 *    "files":{"<path>":[dev, ino, size, mtime_ns, ctime_ns, "<hash>"]},
 *    "links":{...the link map, linkcheck.c...}}
 *
 * "files" lets a run skip reading and hashing a file whose stat() is
 * what it was when its hash was taken.  That is sound without trusting
 * the index: the hash is still compared with the one the index keeps.
 * A change made just after a file was read could keep its timestamps
 * (same clock tick), so a remembered hash counts only for files whose
 * ctime and mtime are two seconds older than the run that took it;
 * newer ones are hashed again.  Every write to a file moves its ctime,
 * which no program can set back.
 *
 * "links" is used only when the index is still at the revision and
 * counts the cache was written for: any other writer (an older
 * kb-index, a run that could not save) moves the revision, and the
 * link map is then built again from the stored records.  A cache that
 * is missing, unreadable or from other options is simply not used.
 *
 * One struct runcache lives for one run: it holds the records loaded
 * from the last run's cache and collects the records for the next. */
#ifndef KB_RUNCACHE_H
#define KB_RUNCACHE_H

#include "kb.h"
#include "linkcheck.h"
#include "scan.h"

struct runcache;

/* A cache for a run over the index in index_dir (not kept).
 * hash_context is the content hash of nothing under this run's options
 * (32 hex digits, copied): a cache written under another one is not
 * used.  started_ns is the wall clock at the start of this run, taken
 * before the content was scanned.  Nothing is read yet.  Returns NULL
 * on OOM; free with runcache_free(). */
struct runcache *runcache_new(const char *index_dir, const char *hash_context,
                              long long started_ns);

/* NULL is a harmless no-op. */
void runcache_free(struct runcache *rc);

/* Reads the last run's cache.  When its format and hash context fit,
 * its file records become available to runcache_hash(); when, in
 * addition, ix is still at the revision and counts it was written for,
 * its link map is handed to linkcheck_restore(lc).  A cache that is
 * missing, unreadable or does not fit is left unused, silently: the
 * run then reads every file and lets linkcheck_run() rebuild the map.
 * Call at most once, before the run changes the index. */
void runcache_load(struct runcache *rc, kb_index *ix, struct linkcheck *lc);

/* The content hash the loaded cache remembers for f, when f's stat()
 * is what it was then and was not racy (see above); else NULL (also
 * when nothing was loaded).  Borrowed: valid until runcache_free(). */
const char *runcache_hash(const struct runcache *rc, const struct content_file *f);

/* Carries the record of path (a content path) from the loaded cache
 * over to the next run's: for a file skipped on the strength of
 * runcache_hash() != NULL, or one the run could not look at (below a
 * folder it could not read).  No-op when the loaded cache has none. */
void runcache_keep(struct runcache *rc, const char *path);

/* Notes f's stat() and its content hash (32 hex digits, copied) for
 * the next run.  Like runcache_keep(), it cannot fail: on OOM the
 * record is missing and the next run reads and hashes f again. */
void runcache_remember(struct runcache *rc, const struct content_file *f,
                       const char *hash);

/* Writes the cache for the revision of ix just committed, with the
 * records noted in this run and the link map of lc, through a
 * temporary file renamed over the old cache.  When the map is not
 * complete or ix cannot give its stats, nothing is written and 0 is
 * returned: the old cache stays, and its revision no longer fits.
 * Returns -1 when the file could not be written (the temporary file is
 * removed; nothing is printed).  That is not an error of the run: the
 * next run does without. */
int runcache_save(struct runcache *rc, kb_index *ix, struct linkcheck *lc);

/* The cache file's path, for messages.  Borrowed: valid until
 * runcache_free(). */
const char *runcache_path(const struct runcache *rc);

#endif
