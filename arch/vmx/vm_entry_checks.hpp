// Our own run of the checks VM entry makes (Intel SDM vol. 3C, 27.2 "Checks on VMX Controls
// and Host-State Area" and 27.3.1 "Checks on the Guest State Area"): the subset that matters for
// the guests Samepage builds, in the SDM's order. When VMLAUNCH/VMRESUME fails the CPU gives
// only an error number (7 controls, 8 host state) or exit reason 33 (guest state); the back-end
// reads the failed VMCS back into a VmcsImage and this names the first field that breaks a rule.
// Not checked: anything that needs memory behind an address (the VMCS link pointer's target,
// MSR load areas), SMM and dual-monitor treatment beyond "off", virtual-8086 guests, APIC
// virtualization, posted interrupts, PML, VM functions, CET and PKRS state.
#pragma once
#include <stdint.h>

#include "arch/vmx/vmcs_image.hpp"
#include "arch/vmx/vmx_capabilities.hpp"

namespace sp::vmx {

enum class CheckArea : uint8_t { controls, host_state, guest_state };

struct EntryCheck {
    const char* field = nullptr; // nullptr: every check passed
    const char* rule = nullptr;
    uint64_t value = 0;
    CheckArea area = CheckArea::controls;
    bool passed() const { return field == nullptr; }
};

EntryCheck check_vm_entry(const VmcsImage& vmcs, const VmxCapabilities& caps);

} // namespace sp::vmx
