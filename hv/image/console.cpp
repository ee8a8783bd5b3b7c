#include "hv/image/console.hpp"

#include <new>

#include <stdarg.h>

#include "arch/x86/cpu.hpp"
#include "hv/lib/format.hpp"

namespace sp::image {
namespace {
x86::Serial16550 com1;
// Constructed in place by console_init(), so the console works even before (or without)
// global constructors and never depends on their order.
alignas(Console) unsigned char console_storage[sizeof(Console)];
Console* instance = nullptr;
} // namespace

void console_init()
{
    com1.init();
    if (!instance) instance = new (console_storage) Console(com1);
}

Console& console() { return *instance; }

void console_emergency_write(const char* text)
{
    if (instance) instance->flush();
    for (const char* p = text; *p; ++p) {
        if (*p == '\n')
            while (!com1.try_send('\r')) x86::cpu_relax();
        while (!com1.try_send(static_cast<uint8_t>(*p))) x86::cpu_relax();
    }
}

void console_emergency_format(const char* fmt, ...)
{
    char line[256];
    BufferSink sink(line, sizeof line);
    va_list args;
    va_start(args, fmt);
    vformat(sink, fmt, args);
    va_end(args);
    console_emergency_write(line);
}

} // namespace sp::image
