// Intel EPT entry format. Intel SDM vol. 3C, 29.3.2 "EPT Translation Mechanism",
// Tables 29-1..29-6 (table numbers of the 2023+ editions; older ones: 28-x):
//   bit 0 read, 1 write, 2 execute; leaves: 5:3 memory type, 6 ignore PAT, 7 page size
//   (PDPTE/PDE), 8 accessed, 9 dirty (with EPTP bit 6), 51:12 address, 63 suppress #VE.
// Non-leaf entries hold only the address and RWX (bits 7:3 reserved there).
// An entry is present when any of bits 2:0 is set; write without read is a misconfiguration.
#pragma once
#include <stdint.h>

#include "mm/attributes.hpp"
#include "mm/bit_field.hpp"
#include "mm/mm_error.hpp"

namespace sp::mm {

template <unsigned Levels = 4>
struct EptFormat {
    static_assert(Levels == 4 || Levels == 5);
    static constexpr unsigned levels = Levels;
    static constexpr unsigned max_leaf_level = 2; // 1 GiB: IA32_VMX_EPT_VPID_CAP bit 17

    using Read = Flag<0>;
    using Write = Flag<1>;
    using Execute = Flag<2>;
    using Permissions = BitField<2, 0>;
    using Type = BitField<5, 3>;
    using IgnorePat = Flag<6>;
    using PageSizeBit = Flag<7>;
    using Accessed = Flag<8>;
    using Dirty = Flag<9>;
    using Address = BitField<51, 12>;
    using SuppressVe = Flag<63>;

    static constexpr uint64_t kHardwareBits = Accessed::mask | Dirty::mask;

    static constexpr uint64_t address_mask(unsigned level) { return Address::mask & ~(level_bytes(level) - 1); }

    static constexpr bool present(uint64_t e) { return Permissions::test(e); }
    static constexpr bool is_leaf(uint64_t e, unsigned level) { return level == 0 || PageSizeBit::test(e); }
    static constexpr uint64_t table_address(uint64_t e) { return e & Address::mask; }
    static constexpr uint64_t leaf_address(uint64_t e, unsigned level) { return e & address_mask(level); }

    static constexpr uint64_t make_table(uint64_t pa) { return pa | Permissions::mask; }

    static constexpr MmError check(const Attributes& a)
    {
        if (a.access == Access::none) return MmError::invalid_argument;
        if (has(a.access, Access::w) && !has(a.access, Access::r)) return MmError::unsupported;
        switch (a.type) {
        case MemoryType::uncacheable: case MemoryType::write_combining: case MemoryType::write_through:
        case MemoryType::write_protected: case MemoryType::write_back:
            return MmError::ok;
        case MemoryType::uncacheable_minus: return MmError::unsupported;
        }
        return MmError::unsupported;
    }

    static constexpr uint64_t with_access(uint64_t e, Access access)
    {
        return Permissions::set(e, static_cast<uint64_t>(access));
    }

    static constexpr uint64_t make_leaf(uint64_t pa, const Attributes& a, unsigned level)
    {
        uint64_t e = Type::set(pa, static_cast<uint64_t>(a.type));
        e = IgnorePat::set(e, a.ignore_guest_pat);
        if (level > 0) e = PageSizeBit::set(e, 1);
        return with_access(e, a.access);
    }

    static constexpr Attributes attributes(uint64_t e, unsigned)
    {
        Attributes a;
        a.access = static_cast<Access>(Permissions::get(e));
        a.type = static_cast<MemoryType>(Type::get(e));
        a.ignore_guest_pat = IgnorePat::test(e);
        return a;
    }

    static constexpr uint64_t leaf_flags_at(uint64_t e, unsigned from, unsigned to)
    {
        return PageSizeBit::set(e & ~address_mask(from), to > 0);
    }
};

} // namespace sp::mm
