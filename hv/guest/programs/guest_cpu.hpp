// The guest's own descriptor tables, for the test programs that need exceptions delivered to
// handlers or code at CPL 3: a GDT (kernel and user code/data, a TSS), an IDT.
#pragma once
#include <stdint.h>

namespace guest {

constexpr uint16_t kKernelCode = 0x08, kKernelData = 0x10, kUserData = 0x1b, kUserCode = 0x23, kTss = 0x28;

// Loads the GDT and TSS (RSP0 = `kernel_stack`) and an IDT with no gates.
void install_tables(uint64_t kernel_stack);
// Sets gate `vector` to `handler` in code segment `selector` (kKernelCode or kUserCode) with
// the given DPL.
void set_gate(unsigned vector, void (*handler)(), uint16_t selector, unsigned dpl);
// Drops to CPL 3 at `rip` on `rsp` with RFLAGS = `rflags` (IF is cleared). Does not return.
[[noreturn]] void enter_user(void (*rip)(), uint64_t rsp, uint64_t rflags);

} // namespace guest
