/* strbuf.h -- a growable byte buffer for building responses.
 *
 * Invariants: buf is always NUL-terminated (len excludes the NUL) once
 * anything was added; after an allocation failure the buffer is marked
 * failed, further appends are no-ops and strbuf_failed() says so, so
 * callers check once at the end instead of after every append. */
#ifndef KB_STRBUF_H
#define KB_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
    char *buf;
    size_t len;
    size_t cap;
    int failed;
};

#define STRBUF_INIT {NULL, 0, 0, 0}

void strbuf_add(struct strbuf *sb, const char *data, size_t len);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int strbuf_failed(const struct strbuf *sb);
/* Empties the buffer but keeps its memory (and a failure: it sticks
 * until strbuf_release() or strbuf_detach()). */
void strbuf_reset(struct strbuf *sb);
/* Hands the buffer to the caller (free() it); sb is reset.  Never NULL
 * unless allocation failed. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_release(struct strbuf *sb);

#endif
