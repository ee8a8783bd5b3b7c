// Host-build panic: report on stderr and abort (tests and benchmarks).
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include "hv/lib/panic.hpp"

namespace sp {

void panic(const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    std::fputs("samepage panic: ", stderr);
    std::vfprintf(stderr, fmt, args);
    std::fputc('\n', stderr);
    va_end(args);
    std::abort();
}

} // namespace sp
