#pragma once
#include <stdint.h>

namespace sp::x86 {
// Calls visit(table_pa) for every page-table page reachable from a 4-level CR3 (the root
// included), following only present non-leaf entries. Used once at boot on the firmware's
// identity-mapped tables, to keep their frames out of the allocator until we leave them.
template <typename Visit>
void for_each_table_page(uint64_t cr3, Visit&& visit)
{
    constexpr uint64_t address_mask = 0x000ffffffffff000ull;
    constexpr uint64_t present = 1, large = 1ull << 7;
    uint64_t pml4 = cr3 & address_mask;
    visit(pml4);
    auto* l4 = reinterpret_cast<const uint64_t*>(pml4);
    for (int i = 0; i < 512; ++i) {
        if (!(l4[i] & present)) continue;
        uint64_t pdpt = l4[i] & address_mask;
        visit(pdpt);
        auto* l3 = reinterpret_cast<const uint64_t*>(pdpt);
        for (int j = 0; j < 512; ++j) {
            if (!(l3[j] & present) || (l3[j] & large)) continue;
            uint64_t pd = l3[j] & address_mask;
            visit(pd);
            auto* l2 = reinterpret_cast<const uint64_t*>(pd);
            for (int k = 0; k < 512; ++k) {
                if (!(l2[k] & present) || (l2[k] & large)) continue;
                visit(l2[k] & address_mask);
            }
        }
    }
}
} // namespace sp::x86
