// Bit layouts of the entry formats, checked against the manuals' tables.
#include <catch2/catch.hpp>

#include "mm/ept_format.hpp"
#include "mm/x86_paging_format.hpp"

using namespace sp::mm;

namespace {
constexpr uint64_t kFrame = 0x0000'0123'4560'0000ull; // 2 MiB aligned
constexpr uint64_t kGiBFrame = 0x0000'00c0'0000'0000ull;
constexpr uint64_t bit(unsigned n) { return 1ull << n; }
} // namespace

SCENARIO("EPT entries follow Intel SDM vol. 3C, Tables 29-1 to 29-6", "[mm][format][ept]")
{
    using F = EptFormat<4>;
    GIVEN("a table reference (Tables 29-1, 29-3, 29-5: address + RWX, bits 7:3 reserved)")
    {
        uint64_t e = F::make_table(0xabcd'e000);
        THEN("only bits 2:0 and the address are set") { CHECK(e == (0xabcd'e000ull | 0b111)); }
    }
    GIVEN("a 4 KiB leaf, read+execute, write-back, ignore PAT (Table 29-6)")
    {
        uint64_t e = F::make_leaf(0x1234'5000, {Access::rx, MemoryType::write_back, true}, 0);
        THEN("bit 0 read, bit 1 write clear, bit 2 execute, bits 5:3 = 6, bit 6 ignore PAT, bit 7 clear")
        {
            CHECK((e & bit(0)) != 0);
            CHECK((e & bit(1)) == 0);
            CHECK((e & bit(2)) != 0);
            CHECK(((e >> 3) & 7) == 6);
            CHECK((e & bit(6)) != 0);
            CHECK((e & bit(7)) == 0);
            CHECK((e & 0x000f'ffff'ffff'f000ull) == 0x1234'5000);
            CHECK(e == (0x1234'5000ull | 0b101 | (6 << 3) | bit(6)));
        }
    }
    GIVEN("a 2 MiB leaf (Table 29-4) and a 1 GiB leaf (Table 29-2), uncacheable")
    {
        uint64_t mid = F::make_leaf(kFrame, {Access::rw, MemoryType::uncacheable, false}, 1);
        uint64_t big = F::make_leaf(kGiBFrame, {Access::r, MemoryType::write_combining, false}, 2);
        THEN("bit 7 marks the large page and bits 5:3 hold the type")
        {
            CHECK(mid == (kFrame | 0b011 | bit(7)));
            CHECK(big == (kGiBFrame | 0b001 | (1 << 3) | bit(7)));
            CHECK(F::is_leaf(mid, 1));
            CHECK(!F::is_leaf(F::make_table(0x1000), 1));
        }
    }
    GIVEN("the accessed and dirty flags (bits 8 and 9, with EPTP bit 6 set)")
    {
        THEN("the format names them and ignores them when merging")
        {
            CHECK(F::Accessed::mask == bit(8));
            CHECK(F::Dirty::mask == bit(9));
            CHECK(F::kHardwareBits == (bit(8) | bit(9)));
        }
    }
    GIVEN("presence: an entry is present when any of bits 2:0 is set")
    {
        THEN("execute-only is present, all-clear is not")
        {
            CHECK(F::present(0b100));
            CHECK(!F::present(0x1234'5000 | bit(7)));
        }
    }
    GIVEN("attributes EPT cannot express")
    {
        THEN("write without read and UC- are refused")
        {
            CHECK(F::check({Access::w, MemoryType::write_back, false}) == MmError::unsupported);
            CHECK(F::check({Access::rw, MemoryType::uncacheable_minus, false}) == MmError::unsupported);
            CHECK(F::check({Access::none, MemoryType::write_back, false}) == MmError::invalid_argument);
            CHECK(F::check({Access::x, MemoryType::write_back, false}) == MmError::ok);
        }
    }
    GIVEN("every valid attribute set at every level")
    {
        THEN("decoding returns what was encoded")
        {
            for (Access a : {Access::r, Access::rw, Access::rx, Access::rwx, Access::x})
                for (MemoryType t : {MemoryType::uncacheable, MemoryType::write_combining, MemoryType::write_through,
                                     MemoryType::write_protected, MemoryType::write_back})
                    for (unsigned level = 0; level < 3; ++level) {
                        Attributes in{a, t, level == 1};
                        CHECK(F::attributes(F::make_leaf(kGiBFrame, in, level), level) == in);
                    }
        }
    }
}

SCENARIO("host and NPT entries follow the x86-64 long-mode format", "[mm][format][npt][host]")
{
    // Intel SDM vol. 3A Tables 4-14..4-20; AMD APM vol. 2 Figures 5-20..5-26 (4-Kbyte PML4E,
    // PDPE, PDE, PTE; 2-Mbyte PDE; 1-Gbyte PDPE).
    using H = HostFormat<4>;
    using N = NptFormat<4>;
    GIVEN("table references")
    {
        THEN("host: P|RW, supervisor; NPT: P|RW|US, since nested walks are user accesses (APM 15.25.5)")
        {
            CHECK(H::make_table(0x5000) == (0x5000 | bit(0) | bit(1)));
            CHECK(N::make_table(0x5000) == (0x5000 | bit(0) | bit(1) | bit(2)));
        }
    }
    GIVEN("a read-only, non-executable write-back 4 KiB page")
    {
        uint64_t h = H::make_leaf(0x1234'5000, {Access::r, MemoryType::write_back, false}, 0);
        uint64_t n = N::make_leaf(0x1234'5000, {Access::r, MemoryType::write_back, false}, 0);
        THEN("P set, R/W clear, NX (bit 63) set, PAT index 0, U/S only for NPT")
        {
            CHECK(h == (0x1234'5000 | bit(0) | bit(63)));
            CHECK(n == (0x1234'5000 | bit(0) | bit(2) | bit(63)));
        }
    }
    GIVEN("an executable, writable page")
    {
        uint64_t n = N::make_leaf(0x7000, {Access::rwx, MemoryType::write_back, false}, 0);
        THEN("NX is clear and R/W set") { CHECK(n == (0x7000 | bit(0) | bit(1) | bit(2))); }
    }
    GIVEN("memory types through Samepage's PAT (WB WT UC- UC WC WP UC- UC)")
    {
        THEN("UC uses PCD|PWT; WC uses the PAT bit: bit 7 in a PTE, bit 12 in a large leaf")
        {
            uint64_t uc = H::make_leaf(0x1000, {Access::rw, MemoryType::uncacheable, false}, 0);
            CHECK((uc & (bit(3) | bit(4) | bit(7))) == (bit(3) | bit(4)));
            uint64_t wc4k = H::make_leaf(0x1000, {Access::rw, MemoryType::write_combining, false}, 0);
            CHECK((wc4k & (bit(3) | bit(4) | bit(7))) == bit(7));
            uint64_t wc2m = H::make_leaf(kFrame, {Access::rw, MemoryType::write_combining, false}, 1);
            CHECK((wc2m & (bit(3) | bit(4) | bit(12))) == bit(12));
            CHECK((wc2m & bit(7)) != 0); // PS
            CHECK(H::leaf_address(wc2m, 1) == kFrame);
            CHECK(kSamepagePat == 0x0007050100070406ull);
        }
        THEN("the PAT value maps every index back to its type")
        {
            for (MemoryType t : {MemoryType::uncacheable, MemoryType::write_combining, MemoryType::write_through,
                                 MemoryType::write_protected, MemoryType::write_back, MemoryType::uncacheable_minus})
                CHECK(H::type_of_pat_index(H::pat_index(t)) == t);
        }
    }
    GIVEN("a 1 GiB leaf changed to a 2 MiB and a 4 KiB leaf")
    {
        uint64_t big = N::make_leaf(kGiBFrame, {Access::rx, MemoryType::write_protected, false}, 2) | bit(5) | bit(6) | bit(8);
        uint64_t mid = N::leaf_flags_at(big, 2, 1);
        uint64_t small = N::leaf_flags_at(big, 2, 0);
        THEN("the PAT bit moves from 12 to 7 and PS is dropped; all other bits stay")
        {
            CHECK((small & bit(7)) != 0);   // PAT for index 5 (WP) = PAT|PWT
            CHECK((small & bit(12)) == 0);
            CHECK(N::attributes(small, 0) == N::attributes(big, 2));
            CHECK(N::attributes(mid, 1) == N::attributes(big, 2));
            CHECK((small & (bit(5) | bit(6) | bit(8) | bit(2))) == (bit(5) | bit(6) | bit(8) | bit(2)));
            CHECK((small & bit(63)) == 0); // executable: NX stays clear
            CHECK(N::leaf_flags_at(small, 0, 2) == (big & ~N::address_mask(2)));
        }
    }
    GIVEN("attributes long mode cannot express")
    {
        THEN("no-read and ignore-PAT are refused")
        {
            CHECK(H::check({Access::x, MemoryType::write_back, false}) == MmError::unsupported);
            CHECK(N::check({Access::wx, MemoryType::write_back, false}) == MmError::unsupported);
            CHECK(N::check({Access::rw, MemoryType::write_back, true}) == MmError::unsupported);
        }
    }
}
