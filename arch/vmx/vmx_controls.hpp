// The VM-execution, VM-exit and VM-entry controls Samepage uses (Intel SDM vol. 3C, 25.6-25.8)
// and their derivation from the capability MSRs (SDM vol. 3D, A.3-A.5): a control may be 1 only
// where the allowed-1 half says so and must be 1 where the allowed-0 half says so. With VMX_BASIC
// bit 55 the TRUE MSRs are used, which let us clear the "default1" controls (CR3-load exiting,
// debug-control save/load) that the older MSRs force on.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "arch/vmx/vmx_capabilities.hpp"

namespace sp::vmx {

namespace pin {
constexpr uint32_t external_interrupt_exiting = 1u << 0, nmi_exiting = 1u << 3, virtual_nmis = 1u << 5;
constexpr uint32_t preemption_timer = 1u << 6, posted_interrupts = 1u << 7;
} // namespace pin

namespace primary {
constexpr uint32_t interrupt_window_exiting = 1u << 2, tsc_offsetting = 1u << 3, hlt_exiting = 1u << 7;
constexpr uint32_t invlpg_exiting = 1u << 9, mwait_exiting = 1u << 10, rdpmc_exiting = 1u << 11;
constexpr uint32_t rdtsc_exiting = 1u << 12, cr3_load_exiting = 1u << 15, cr3_store_exiting = 1u << 16;
constexpr uint32_t cr8_load_exiting = 1u << 19, cr8_store_exiting = 1u << 20, tpr_shadow = 1u << 21;
constexpr uint32_t nmi_window_exiting = 1u << 22, mov_dr_exiting = 1u << 23;
constexpr uint32_t unconditional_io_exiting = 1u << 24, io_bitmaps = 1u << 25;
constexpr uint32_t monitor_trap_flag = 1u << 27, msr_bitmaps = 1u << 28, monitor_exiting = 1u << 29;
constexpr uint32_t pause_exiting = 1u << 30, secondary_controls = 1u << 31;
} // namespace primary

namespace secondary {
constexpr uint32_t virtualize_apic = 1u << 0, ept = 1u << 1, descriptor_table_exiting = 1u << 2;
constexpr uint32_t rdtscp = 1u << 3, vpid = 1u << 5, wbinvd_exiting = 1u << 6;
constexpr uint32_t unrestricted_guest = 1u << 7, invpcid = 1u << 12, vm_functions = 1u << 13;
constexpr uint32_t vmcs_shadowing = 1u << 14, pml = 1u << 17, ept_violation_ve = 1u << 18;
constexpr uint32_t xsaves = 1u << 20, mode_based_execute = 1u << 22;
} // namespace secondary

namespace exit_control {
constexpr uint32_t save_debug_controls = 1u << 2, host_address_space_size = 1u << 9;
constexpr uint32_t acknowledge_interrupt = 1u << 15, save_pat = 1u << 18, load_pat = 1u << 19;
constexpr uint32_t save_efer = 1u << 20, load_efer = 1u << 21, save_preemption_timer = 1u << 22;
} // namespace exit_control

namespace entry_control {
constexpr uint32_t load_debug_controls = 1u << 2, ia32e_mode_guest = 1u << 9, entry_to_smm = 1u << 10;
constexpr uint32_t deactivate_dual_monitor = 1u << 11, load_pat = 1u << 14, load_efer = 1u << 15;
} // namespace entry_control

enum class ControlSet : uint8_t { pin, primary, secondary, exit, entry };
const char* control_set_name(ControlSet set); // "pin-based VM-execution" ...
// The SDM's name of one control bit ("use MSR bitmaps"); nullptr for bits we do not name.
const char* control_name(ControlSet set, unsigned bit);

// Allowed settings of one control set: must_be_one from the allowed-0 half, may_be_one from
// the allowed-1 half.
struct AllowedControls {
    uint32_t must_be_one = 0;
    uint32_t may_be_one = 0;
    bool allows(uint32_t value) const { return (value & must_be_one) == must_be_one && (value & ~may_be_one) == 0; }
};
// From the TRUE MSR when VMX_BASIC bit 55 is set; secondary controls only when the primary
// set may activate them.
AllowedControls allowed_controls(const VmxCapabilities& caps, ControlSet set);

struct ControlWish {
    uint32_t required = 0; // Samepage cannot run guests without these
    uint32_t optional = 0; // used when the CPU offers them
};

struct ControlWishes {
    ControlWish pin, primary, secondary, exit, entry;
};

struct Controls {
    uint32_t pin = 0, primary = 0, secondary = 0, exit = 0, entry = 0;
};

struct ControlsResult {
    Controls controls;
    // Set when a required control is unavailable: which one.
    bool ok = true;
    ControlSet missing_set = ControlSet::pin;
    unsigned missing_bit = 0;
};

// Every set: required | (optional & may_be_one) | must_be_one.
ControlsResult derive_controls(const VmxCapabilities& caps, const ControlWishes& wishes);

// "this CPU cannot set the primary processor-based VM-execution control 'use MSR bitmaps'
// (bit 28)": the one-line error for a missing required control.
size_t describe_missing_control(const ControlsResult& result, char* buffer, size_t capacity);

// What Samepage asks for, from the reviewed table (vmx_intercepts.cpp): 64-bit guests on EPT,
// every port and MSR through the bitmaps, HLT/MONITOR/MWAIT exiting, external interrupts and
// NMIs exit, the VMX-preemption timer ends time slices, PAT and EFER switched by the CPU; VPID,
// unrestricted guest, RDTSCP and INVPCID (without which those instructions raise #UD) when
// offered.
ControlWishes samepage_control_wishes();
// The exception bitmap, from the same table (#DB and #AC).
uint32_t samepage_exception_bitmap();

} // namespace sp::vmx
