// One VM on AMD SVM: its RAM behind an NPT, its vCPU, its ASID. Runs the guest, hands every
// exit to the common dispatcher (hv/vm) and carries out the action it returns.
#pragma once
#include <stdint.h>

#include "arch/svm/asid_allocator.hpp"
#include "arch/svm/npt_tlb.hpp"
#include "arch/svm/svm_vcpu.hpp"
#include "hv/guest/guest_memory.hpp"
#include "hv/guest/nested_audit.hpp"
#include "hv/guest/test_guest_image.hpp"
#include "hv/vm/vm.hpp"
#include "mm/x86_paging_format.hpp"

namespace sp {

class SvmGuest {
public:
    SvmGuest(vm::Vm& vm, mm::FrameAllocator& frames);
    ~SvmGuest() { release(); }

    // Backs the VM's RAM and loads the test guest with its argument; nullptr or why not
    // (everything released).
    const char* start(const TestGuestImage& image, uint64_t arg);

    // Runs the guest until `deadline_tick` (LAPIC ticks) or until it stops, pauses or halts.
    // Returns false once the VM will not run again (its memory is then released).
    bool run_until(uint64_t deadline_tick, svm::AsidAllocator& asids, bool has_nrips);

    vm::Vm& vm() { return vm_; }
    bool released() const { return released_; }
    // Gives every frame of the VM back to the allocator.
    void release();
    // Guest-physical reads for the hypercalls (may cross 2 MiB blocks).
    bool read(uint64_t gpa, void* out, size_t length);
    // The isolation audit of this VM's nested table (adds to `out`).
    void audit(NestedAudit& out) const;

private:
    bool load(const TestGuestImage& image);
    const char* explain_invalid_state();

    vm::Vm& vm_;
    mm::FrameAllocator& frames_;
    svm::NptTlb tlb_;
    GuestMemory<mm::NptFormat<4>, svm::NptTlb> memory_;
    svm::SvmVcpu vcpu_;
    svm::VcpuAsid asid_;
    const TestGuestImage* image_ = nullptr;
    uint64_t arg_ = 0;
    bool released_ = false;
    char invalid_text_[160] = {};
};

} // namespace sp
