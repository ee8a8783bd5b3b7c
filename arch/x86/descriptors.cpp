#include "arch/x86/descriptors.hpp"

#include <stddef.h>

extern "C" const uint64_t exception_stub_table[32];
extern "C" void interrupt_timer_stub();
extern "C" void interrupt_spurious_stub();

namespace sp::x86 {
namespace {

struct [[gnu::packed]] Tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};

struct [[gnu::packed]] TablePointer {
    uint16_t limit;
    uint64_t base;
};

struct IdtEntry {
    uint64_t low, high;
};

// A separate stack for double faults and NMIs (IST 1), so a stack overflow still gets reported.
alignas(16) unsigned char fault_stack[16384];
Tss64 tss;
uint64_t gdt[5];
IdtEntry idt[256];
TablePointer gdtr, idtr;

constexpr uint64_t code64 = 0x00af9a000000ffffull; // present, ring 0, code, L=1
constexpr uint64_t data64 = 0x00cf92000000ffffull; // present, ring 0, data, writable

void set_tss_descriptor(uint64_t base, uint32_t limit)
{
    // 16-byte system descriptor, type 9 (available 64-bit TSS), present.
    gdt[3] = (limit & 0xffffull) | ((base & 0xffffffull) << 16) | (0x89ull << 40) |
             ((static_cast<uint64_t>(limit) & 0xf0000ull) << 32) | ((base & 0xff000000ull) << 32);
    gdt[4] = base >> 32;
}

IdtEntry interrupt_gate(uint64_t handler, uint8_t ist)
{
    IdtEntry e;
    e.low = (handler & 0xffff) | (static_cast<uint64_t>(selector::kernel_code) << 16) |
            (static_cast<uint64_t>(ist & 7) << 32) | (0x8eull << 40) | // present, interrupt gate
            ((handler & 0xffff0000ull) << 32);
    e.high = handler >> 32;
    return e;
}

} // namespace

void install_descriptor_tables()
{
    gdt[0] = 0;
    gdt[1] = code64;
    gdt[2] = data64;
    tss.ist[0] = reinterpret_cast<uint64_t>(fault_stack + sizeof fault_stack);
    tss.iomap_base = sizeof(Tss64); // no I/O permission bitmap
    set_tss_descriptor(reinterpret_cast<uint64_t>(&tss), sizeof(Tss64) - 1);

    gdtr = {sizeof gdt - 1, reinterpret_cast<uint64_t>(gdt)};
    asm volatile("lgdt %0" ::"m"(gdtr));
    // Reload CS with a far return, then the data segments and TR.
    asm volatile("pushq %[cs]\n\t"
                 "leaq 1f(%%rip), %%rax\n\t"
                 "pushq %%rax\n\t"
                 "lretq\n"
                 "1:\n\t"
                 "movw %[ds], %%ax\n\t"
                 "movw %%ax, %%ds\n\t"
                 "movw %%ax, %%es\n\t"
                 "movw %%ax, %%ss\n\t"
                 "movw %%ax, %%fs\n\t"
                 "movw %%ax, %%gs\n\t"
                 "ltr %w[tr]"
                 :
                 : [cs] "i"(selector::kernel_code), [ds] "i"(selector::kernel_data),
                   [tr] "r"(selector::tss)
                 : "rax", "memory");

    for (int v = 0; v < 32; ++v) {
        uint8_t ist = (v == 2 || v == 8 || v == 18) ? 1 : 0; // NMI, #DF, #MC
        idt[v] = interrupt_gate(exception_stub_table[v], ist);
    }
    idt[vector::timer] = interrupt_gate(reinterpret_cast<uint64_t>(interrupt_timer_stub), 0);
    idt[vector::spurious] = interrupt_gate(reinterpret_cast<uint64_t>(interrupt_spurious_stub), 0);
    idtr = {sizeof idt - 1, reinterpret_cast<uint64_t>(idt)};
    asm volatile("lidt %0" ::"m"(idtr));
}

DescriptorBases descriptor_bases()
{
    return {gdtr.base, idtr.base, reinterpret_cast<uint64_t>(&tss)};
}

void reload_descriptor_table_registers()
{
    asm volatile("lgdt %0\n\tlidt %1" ::"m"(gdtr), "m"(idtr));
}

} // namespace sp::x86
