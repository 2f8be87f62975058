/* utf8.c -- see utf8.h; table-tested in tests/test_escape.c. */
#include "utf8.h"

size_t utf8_decode(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    uint32_t v, min;
    size_t need;
    if (n == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    /* 0xC0 and 0xC1 could only start overlong forms; 0xF5 and above
     * only values past U+10FFFF. */
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        need = 1, min = 0x80, v = s[0] & 0x1Fu;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        need = 2, min = 0x800, v = s[0] & 0x0Fu;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        need = 3, min = 0x10000, v = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (n <= need)
        return 0;
    for (size_t i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return need + 1;
}

size_t utf8_bad_length(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned char lo = 0x80, hi = 0xBF;
    size_t need;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        need = 2;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        need = 3;
        lo = s[0] == 0xE0 ? 0xA0 : 0x80; /* overlong */
        hi = s[0] == 0xED ? 0x9F : 0xBF; /* surrogates */
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        need = 4;
        lo = s[0] == 0xF0 ? 0x90 : 0x80; /* overlong */
        hi = s[0] == 0xF4 ? 0x8F : 0xBF; /* above U+10FFFF */
    } else {
        return 1;
    }
    size_t i;
    for (i = 1; i < need && i < n && s[i] >= lo && s[i] <= hi; i++)
        lo = 0x80, hi = 0xBF;
    return i;
}

size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = UTF8_REPLACEMENT;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int utf8_valid(const char *s, size_t len, size_t *bad_off)
{
    uint32_t cp;
    size_t k;
    for (size_t i = 0; i < len; i += k) {
        if (s[i] == '\0' || (k = utf8_decode(s + i, len - i, &cp)) == 0) {
            if (bad_off)
                *bad_off = i;
            return 0;
        }
    }
    return 1;
}

int utf8_valid_text(const char *s, size_t len)
{
    uint32_t cp = 0;
    size_t k;
    for (size_t i = 0; i < len; i += k) {
        if ((k = utf8_decode(s + i, len - i, &cp)) == 0)
            return 0;
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F)
            return 0;
    }
    return 1;
}
