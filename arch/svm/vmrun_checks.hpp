// Our own run of the VMRUN consistency checks (AMD APM vol. 2, 15.5.1 "Canonicalization and
// Consistency Checks", and 15.20 for event injection) on a VMCB. When VMRUN fails with
// VMEXIT_INVALID the CPU says nothing about why; this names the first rule the VMCB breaks,
// so that the diagnostic for the stopped VM is useful (QEMU skips some of these checks, real
// hardware does not).
#pragma once
#include <stdint.h>

#include "arch/svm/vmcb.hpp"

namespace sp::svm {

struct SvmHostLimits {
    unsigned physical_address_bits = 48; // CPUID 0x80000008 EAX[7:0]
    bool long_mode = true;
    bool nested_paging = true;
};

struct VmrunCheck {
    const char* field = nullptr; // nullptr: every check passed
    const char* rule = nullptr;
    uint64_t value = 0;
    bool passed() const { return field == nullptr; }
};

VmrunCheck check_vmrun(const Vmcb& vmcb, const SvmHostLimits& host);

} // namespace sp::svm
