// One guest CPU on AMD SVM: its VMCB, I/O and MSR permission maps (everything intercepted;
// the common exit handling decides), and the guest registers VMRUN does not keep.
#pragma once
#include <stdint.h>

#include "arch/svm/guest_gprs.hpp"
#include "arch/svm/vmcb.hpp"
#include "mm/frame_allocator.hpp"

namespace sp::svm {

// Where a 64-bit guest starts: paging on (its own CR3), flat segments.
struct LongModeEntry {
    uint64_t rip = 0;
    uint64_t rsp = 0;
    uint64_t cr3 = 0;
};

// The raw figures of one #VMEXIT.
struct RawExit {
    uint64_t code = 0;
    uint64_t info1 = 0;
    uint64_t info2 = 0;
    uint64_t int_info = 0;
    uint64_t next_rip = 0; // 0 unless the CPU has NRIPS
};

class SvmVcpu {
public:
    // Returns nullptr on success, else why the vCPU could not be built (its frames are then
    // released).
    const char* init(mm::FrameAllocator& frames, mm::Owner owner, uint32_t asid, uint64_t nested_cr3,
                     const LongModeEntry& entry);
    void release(mm::FrameAllocator& frames);

    // One VMRUN with the given TLB_CONTROL (entry_flush.hpp decides it).
    RawExit run(unsigned cpu, uint8_t tlb_control);

    // The nested table lost or narrowed a mapping: the next entry must not use translations
    // cached before (plan_entry_flush turns this into a flush or a fresh ASID).
    void request_tlb_flush() { flush_pending_ = true; }
    bool take_flush_request()
    {
        bool pending = flush_pending_;
        flush_pending_ = false;
        return pending;
    }

    Vmcb& vmcb() { return *reinterpret_cast<Vmcb*>(vmcb_pa_); }
    GuestGprs& gprs() { return gprs_; }
    uint64_t vmcb_pa() const { return vmcb_pa_; }

private:
    uint64_t vmcb_pa_ = 0;
    uint64_t iopm_pa_ = 0;  // 12 KiB used of a 16 KiB block
    uint64_t msrpm_pa_ = 0; // 8 KiB
    mm::Owner owner_ = mm::Owner::hypervisor();
    GuestGprs gprs_{};
    bool flush_pending_ = true;
};

} // namespace sp::svm
