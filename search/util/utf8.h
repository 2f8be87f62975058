/* utf8.h -- the one UTF-8 decoder and encoder, and the checks made
 * with them.
 *
 * Well-formed means what the Unicode Standard (table 3-7) allows: no
 * overlong forms, no surrogates (U+D800-U+DFFF), nothing above U+10FFFF
 * and no truncated sequence.  No state, no allocation: safe from any
 * thread. */
#ifndef KB_UTF8_H
#define KB_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_REPLACEMENT 0xFFFDu /* U+FFFD, for what cannot be shown */

/* Decodes the character at s, of which n bytes are available (n may be
 * 0).  Returns its length in bytes (1-4) and its code point in *cp, or
 * 0 when the bytes at s are not well-formed UTF-8 (then *cp is left as
 * it was).  A NUL byte is a character of length 1 here; the checks
 * below are what refuse it. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

/* For bytes at s (n > 0 available) that utf8_decode refuses: the
 * length of their maximal subpart (Unicode 3.9, "U+FFFD substitution
 * of maximal subparts"), the bytes one U+FFFD stands for when
 * ill-formed text is repaired: at least 1. */
size_t utf8_bad_length(const char *s, size_t n);

/* Writes cp as UTF-8 into out, which has room for 4 bytes, and returns
 * the number of bytes written.  A surrogate or a value above U+10FFFF
 * is written as U+FFFD. */
size_t utf8_encode(uint32_t cp, char *out);

/* Returns 1 when s[0..len) is well-formed UTF-8 without NUL bytes;
 * else 0, and *bad_off (when not NULL) is the offset of the first byte
 * that is not part of a well-formed character, or the NUL. */
int utf8_valid(const char *s, size_t len, size_t *bad_off);

/* Returns 1 when s[0..len) is well-formed UTF-8 with no NUL, no DEL
 * and no C0 control other than tab, CR and LF; 0 otherwise.  For text
 * from requests. */
int utf8_valid_text(const char *s, size_t len);

#endif
