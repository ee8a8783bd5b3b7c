// The Intel VMX back-end of a VM (GuestRunner<VmxBackend>, see guest_runner.hpp): its RAM
// behind an EPT, its VMCS-based vCPU, its VPID. Enters the guest and translates VMCS exits to
// the neutral records; the run loop itself is shared with SVM. Time slices end by the
// VMX-preemption timer as well as by the LAPIC timer's external-interrupt exit, because Bochs
// ignores external-interrupt exiting while the guest runs with IF=0.
#pragma once
#include <stdint.h>

#include "arch/vmx/ept_tlb.hpp"
#include "arch/vmx/vmx_exit_decode.hpp"
#include "arch/vmx/vmx_instructions.hpp"
#include "arch/vmx/vmx_vcpu.hpp"
#include "arch/vmx/vpid_allocator.hpp"
#include "hv/guest/test_guest_image.hpp"
#include "hv/image/guest_runner.hpp"
#include "mm/ept_format.hpp"

namespace sp {

// What every VMX VM on this CPU shares.
struct VmxContext {
    vmx::VpidAllocator vpids;
    unsigned cpu = 0;
};

class VmxBackend {
public:
    using Format = mm::EptFormat<4>;
    using Tlb = vmx::EptTlb<vmx::VmxInstructions>;
    using Context = VmxContext;
    static constexpr mm::AddressSpaceKind space_kind = mm::AddressSpaceKind::ept;

    explicit VmxBackend(Context& context);
    Tlb& tlb() { return tlb_; }

    const char* build_vcpu(mm::FrameAllocator& frames, mm::Owner owner, uint64_t nested_root,
                           const TestGuestEntry& entry);
    void release_vcpu(mm::FrameAllocator& frames);
    void enter(const vm::EventInjection& event);
    vm::Exit take_exit(vm::GuestState& out);
    const char* explain_invalid_state(const vm::Exit& exit);
    void store(const vm::GuestState& state);
    vm::EventInjection interrupted_event() const;
    bool slice_over() const;

private:
    Context& context_;
    vmx::VmxInstructions instructions_;
    Tlb tlb_;
    vmx::VmxVcpu vcpu_;
    uint16_t vpid_ = 0;
    char invalid_text_[200] = {};
};

using VmxGuest = GuestRunner<VmxBackend>;

} // namespace sp
