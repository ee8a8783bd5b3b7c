// The EPT pointer (Intel SDM vol. 3C, 25.6.11): memory type of the EPT paging structures in
// bits 2:0 (6 = write-back), page-walk length minus 1 in 5:3, accessed/dirty flags in 6, the
// root table's address in 51:12. Bits 11:7 stay zero (Bochs reads bit 7 as the CET shadow-stack
// control and rejects it on Haswell, emulators.md).
#pragma once
#include <stdint.h>

#include "arch/vmx/vmx_capabilities.hpp"

namespace sp::vmx {

namespace ept_cap { // IA32_VMX_EPT_VPID_CAP (SDM vol. 3D, A.10)
constexpr uint64_t execute_only = 1ull << 0, walk_4 = 1ull << 6, walk_5 = 1ull << 7;
constexpr uint64_t memory_uc = 1ull << 8, memory_wb = 1ull << 14, page_2m = 1ull << 16, page_1g = 1ull << 17;
constexpr uint64_t invept = 1ull << 20, accessed_dirty = 1ull << 21, advanced_exit_info = 1ull << 22;
constexpr uint64_t invept_single = 1ull << 25, invept_all = 1ull << 26;
constexpr uint64_t invvpid = 1ull << 32, invvpid_address = 1ull << 40, invvpid_single = 1ull << 41;
constexpr uint64_t invvpid_all = 1ull << 42, invvpid_single_keep_globals = 1ull << 43;
} // namespace ept_cap

struct EptpResult {
    uint64_t eptp = 0;
    const char* error = nullptr; // static text; nullptr when eptp is valid
};

// A 4-level, write-back EPTP for the root table at `root_pa`; A/D flags only when asked and
// offered.
EptpResult make_eptp(uint64_t root_pa, const VmxCapabilities& caps, bool accessed_dirty = false);

// The root table address an EPTP names (what INVEPT single-context and the TLB tag use).
constexpr uint64_t eptp_root(uint64_t eptp) { return eptp & 0x000ffffffffff000ull; }

} // namespace sp::vmx
