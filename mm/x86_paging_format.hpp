// Entry format of x86-64 long-mode paging, used twice:
//  - HostFormat: the hypervisor's own 4-level tables (supervisor pages, U/S = 0);
//  - NptFormat:  AMD nested page tables, which use the same format, but every nested walk is a
//    user access (AMD APM vol. 2, 15.25.5 "Nested Table Walk"), so U/S = 1 at every level.
// Layout: Intel SDM vol. 3A, 4.5 "4-Level Paging", Tables 4-14..4-20 / Figure 4-11; AMD APM
// vol. 2, 5.3 "Long-Mode Page Translation", Figures 5-20..5-26.
//
// Memory types go through the PAT index {PAT, PCD, PWT}. Samepage programs IA32_PAT (and, for
// NPT, the VMCB's g_PAT) with kSamepagePat, so each type has a fixed index below.
// Execute permission is the inverse of XD/NX (bit 63), which needs EFER.NXE = 1.
#pragma once
#include <stdint.h>

#include "mm/attributes.hpp"
#include "mm/bit_field.hpp"
#include "mm/mm_error.hpp"

namespace sp::mm {

// PA0 WB, PA1 WT, PA2 UC-, PA3 UC, PA4 WC, PA5 WP, PA6 UC-, PA7 UC.
inline constexpr uint64_t kSamepagePat = 0x0007'0501'0007'0406ull;

template <bool UserBit, unsigned Levels>
struct X86PagingFormat {
    static_assert(Levels == 4 || Levels == 5);
    static constexpr unsigned levels = Levels;
    static constexpr unsigned max_leaf_level = 2; // 1 GiB pages (CPUID.80000001H:EDX.Page1GB)

    using Present = Flag<0>;
    using Writable = Flag<1>;
    using User = Flag<2>;
    using WriteThrough = Flag<3>;  // PWT
    using CacheDisable = Flag<4>;  // PCD
    using Accessed = Flag<5>;
    using Dirty = Flag<6>;         // leaves only
    using PageSizeBit = Flag<7>;   // PS in PDPTE/PDE
    using Pat4K = Flag<7>;         // PAT in a 4 KiB PTE
    using Global = Flag<8>;
    using PatLarge = Flag<12>;     // PAT in a 2 MiB / 1 GiB leaf
    using Address = BitField<51, 12>;
    using ExecuteDisable = Flag<63>;

    static constexpr uint64_t kHardwareBits = Accessed::mask | Dirty::mask;

    static constexpr uint64_t address_mask(unsigned level) { return Address::mask & ~(level_bytes(level) - 1); }

    static constexpr bool present(uint64_t e) { return Present::test(e); }
    static constexpr bool is_leaf(uint64_t e, unsigned level) { return level == 0 || PageSizeBit::test(e); }
    static constexpr uint64_t table_address(uint64_t e) { return e & Address::mask; }
    static constexpr uint64_t leaf_address(uint64_t e, unsigned level) { return e & address_mask(level); }

    static constexpr uint64_t make_table(uint64_t pa)
    {
        // Non-leaf entries grant everything; the leaf decides. NPT needs U/S here as well.
        return pa | Present::mask | Writable::mask | (UserBit ? User::mask : 0);
    }

    static constexpr MmError check(const Attributes& a)
    {
        if (a.access == Access::none) return MmError::invalid_argument;
        if (!has(a.access, Access::r)) return MmError::unsupported; // present implies readable
        if (a.ignore_guest_pat) return MmError::unsupported;
        switch (a.type) {
        case MemoryType::uncacheable: case MemoryType::write_combining: case MemoryType::write_through:
        case MemoryType::write_protected: case MemoryType::write_back: case MemoryType::uncacheable_minus:
            return MmError::ok;
        }
        return MmError::unsupported;
    }

    static constexpr unsigned pat_index(MemoryType t)
    {
        switch (t) {
        case MemoryType::write_back: return 0;
        case MemoryType::write_through: return 1;
        case MemoryType::uncacheable_minus: return 2;
        case MemoryType::uncacheable: return 3;
        case MemoryType::write_combining: return 4;
        case MemoryType::write_protected: return 5;
        }
        return 3;
    }

    static constexpr MemoryType type_of_pat_index(unsigned index)
    {
        return static_cast<MemoryType>((kSamepagePat >> (8 * index)) & 7);
    }

    static constexpr uint64_t with_access(uint64_t e, Access access)
    {
        e = Writable::set(e, has(access, Access::w));
        return ExecuteDisable::set(e, !has(access, Access::x));
    }

    static constexpr uint64_t make_leaf(uint64_t pa, const Attributes& a, unsigned level)
    {
        unsigned index = pat_index(a.type);
        uint64_t e = pa | Present::mask | (UserBit ? User::mask : 0);
        e = WriteThrough::set(e, index & 1);
        e = CacheDisable::set(e, (index >> 1) & 1);
        e = level == 0 ? Pat4K::set(e, index >> 2) : PatLarge::set(PageSizeBit::set(e, 1), index >> 2);
        return with_access(e, a.access);
    }

    static constexpr Attributes attributes(uint64_t e, unsigned level)
    {
        Attributes a;
        a.access = Access::r | (Writable::test(e) ? Access::w : Access::none) |
                   (ExecuteDisable::test(e) ? Access::none : Access::x);
        unsigned pat = static_cast<unsigned>(level == 0 ? Pat4K::get(e) : PatLarge::get(e));
        a.type = type_of_pat_index(static_cast<unsigned>(WriteThrough::get(e) | CacheDisable::get(e) << 1) | pat << 2);
        return a;
    }

    // A leaf's flags (address cleared) as they must read at another level: PS and the PAT bit
    // move, everything else (permissions, A/D, G, software bits, keys) stays.
    static constexpr uint64_t leaf_flags_at(uint64_t e, unsigned from, unsigned to)
    {
        uint64_t pat = from == 0 ? Pat4K::get(e) : PatLarge::get(e);
        uint64_t flags = e & ~address_mask(from);
        if (from == 0) flags = Pat4K::set(flags, 0);
        else flags = PatLarge::set(PageSizeBit::set(flags, 0), 0);
        if (to == 0) return Pat4K::set(flags, pat);
        return PatLarge::set(PageSizeBit::set(flags, 1), pat);
    }
};

template <unsigned Levels = 4>
using HostFormat = X86PagingFormat<false, Levels>;
template <unsigned Levels = 4>
using NptFormat = X86PagingFormat<true, Levels>;

} // namespace sp::mm
