/* test_header_cxx.cc -- kb.h compiles as C++ and links. */
#include "kb.h"

#include <cstdio>
#include <cstring>

int main()
{
    int ok = std::strcmp(kb_status_str(KB_OK), "ok") == 0;
    kb_close(nullptr);
    std::printf("%d passed, %d failed\n", ok, !ok);
    return ok ? 0 : 1;
}
