// Control registers, CPUID and the few privileged instructions the boot path uses.
#pragma once
#include <stdint.h>

namespace sp::x86 {

struct CpuidResult {
    uint32_t eax, ebx, ecx, edx;
};

inline CpuidResult cpuid(uint32_t leaf, uint32_t subleaf = 0)
{
    CpuidResult r;
    asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

#define SP_READ_CR(n)                                                                      \
    inline uint64_t read_cr##n()                                                           \
    {                                                                                      \
        uint64_t v;                                                                        \
        asm volatile("mov %%cr" #n ", %0" : "=r"(v));                                      \
        return v;                                                                          \
    }
SP_READ_CR(0)
SP_READ_CR(2)
SP_READ_CR(3)
SP_READ_CR(4)
#undef SP_READ_CR

inline uint64_t read_rflags()
{
    uint64_t v;
    asm volatile("pushfq; popq %0" : "=r"(v));
    return v;
}

inline uint64_t rdtsc()
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (static_cast<uint64_t>(hi) << 32) | lo;
}

inline void disable_interrupts() { asm volatile("cli" ::: "memory"); }
inline void cpu_relax() { asm volatile("pause"); }

[[noreturn]] inline void halt_forever()
{
    for (;;) asm volatile("cli; hlt");
}

} // namespace sp::x86
