// One guest CPU on Intel VMX: its VMCS, I/O and MSR bitmaps (everything intercepted; the common
// exit handling decides), the guest registers the VMCS does not hold, and the MSRs VMX does not
// switch (LazyMsrs). Image only: it executes VMX instructions.
#pragma once
#include <stdint.h>

#include "arch/vmx/vmcs_image.hpp"
#include "arch/vmx/vmx_exit_decode.hpp"
#include "hv/vm/guest_state.hpp"
#include "mm/frame_allocator.hpp"

namespace sp::vmx {

class VmxVcpu {
public:
    // Builds the VMCS for a 64-bit guest entered at rip/rsp with its own page tables at cr3.
    // `vpid` 0 runs without VPID. Returns nullptr on success, else why not (frames released).
    const char* init(mm::FrameAllocator& frames, mm::Owner owner, unsigned cpu, uint16_t vpid, uint64_t eptp,
                     uint64_t rip, uint64_t rsp, uint64_t cr3);
    // VMCLEAR (so the CPU no longer caches it), then gives every frame back.
    void release(mm::FrameAllocator& frames);

    // Enters the guest once, delivering `event`. The VMX-preemption timer takes the CPU back
    // after `slice_tsc` TSC ticks at most, also from a guest spinning with interrupts off
    // (Bochs ignores external-interrupt exiting then). Pending host interrupts are taken
    // before this returns.
    const ExitSnapshot& run(unsigned cpu, const vm::EventInjection& event, uint64_t slice_tsc);

    GuestGprs& gprs() { return gprs_; }
    LazyMsrs& msrs() { return msrs_; }
    const ExitSnapshot& snapshot() const { return snapshot_; }
    bool initialized() const { return vmcs_pa_ != 0; }

    // VMWRITE into this vCPU's VMCS (made current first).
    void write(uint32_t field, uint64_t value);
    // The guest changed an MSR VMX does not switch: load them all before the next entry.
    void lazy_msrs_changed();
    // After a failed entry: the VMCS as the CPU holds it, for the VM-entry checks.
    void read_back(VmcsImage& out);

private:
    void make_current();
    const char* write_image(const VmcsImage& image);
    void load_lazy_msrs();

    unsigned cpu_ = 0;
    uint64_t vmcs_pa_ = 0;
    uint64_t io_bitmaps_pa_ = 0; // A and B, 8 KiB
    uint64_t msr_bitmap_pa_ = 0;
    mm::Owner owner_ = mm::Owner::hypervisor();
    bool launched_ = false;
    GuestGprs gprs_{};
    LazyMsrs msrs_{};
    ExitSnapshot snapshot_{};
    char error_[120] = {};
};

} // namespace sp::vmx
