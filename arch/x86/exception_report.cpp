// What happens on a CPU exception in the hypervisor itself: a clear report, then halt (or, in
// test mode, end the emulator with a failure). Guests' exceptions never come here.
#include <stdint.h>

#include "arch/x86/cpu.hpp"
#include "arch/x86/descriptors.hpp"
#include "arch/x86/exception_names.hpp"
#include "arch/x86/test_exit.hpp"
#include "hv/image/console.hpp"
#include "hv/lib/format.hpp"

extern "C" char ImageBase[];

namespace {

using ull = unsigned long long;

} // namespace

extern "C" [[noreturn]] __attribute__((used)) void exception_dispatch(sp::x86::ExceptionFrame* f)
{
    auto name = sp::x86::exception_name(f->vector);
    uint64_t base = reinterpret_cast<uint64_t>(ImageBase);
    sp::image::console_emergency_format("\nEXCEPTION %s (vector %llu, %s) in the hypervisor, error code 0x%llx\n", name.mnemonic,
           (ull)f->vector, name.description, (ull)f->error_code);
    sp::image::console_emergency_format("  rip %016llx (image offset 0x%llx)  cs %04llx  rflags %016llx\n", (ull)f->rip,
           (ull)(f->rip - base), (ull)f->cs, (ull)f->rflags);
    sp::image::console_emergency_format("  rsp %016llx  ss %04llx  cr2 %016llx  cr3 %016llx\n", (ull)f->rsp, (ull)f->ss,
           (ull)sp::x86::read_cr2(), (ull)sp::x86::read_cr3());
    sp::image::console_emergency_format("  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n", (ull)f->rax, (ull)f->rbx,
           (ull)f->rcx, (ull)f->rdx);
    sp::image::console_emergency_format("  rsi %016llx  rdi %016llx  rbp %016llx  r8  %016llx\n", (ull)f->rsi, (ull)f->rdi,
           (ull)f->rbp, (ull)f->r8);
    sp::image::console_emergency_format("  r9  %016llx  r10 %016llx  r11 %016llx  r12 %016llx\n", (ull)f->r9, (ull)f->r10,
           (ull)f->r11, (ull)f->r12);
    sp::image::console_emergency_format("  r13 %016llx  r14 %016llx  r15 %016llx\n", (ull)f->r13, (ull)f->r14, (ull)f->r15);
    sp::image::console_emergency_format("System halted.\n");
    sp::x86::test_exit(false);
    sp::x86::halt_forever();
}
