/* openapi.h -- kb-serve's OpenAPI 3.1 document, compiled in.
 *
 * The document is search/http/openapi.json; the build turns it into
 * these constants (cmake/embed_file.cmake), so the description ships
 * inside the program whose routes it describes, whatever folder --web
 * names.  tests/openapi checks it against the route table and the
 * server's real answers, and lints it. */
#ifndef KB_OPENAPI_H
#define KB_OPENAPI_H

#include <stddef.h>

/* The document's bytes (UTF-8 JSON), followed by a NUL; static. */
extern const unsigned char openapi_doc[];
/* Its length in bytes, without the NUL. */
extern const size_t openapi_doc_len;

#endif
