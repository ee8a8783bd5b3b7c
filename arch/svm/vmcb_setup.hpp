// Fills a VMCB for a 64-bit guest: the intercepts Samepage always wants, nested paging, and
// flat long-mode segments. Plain C++ (no CPU access) so tests check it against the VMRUN
// consistency rules.
#pragma once
#include <stdint.h>

#include "arch/svm/vmcb.hpp"

namespace sp::svm {

struct VmcbSetup {
    uint32_t asid = 0;
    uint64_t nested_cr3 = 0;
    uint64_t iopm_pa = 0;
    uint64_t msrpm_pa = 0;
    uint64_t rip = 0;
    uint64_t rsp = 0;
    uint64_t cr3 = 0;
};

void fill_long_mode_vmcb(Vmcb& vmcb, const VmcbSetup& setup);

} // namespace sp::svm
