#include "arch/vmx/eptp.hpp"

namespace sp::vmx {

EptpResult make_eptp(uint64_t root_pa, const VmxCapabilities& caps, bool accessed_dirty)
{
    constexpr uint64_t memory_type_wb = 6, walk_length_4 = 3ull << 3, ad_enable = 1ull << 6;
    if (!(caps.ept_vpid_cap & ept_cap::walk_4)) return {0, "EPT offers no 4-level page walk"};
    if (!(caps.ept_vpid_cap & ept_cap::memory_wb)) return {0, "EPT paging structures cannot be write-back"};
    if (root_pa == 0 || (root_pa & 0xfff)) return {0, "the EPT root table is not a 4 KiB aligned frame"};
    if (caps.physical_address_bits < 64 && (root_pa >> caps.physical_address_bits))
        return {0, "the EPT root table lies beyond the physical address width"};
    if (accessed_dirty && !(caps.ept_vpid_cap & ept_cap::accessed_dirty))
        return {0, "EPT accessed/dirty flags are not offered"};
    return {root_pa | memory_type_wb | walk_length_4 | (accessed_dirty ? ad_enable : 0), nullptr};
}

} // namespace sp::vmx
