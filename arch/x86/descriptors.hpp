// Our own GDT (with a 64-bit TSS: VMX entry rejects a null host TR, and OVMF leaves TR = 0) and
// an IDT whose exception vectors print a diagnostic and halt.
#pragma once
#include <stdint.h>

namespace sp::x86 {

namespace selector {
constexpr uint16_t kernel_code = 0x08;
constexpr uint16_t kernel_data = 0x10;
constexpr uint16_t tss = 0x18;
} // namespace selector

// Interrupt vectors the hypervisor uses (above the 32 exception vectors).
namespace vector {
constexpr uint8_t timer = 0x20;    // LAPIC timer: time slices
constexpr uint8_t spurious = 0xff; // LAPIC spurious interrupts: no EOI
} // namespace vector

// Loads the GDT, reloads every segment register, loads TR, and installs the IDT. Call once per
// CPU after ExitBootServices, with interrupts disabled.
void install_descriptor_tables();

// Where this CPU's tables are (the VMX host state needs the bases).
struct DescriptorBases {
    uint64_t gdt = 0, idt = 0, tss = 0;
};
DescriptorBases descriptor_bases();

// Loads GDTR and IDTR again: a VMX exit leaves both limits at 0xFFFF.
void reload_descriptor_table_registers();

// Registers saved by the exception entry stubs, lowest address first.
struct ExceptionFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss; // pushed by the CPU
};

} // namespace sp::x86
