// Reads the VMX capability MSRs of this CPU, only those it says exist: reading a capability
// MSR the CPU lacks raises #GP (Bochs' older models, emulators.md).
#pragma once
#include "arch/vmx/vmx_capabilities.hpp"

namespace sp::vmx {

// Call only when CPUID.1:ECX.VMX is set.
VmxCapabilities read_capabilities();

} // namespace sp::vmx
