/* eval_typo.c -- the anchor queries as a customer might mistype them:
 * one edit (insert, delete, substitute, transpose) in the longest word.
 *
 * Deterministic, so that two runs score the same queries: the edit's
 * kind is given by the caller, its place is the middle of the word. */
#include "eval.h"

#include <stdint.h>
#include <string.h>

#define MAX_CPS 1024

/* Decodes s into code points (at most max); returns how many.  Bytes
 * that are not UTF-8 pass through as themselves. */
static size_t decode(const char *s, uint32_t *cp, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (*p && n < max) {
        uint32_t c = *p;
        size_t len = 1;
        if (c >= 0xF0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 &&
            (p[3] & 0xC0) == 0x80) {
            c = ((c & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) |
                (p[3] & 0x3Fu);
            len = 4;
        } else if (c >= 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
            c = ((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
            len = 3;
        } else if (c >= 0xC0 && (p[1] & 0xC0) == 0x80) {
            c = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
            len = 2;
        }
        cp[n++] = c;
        p += len;
    }
    return n;
}

/* Appends c as UTF-8 to out (room for it is checked by the caller). */
static size_t encode(uint32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Another letter of the same alphabet: the next one for ASCII letters
 * (z wraps to a), the code point next to it otherwise (Cyrillic а→б,
 * a Han character to its neighbour). */
static uint32_t other_letter(uint32_t c)
{
    if (c >= 'a' && c <= 'z')
        return 'a' + (c - 'a' + 1) % 26;
    if (c >= 'A' && c <= 'Z')
        return 'A' + (c - 'A' + 1) % 26;
    return c ^ 1u;
}

static int is_space(uint32_t c)
{
    return c == ' ' || c == '\t' || c == 0x3000;
}

const char *const eval_typo_kinds[EVAL_TYPO_KINDS] = {"insert", "delete", "substitute",
                                                      "transpose"};

int eval_typo(const char *text, unsigned kind, char *out, size_t outsz)
{
    uint32_t cp[MAX_CPS + 1];
    size_t n = decode(text, cp, MAX_CPS), best = 0, best_len = 0;
    for (size_t i = 0; i < n;) {
        if (is_space(cp[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !is_space(cp[j]))
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    int edited = best_len >= 2;
    if (edited) {
        size_t m = best + best_len / 2;
        switch (kind % EVAL_TYPO_KINDS) {
        case 0: /* the middle letter typed twice */
            memmove(cp + m + 1, cp + m, (n - m) * sizeof *cp);
            n++;
            break;
        case 1:
            memmove(cp + m, cp + m + 1, (n - m - 1) * sizeof *cp);
            n--;
            break;
        case 2:
            cp[m] = other_letter(cp[m]);
            break;
        default: {
            size_t a = m - 1;
            if (cp[a] == cp[m] && m + 1 < best + best_len)
                a = m + 1;
            uint32_t t = cp[a];
            cp[a] = cp[m];
            cp[m] = t;
            edited = cp[a] != cp[m];
            break;
        }
        }
    }
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        char buf[4];
        size_t len = encode(cp[i], buf);
        if (w + len + 1 > outsz)
            break;
        memcpy(out + w, buf, len);
        w += len;
    }
    if (outsz)
        out[w < outsz ? w : outsz - 1] = '\0';
    return edited;
}
