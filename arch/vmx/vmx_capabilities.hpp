// The VMX capability MSRs (Intel SDM vol. 3D, appendix A) as raw values, plus the physical
// address width. vmx_probe.cpp reads them on the machine (only the MSRs the CPU says exist);
// everything that decides from them (controls, EPTP, the VM-entry checks) is plain C++ tested
// with recorded values.
#pragma once
#include <stdint.h>

namespace sp::vmx {

namespace msr {
constexpr uint32_t feature_control = 0x3a;
constexpr uint32_t basic = 0x480, pinbased = 0x481, procbased = 0x482, exit = 0x483, entry = 0x484;
constexpr uint32_t misc = 0x485, cr0_fixed0 = 0x486, cr0_fixed1 = 0x487, cr4_fixed0 = 0x488;
constexpr uint32_t cr4_fixed1 = 0x489, vmcs_enum = 0x48a, procbased2 = 0x48b, ept_vpid_cap = 0x48c;
constexpr uint32_t true_pinbased = 0x48d, true_procbased = 0x48e, true_exit = 0x48f, true_entry = 0x490;
} // namespace msr

struct VmxCapabilities {
    uint64_t basic = 0;
    // Control MSRs: allowed-0 settings (bits that must be 1) in 31:0, allowed-1 settings (bits
    // that may be 1) in 63:32. The TRUE_* values are 0 unless VMX_BASIC bit 55 says they exist.
    uint64_t pinbased = 0, procbased = 0, exit = 0, entry = 0;
    uint64_t true_pinbased = 0, true_procbased = 0, true_exit = 0, true_entry = 0;
    uint64_t procbased2 = 0;   // 0 unless primary bit 31 may be 1
    uint64_t ept_vpid_cap = 0; // 0 unless EPT or VPID may be enabled
    uint64_t misc = 0;
    uint64_t cr0_fixed0 = 0, cr0_fixed1 = 0, cr4_fixed0 = 0, cr4_fixed1 = 0;
    uint64_t vmcs_enum = 0;
    unsigned physical_address_bits = 36; // CPUID 0x80000008 EAX[7:0]

    bool has_true_controls() const { return (basic >> 55) & 1; }
    uint32_t vmcs_revision() const { return static_cast<uint32_t>(basic & 0x7fffffff); }
    uint32_t vmcs_bytes() const { return static_cast<uint32_t>((basic >> 32) & 0x1fff); }
    // Memory type the CPU uses for VMCS/VMXON region accesses (6 = write-back).
    unsigned vmcs_memory_type() const { return static_cast<unsigned>((basic >> 50) & 0xf); }
    // The VMX-preemption timer counts down once every 2^rate TSC ticks.
    unsigned preemption_timer_rate() const { return static_cast<unsigned>(misc & 0x1f); }
    // Activity states beyond "active" that VM entry accepts (bit 6 HLT, 7 shutdown, 8 wait-for-SIPI).
    bool activity_hlt() const { return (misc >> 6) & 1; }
    unsigned cr3_target_count() const { return static_cast<unsigned>((misc >> 16) & 0x1ff); }
    // VM entry accepts an instruction length of 0 for injected software exceptions (bit 30).
    bool zero_length_injection() const { return (misc >> 30) & 1; }
};

} // namespace sp::vmx
