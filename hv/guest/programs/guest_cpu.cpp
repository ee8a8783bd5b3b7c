#include "hv/guest/programs/guest_cpu.hpp"

namespace guest {
namespace {

struct __attribute__((packed)) TableRegister {
    uint16_t limit;
    uint64_t base;
};

struct __attribute__((packed)) Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};

struct Gate {
    uint16_t offset_low, selector;
    uint8_t ist, type;
    uint16_t offset_mid;
    uint32_t offset_high, zero;
};

alignas(16) uint64_t gdt[7];
alignas(16) Gate idt[256];
alignas(16) Tss tss;

} // namespace

void install_tables(uint64_t kernel_stack)
{
    gdt[0] = 0;
    gdt[1] = 0x00af9a000000ffffull; // kernel code, 64-bit
    gdt[2] = 0x00cf92000000ffffull; // kernel data
    gdt[3] = 0x00cff2000000ffffull; // user data, DPL 3
    gdt[4] = 0x00affa000000ffffull; // user code, 64-bit, DPL 3
    tss.rsp[0] = kernel_stack;
    tss.iomap_base = sizeof(Tss);
    uint64_t base = reinterpret_cast<uint64_t>(&tss), limit = sizeof(Tss) - 1;
    gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((base >> 24) & 0xff) << 56);
    gdt[6] = base >> 32;
    TableRegister g{sizeof gdt - 1, reinterpret_cast<uint64_t>(gdt)};
    TableRegister i{sizeof idt - 1, reinterpret_cast<uint64_t>(idt)};
    asm volatile("lgdt %0\n\t"
                 "pushq $0x08\n\t"
                 "leaq 1f(%%rip), %%rax\n\t"
                 "pushq %%rax\n\t"
                 "lretq\n"
                 "1:\n\t"
                 "mov $0x10, %%ax\n\t"
                 "mov %%ax, %%ds\n\t"
                 "mov %%ax, %%es\n\t"
                 "mov %%ax, %%ss\n\t"
                 "mov $0x28, %%ax\n\t"
                 "ltr %%ax\n\t"
                 "lidt %1"
                 :
                 : "m"(g), "m"(i)
                 : "rax", "memory");
}

void set_gate(unsigned vector, void (*handler)(), uint16_t selector, unsigned dpl)
{
    uint64_t at = reinterpret_cast<uint64_t>(handler);
    Gate& gate = idt[vector];
    gate.offset_low = static_cast<uint16_t>(at);
    gate.selector = selector;
    gate.ist = 0;
    gate.type = static_cast<uint8_t>(0x8e | (dpl << 5)); // present 64-bit interrupt gate
    gate.offset_mid = static_cast<uint16_t>(at >> 16);
    gate.offset_high = static_cast<uint32_t>(at >> 32);
    gate.zero = 0;
}

void enter_user(void (*rip)(), uint64_t rsp, uint64_t rflags)
{
    asm volatile("pushq %0\n\t"
                 "pushq %1\n\t"
                 "pushq %2\n\t"
                 "pushq %3\n\t"
                 "pushq %4\n\t"
                 "iretq"
                 :
                 : "i"(kUserData), "r"(rsp), "r"((rflags | 2) & ~0x200ull), "i"(kUserCode),
                   "r"(reinterpret_cast<uint64_t>(rip))
                 : "memory");
    __builtin_unreachable();
}

} // namespace guest
