// Turns VMX on for this CPU: IA32_FEATURE_CONTROL (written lock + VMX-outside-SMX when the
// firmware left it unlocked; a clear error when it is locked with VMX off), CR0/CR4 adjusted to
// the bits VMX fixes (CR4.VMXE), the VMXON region, VMXON. Also derives, once, what every vCPU on
// this CPU uses: the controls, the EPT/VPID invalidation support, the preemption-timer rate.
// Per CPU, so that SMP can come later.
#pragma once
#include <stdint.h>

#include "arch/vmx/ept_tlb.hpp"
#include "arch/vmx/vmx_capabilities.hpp"
#include "arch/vmx/vmx_controls.hpp"
#include "mm/frame_allocator.hpp"

namespace sp::vmx {

class VmxVcpu;

struct PerCpu {
    bool enabled = false;
    uint64_t vmxon_pa = 0;
    VmxCapabilities caps;
    Controls controls;
    InvalidationSupport invalidation;
    uint64_t current_vmcs = 0;          // the VMCS VMPTRLD made current here (0: none)
    const VmxVcpu* lazy_msrs_owner = nullptr; // whose STAR/LSTAR/... are loaded in this CPU
    bool has_rdtscp = false;            // TSC_AUX exists
};

constexpr unsigned max_cpus = 64;

// Returns nullptr on success, else why VMX could not be enabled (one line).
const char* enable_on_this_cpu(unsigned cpu, mm::FrameAllocator& frames);
PerCpu& per_cpu(unsigned cpu);

} // namespace sp::vmx
