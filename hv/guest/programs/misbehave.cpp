// misbehave: one program, many bad guests (misbehave_modes.hpp). Each mode does one thing a
// hostile or broken guest might do; Samepage must stop (or, for the reset ports, restart) only
// this VM with a one-line diagnostic, or, where the right answer is an error code or a quiet
// refusal, the program checks the answer and reports its verdict.
#include "hv/guest/programs/guest_cpu.hpp"
#include "hv/guest/programs/misbehave_modes.hpp"
#include "hv/guest/programs/runtime.hpp"

namespace {

using guest::Misbehaviour;

constexpr uint32_t kEfer = 0xc0000080, kVmCr = 0xc0010114, kHsavePa = 0xc0010117, kFeatureControl = 0x3a;
// Survives a VM restart (RAM is kept, as on a real reset); the loader only rewrites the
// tables, the parameters and the program.
constexpr uint64_t kRestartMarkerAt = 0x8000;
constexpr uint64_t kRestartMarker = 0x7472617473657221ull; // "!restart"

void ud_with_no_idt()
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } empty{0, 0};
    asm volatile("lidt %0; ud2" ::"m"(empty));
}

void garbage_hypercalls()
{
    int ok = 0;
    ok += guest::hypercall(0xdeadbeef) == -1;                     // unknown function
    ok += guest::hypercall(guest::call::print, 1ull << 40, 8) == -2; // not RAM
    ok += guest::hypercall(guest::call::print, 0x100000, 5000) == -3; // too long
    ok += guest::hypercall(guest::call::report_result, 7, 0) == -3;  // no such verdict
    static const char bad_name[] = "no spaces allowed";
    ok += guest::hypercall(guest::call::report_figure, reinterpret_cast<uint64_t>(bad_name), 1) == -3;
    guest::figure("errors_as_documented", ok);
    guest::report(ok == 5, ok);
}

void io_storm()
{
    for (int i = 0; i < 200000; ++i) guest::outb(0x2a0, static_cast<uint8_t>(i));
    guest::print("io-storm: 200000 writes done\n");
    guest::report(true);
}

void invd_keeps_writes()
{
    static volatile uint64_t cell;
    cell = 0x1234;
    asm volatile("wbinvd" ::: "memory"); // the line is in memory...
    cell = 0x5678;                       // ...and this write may sit only in the cache
    asm volatile("invd" ::: "memory");
    guest::figure("value_after_invd", cell);
    guest::report(cell == 0x5678, cell);
}

// #AC: CPL 3, CR0.AM and RFLAGS.AC on, and the #AC gate leads to CPL-3 code whose first
// instruction is itself misaligned, so each delivery faults again at the same place.
alignas(16) uint8_t user_stack[64 << 10];
alignas(16) uint8_t kernel_stack[16 << 10];

} // namespace
extern "C" {
alignas(8) volatile uint8_t misaligned[16];
}
namespace {

extern "C" void ac_handler();
extern "C" void ac_user_code();
extern "C" void ud_kernel_handler();
asm(".text\n"
    "ac_handler:\n"
    "  movq misaligned+1(%rip), %rax\n" // faults again with AC on: the loop
    "  jmp ac_handler\n"
    "ac_user_code:\n"
    "  movq misaligned+1(%rip), %rax\n" // the first #AC
    "  ud2\n"                           // reached only when the CPU checks no alignment
    "ud_kernel_handler:\n"
    "  call no_alignment_check\n");

extern "C" [[noreturn]] void no_alignment_check()
{
    guest::print("ac-loop: this CPU raised no #AC, so the loop cannot be made here\n");
    guest::report(false, 0xac);
}

void ac_loop()
{
    guest::install_tables(reinterpret_cast<uint64_t>(kernel_stack + sizeof kernel_stack));
    guest::set_gate(17, ac_handler, guest::kUserCode, 0);
    guest::set_gate(6, ud_kernel_handler, guest::kKernelCode, 0);
    uint64_t cr0;
    asm volatile("mov %%cr0, %0" : "=r"(cr0));
    asm volatile("mov %0, %%cr0" ::"r"(cr0 | (1ull << 18))); // CR0.AM
    guest::enter_user(ac_user_code, reinterpret_cast<uint64_t>(user_stack + sizeof user_stack), 1ull << 18);
}

// #DB: TF set on a jump to itself, and a handler that returns with TF still set.
extern "C" void db_handler();
asm(".text\n"
    "db_handler:\n"
    "  iretq\n");

void db_loop()
{
    guest::install_tables(reinterpret_cast<uint64_t>(kernel_stack + sizeof kernel_stack));
    guest::set_gate(1, db_handler, guest::kKernelCode, 0);
    asm volatile("pushfq\n\t"
                 "orq $0x100, (%rsp)\n\t"
                 "popfq\n"
                 "1: jmp 1b");
}

void bad_xcr0()
{
    if (!(guest::cpuid(1).ecx & (1u << 26))) {
        guest::print("bad-xcr0: this CPU has no XSAVE\n");
        guest::report(false, 0x5a);
    }
    uint64_t cr4;
    asm volatile("mov %%cr4, %0" : "=r"(cr4));
    asm volatile("mov %0, %%cr4" ::"r"(cr4 | (1ull << 18))); // CR4.OSXSAVE
    asm volatile("xsetbv" ::"c"(0), "a"(2), "d"(0));           // SSE without x87: invalid
    guest::print("bad-xcr0: XSETBV accepted XCR0=2\n");
    guest::report(false, 2);
}

void reset_through(uint16_t port, uint8_t value)
{
    auto* marker = reinterpret_cast<volatile uint64_t*>(kRestartMarkerAt);
    if (*marker == kRestartMarker) {
        guest::print("reset: came back after the restart\n");
        guest::report(true);
    }
    *marker = kRestartMarker;
    guest::outb(port, value);
    guest::print("reset: the write to the reset port did not restart the VM\n");
    guest::report(false, 1);
}

} // namespace

extern "C" void guest_main(const guest::Params& params)
{
    switch (static_cast<Misbehaviour>(params.mode)) {
    case Misbehaviour::triple_fault: ud_with_no_idt(); break;
    case Misbehaviour::bad_msr: guest::wrmsr(0xc0de0001, 1); break;
    case Misbehaviour::beyond_ram: *reinterpret_cast<volatile uint64_t*>(params.ram_bytes + 0x1000) = 1; break;
    case Misbehaviour::garbage_hypercall: garbage_hypercalls(); break;
    case Misbehaviour::io_storm: io_storm(); break;
    case Misbehaviour::vmrun: asm volatile("mov $0x10000, %%eax; .byte 0x0f, 0x01, 0xd8" ::: "rax"); break;
    case Misbehaviour::vmload: asm volatile("mov $0x10000, %%eax; .byte 0x0f, 0x01, 0xda" ::: "rax"); break;
    case Misbehaviour::vmsave: asm volatile("mov $0x10000, %%eax; .byte 0x0f, 0x01, 0xdb" ::: "rax"); break;
    case Misbehaviour::stgi: asm volatile(".byte 0x0f, 0x01, 0xdc"); break;
    case Misbehaviour::clgi: asm volatile(".byte 0x0f, 0x01, 0xdd"); break;
    case Misbehaviour::skinit: asm volatile("mov $0x10000, %%eax; .byte 0x0f, 0x01, 0xde" ::: "rax"); break;
    case Misbehaviour::invlpga: asm volatile("xor %%eax, %%eax; xor %%ecx, %%ecx; .byte 0x0f, 0x01, 0xdf" ::: "rax", "rcx"); break;
    case Misbehaviour::vmxon: {
        static uint64_t region = 0x10000;
        asm volatile("vmxon %0" ::"m"(region));
        break;
    }
    case Misbehaviour::vmlaunch: asm volatile("vmlaunch"); break;
    case Misbehaviour::vmresume: asm volatile("vmresume"); break;
    case Misbehaviour::vmxoff: asm volatile("vmxoff"); break;
    case Misbehaviour::vmptrld: {
        static uint64_t region = 0x10000;
        asm volatile("vmptrld %0" ::"m"(region));
        break;
    }
    case Misbehaviour::vmclear: {
        static uint64_t region = 0x10000;
        asm volatile("vmclear %0" ::"m"(region));
        break;
    }
    case Misbehaviour::invept: {
        static uint64_t descriptor[2] = {0, 0};
        asm volatile("invept %0, %1" ::"m"(descriptor), "r"(1ull));
        break;
    }
    case Misbehaviour::invvpid: {
        static uint64_t descriptor[2] = {1, 0};
        asm volatile("invvpid %0, %1" ::"m"(descriptor), "r"(1ull));
        break;
    }
    case Misbehaviour::set_svme: guest::wrmsr(kEfer, guest::rdmsr(kEfer) | (1ull << 12)); break;
    case Misbehaviour::write_hsave: guest::wrmsr(kHsavePa, 0x10000); break;
    case Misbehaviour::write_vm_cr: guest::wrmsr(kVmCr, 0); break;
    case Misbehaviour::write_feature_control: guest::wrmsr(kFeatureControl, 5); break;
    case Misbehaviour::invd: invd_keeps_writes(); break;
    case Misbehaviour::ac_loop: ac_loop(); break;
    case Misbehaviour::db_loop: db_loop(); break;
    case Misbehaviour::bad_xcr0: bad_xcr0(); break;
    case Misbehaviour::reset_kbc: reset_through(0x64, 0xfe); break;
    case Misbehaviour::reset_cf9: reset_through(0xcf9, 0x06); break;
    case Misbehaviour::reset_fast_a20: reset_through(0x92, 0x01); break;
    }
    guest::print("misbehave: the bad deed went unnoticed\n");
    guest::report(false, 0xbad);
}
