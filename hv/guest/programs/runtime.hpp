// What every C++ test guest program has: its parameters, the serial port, the hypercalls
// (docs/hypercalls.md) and a few formatting helpers. Built freestanding for the guest, never
// for the hypervisor: nothing here may depend on Samepage's own code but the shared layout.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/guest/test_guest_image.hpp"

namespace guest {

using Params = sp::TestGuestParams;

inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

struct Cpuid {
    uint32_t eax, ebx, ecx, edx;
};
inline Cpuid cpuid(uint32_t leaf, uint32_t subleaf = 0)
{
    Cpuid r;
    asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

inline uint64_t rdmsr(uint32_t index)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(index));
    return (uint64_t(hi) << 32) | lo;
}
inline void wrmsr(uint32_t index, uint64_t value)
{
    asm volatile("wrmsr" ::"c"(index), "a"(uint32_t(value)), "d"(uint32_t(value >> 32)) : "memory");
}

[[noreturn]] inline void halt_forever()
{
    for (;;) asm volatile("cli; hlt");
}

// True on AMD (VMMCALL), false on Intel (VMCALL).
bool amd_cpu();
// One hypercall: RAX function, RBX and RCX arguments; returns RAX.
int64_t hypercall(uint64_t function, uint64_t arg1 = 0, uint64_t arg2 = 0);

namespace call {
constexpr uint64_t version = 0, print = 1, report_result = 2, report_figure = 3, take_request = 4;
}

// Serial output (the VM's virtual 16550: `vm log ID`).
void print(const char* text);
void print_u64(uint64_t value);
void print_hex(uint64_t value);
// "name: value\n" on the serial port and as a hypercall figure (`vm info ID`).
void figure(const char* name, uint64_t value);
// The same as a hypercall figure only, for values updated often (progress counters).
void quiet_figure(const char* name, uint64_t value);
// The console's request word (`vm request ID WORD`), 0 when there is none; taken once.
uint64_t take_request();
// Reports the verdict; the VM stops there.
[[noreturn]] void report(bool passed, uint64_t code = 0);

// splitmix64: the seeded generator every program uses for its data.
inline uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// Pattern memcheck writes: the high half tags the word (the attack guest looks for the tag in
// memory it is given), the low half depends on the seed and the address.
constexpr uint32_t kMemcheckTag = 0x6d656d63; // "memc"
inline uint64_t memcheck_word(uint64_t seed, uint64_t address)
{
    return (uint64_t(kMemcheckTag) << 32) | uint32_t(mix(seed ^ address));
}

} // namespace guest

// Each program defines it; `params` is at sp::test_guest_params.
extern "C" void guest_main(const guest::Params& params);
