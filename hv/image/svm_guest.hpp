// The AMD SVM back-end of a VM (GuestRunner<SvmBackend>, see guest_runner.hpp): its RAM behind
// an NPT, its VMCB-based vCPU, its ASID. Enters the guest and translates VMCB exits to the
// neutral records; the run loop itself is shared with VMX.
#pragma once
#include <stdint.h>

#include "arch/svm/asid_allocator.hpp"
#include "arch/svm/npt_tlb.hpp"
#include "arch/svm/svm_vcpu.hpp"
#include "hv/guest/test_guest_image.hpp"
#include "hv/image/guest_runner.hpp"
#include "hv/vm/exit.hpp"
#include "hv/vm/guest_state.hpp"
#include "mm/x86_paging_format.hpp"

namespace sp {

// What every SVM VM on this CPU shares.
struct SvmContext {
    svm::AsidAllocator asids;
    bool has_nrips = false;
    bool flush_by_asid = false;
};

class SvmBackend {
public:
    using Format = mm::NptFormat<4>;
    using Tlb = svm::NptTlb;
    using Context = SvmContext;
    static constexpr mm::AddressSpaceKind space_kind = mm::AddressSpaceKind::npt;

    explicit SvmBackend(Context& context) : context_(context) { tlb_.attach(&vcpu_); }
    Tlb& tlb() { return tlb_; }

    const char* build_vcpu(mm::FrameAllocator& frames, mm::Owner owner, uint64_t nested_root,
                           const TestGuestEntry& entry);
    void release_vcpu(mm::FrameAllocator& frames) { vcpu_.release(frames); }
    void enter(const vm::EventInjection& event);
    vm::Exit take_exit(vm::GuestState& out);
    const char* explain_invalid_state(const vm::Exit& exit);
    void store(const vm::GuestState& state);
    vm::EventInjection interrupted_event() const;
    bool slice_over() const { return false; } // the LAPIC timer's exit ends slices

private:
    Context& context_;
    Tlb tlb_;
    svm::SvmVcpu vcpu_;
    svm::VcpuAsid asid_;
    svm::RawExit raw_;
    char invalid_text_[160] = {};
};

using SvmGuest = GuestRunner<SvmBackend>;

} // namespace sp
