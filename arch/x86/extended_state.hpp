// Guests' extended register state (x87, SSE, AVX and whatever else XCR0 may enable), kept per
// vCPU while that vCPU is off the CPU. SVM and VMX switch none of it: the registers a guest
// leaves behind are still live after its exit. The hypervisor itself uses no vector registers
// (-mgeneral-regs-only), so state moves only when a different vCPU runs on this CPU (lazily):
// the previous owner's registers go to its area (XSAVE with every component, or FXSAVE where
// the CPU has no XSAVE), the next one's come back (XRSTOR/FXRSTOR), then XCR0 becomes the next
// guest's own value.
#pragma once
#include <stdint.h>

#include "mm/frame_allocator.hpp"

namespace sp::x86 {

struct ExtendedStateInfo {
    bool xsave = false;     // XSAVE/XRSTOR and XCR0; otherwise FXSAVE/FXRSTOR (512 bytes)
    uint64_t xcr0_all = 0;  // the components Samepage saves and lets guests enable
    uint32_t area_bytes = 0;
};

// Boot CPU: CR4.OSFXSR/OSXMMEXCPT, and with XSAVE CR4.OSXSAVE and XCR0 = every component this
// code can switch (x87, SSE, AVX, AVX-512, as CPUID leaf 0xD offers; not the supervisor or
// AMX tile components). Returns what was set up.
const ExtendedStateInfo& enable_extended_state();
const ExtendedStateInfo& extended_state_info();

// One vCPU's saved registers.
class ExtendedState {
public:
    // An area in reset state (x87 FCW 0x37F, MXCSR 0x1F80, XCR0 = x87 only), from `frames`.
    const char* init(mm::FrameAllocator& frames, mm::Owner owner);
    void release(mm::FrameAllocator& frames);

    uint64_t xcr0() const { return xcr0_; }
    // A new XCR0 from the guest (XSETBV, already checked): takes effect at once when this
    // state is the one in the registers, else at its next load.
    void set_xcr0(uint64_t value);

    // Makes this vCPU's state the one in the registers of CPU `cpu` (saving the previous
    // owner's first); call right before entering the guest.
    void load(unsigned cpu);
    // After an exit: XCR0 as the guest left it (only changes where XSETBV is not intercepted,
    // as under QEMU's TCG).
    void note_exit();

private:
    void save();
    void restore();

    uint64_t area_pa_ = 0;
    unsigned area_order_ = 0;
    mm::Owner owner_ = mm::Owner::hypervisor();
    uint64_t xcr0_ = 1;
};

} // namespace sp::x86
