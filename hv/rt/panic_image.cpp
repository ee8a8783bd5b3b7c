// Image panic: the reason, the registers a C++ caller still has, and a frame-pointer backtrace
// on the serial console, then halt (or end the emulator with a failure in test mode).
#include <stdarg.h>
#include <stdint.h>

#include "arch/x86/cpu.hpp"
#include "arch/x86/test_exit.hpp"
#include "hv/image/console.hpp"
#include "hv/lib/format.hpp"
#include "hv/lib/panic.hpp"

extern "C" char ImageBase[];

namespace sp {
namespace {
bool panicking = false;

} // namespace

void panic(const char* fmt, ...)
{
    x86::disable_interrupts();
    if (panicking) { // a panic while reporting a panic: say the least possible
        image::console_emergency_write("\nPANIC (nested)\n");
        x86::test_exit(false);
        x86::halt_forever();
    }
    panicking = true;

    char reason[256];
    BufferSink sink(reason, sizeof reason);
    va_list args;
    va_start(args, fmt);
    vformat(sink, fmt, args);
    va_end(args);

    uint64_t rsp, rbp;
    asm volatile("mov %%rsp, %0; mov %%rbp, %1" : "=r"(rsp), "=r"(rbp));
    image::console_emergency_format("\nPANIC: %s\n", reason);
    image::console_emergency_format("  caller %p  rsp %016llx  rbp %016llx  rflags %016llx\n",
              __builtin_return_address(0), (unsigned long long)rsp, (unsigned long long)rbp,
              (unsigned long long)x86::read_rflags());
    image::console_emergency_format("  cr0 %016llx  cr2 %016llx  cr3 %016llx  cr4 %016llx\n",
              (unsigned long long)x86::read_cr0(), (unsigned long long)x86::read_cr2(),
              (unsigned long long)x86::read_cr3(), (unsigned long long)x86::read_cr4());
    image::console_emergency_format("  image base %p; backtrace (image offsets, for addr2line -e samepage.so):\n",
              static_cast<void*>(ImageBase));
    // Walk saved frame pointers; stop at anything implausible rather than fault again.
    auto frame = reinterpret_cast<uint64_t*>(rbp);
    for (int depth = 0; depth < 16 && frame && (reinterpret_cast<uint64_t>(frame) & 7) == 0; ++depth) {
        uint64_t ret = frame[1];
        if (ret < reinterpret_cast<uint64_t>(ImageBase)) break;
        image::console_emergency_format("    #%d 0x%llx\n", depth,
                  (unsigned long long)(ret - reinterpret_cast<uint64_t>(ImageBase)));
        auto next = reinterpret_cast<uint64_t*>(frame[0]);
        if (next <= frame) break;
        frame = next;
    }
    image::console_emergency_format("System halted.\n");
    x86::test_exit(false);
    x86::halt_forever();
}

} // namespace sp
