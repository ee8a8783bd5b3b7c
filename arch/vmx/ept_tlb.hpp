// The memory core's TLB policy for a VM's EPT (mm/tlb.hpp), plus the VPID flushes the VMX
// back-end needs. Guest-physical and combined translations are tagged with the EPTP: any change
// to a VM's EPT (unmap, permission cut, remap, split, merge, freed tables) ends in INVEPT
// single-context for that EPTP when the CPU offers it, else all-context. INVEPT runs at once in
// VMX root operation, so the request is complete when invalidate() returns. VPIDs are flushed
// (INVVPID single-context, else all-context) before a VPID is reused or its vCPU restarts.
//
// `Cpu` provides invept(type, eptp) and invvpid(type, vpid): the image executes the
// instructions (vmx_instructions.hpp), the tests record the calls. Guests run on the boot CPU
// only: a request naming another CPU panics (no shoot-down yet) instead of leaving stale
// translations behind.
#pragma once
#include <stdint.h>

#include "arch/vmx/eptp.hpp"
#include "arch/x86/host_tlb.hpp"
#include "mm/tlb.hpp"

namespace sp::vmx {

enum class InveptType : uint8_t { single_context = 1, all_context = 2 };
enum class InvvpidType : uint8_t { individual_address = 0, single_context = 1, all_context = 2 };

// What the CPU's IA32_VMX_EPT_VPID_CAP offers.
struct InvalidationSupport {
    bool invept_single = false, invept_all = false;
    bool invvpid_single = false, invvpid_all = false;
};

inline InvalidationSupport invalidation_support(uint64_t ept_vpid_cap)
{
    InvalidationSupport s;
    bool invept = ept_vpid_cap & ept_cap::invept, invvpid = ept_vpid_cap & ept_cap::invvpid;
    s.invept_single = invept && (ept_vpid_cap & ept_cap::invept_single);
    s.invept_all = invept && (ept_vpid_cap & ept_cap::invept_all);
    s.invvpid_single = invvpid && (ept_vpid_cap & ept_cap::invvpid_single);
    s.invvpid_all = invvpid && (ept_vpid_cap & ept_cap::invvpid_all);
    return s;
}

template <typename Cpu>
class EptTlb {
public:
    EptTlb(Cpu& cpu, const InvalidationSupport& support) : cpu_(cpu), support_(support) {}

    // The EPTP the VM enters with, known once its root table exists. Before it is attached no
    // entry can have cached anything, so requests are counted and need no flush.
    void attach(uint64_t eptp) { eptp_ = eptp; }
    uint64_t eptp() const { return eptp_; }

    void invalidate(const mm::TlbInvalidation& request)
    {
        x86::require_boot_cpu_only(request.cpus, "EPT");
        ++requests_;
        if (eptp_ == 0 || !request.cpus.contains(0)) return;
        flush_ept();
    }

    // Before `vpid` goes back to the allocator or its vCPU starts over (restart): no
    // translation tagged with it may survive.
    void retire_vpid(uint16_t vpid)
    {
        if (vpid == 0) return;
        if (support_.invvpid_single) cpu_.invvpid(InvvpidType::single_context, vpid);
        else cpu_.invvpid(InvvpidType::all_context, 0);
        ++vpid_flushes_;
    }

    uint64_t requests() const { return requests_; }
    uint64_t ept_flushes() const { return ept_flushes_; }
    uint64_t vpid_flushes() const { return vpid_flushes_; }

private:
    void flush_ept()
    {
        if (support_.invept_single) cpu_.invept(InveptType::single_context, eptp_);
        else cpu_.invept(InveptType::all_context, 0);
        ++ept_flushes_;
    }

    Cpu& cpu_;
    InvalidationSupport support_;
    uint64_t eptp_ = 0;
    uint64_t requests_ = 0;
    uint64_t ept_flushes_ = 0;
    uint64_t vpid_flushes_ = 0;
};

} // namespace sp::vmx
