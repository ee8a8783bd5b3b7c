#include <catch2/catch.hpp>

#include "page_table_fixture.hpp"

using namespace sp::mm;
using namespace sp::mm::test;

namespace {
constexpr uint64_t KiB4 = 4096, MiB2 = 2ull << 20, GiB = 1ull << 30;
const Attributes kRw{Access::rw, MemoryType::write_back, false};
const Attributes kRx{Access::rx, MemoryType::write_back, false};

std::vector<PageSize> sizes(const std::vector<Leaf>& leaves)
{
    std::vector<PageSize> out;
    for (const Leaf& l : leaves) out.push_back(l.size);
    return out;
}
} // namespace

TEMPLATE_LIST_TEST_CASE("map picks the largest page the alignment allows", "[mm][pagetable]", AllFormats)
{
    TableFixture<TestType> f;
    GIVEN("a range of 1 GiB + 2 MiB + 4 KiB at a 1 GiB aligned address and frame")
    {
        REQUIRE(f.table.map(GiB, 5 * GiB, GiB + MiB2 + KiB4, kRw) == MmError::ok);
        THEN("it is one 1 GiB, one 2 MiB and one 4 KiB page, translating byte for byte")
        {
            CHECK(sizes(f.leaves()) == std::vector<PageSize>{PageSize::size_1g, PageSize::size_2m, PageSize::size_4k});
            Result<Translation> t = f.table.translate(2 * GiB + 123);
            REQUIRE(t.ok());
            CHECK(t.value.pa == 6 * GiB + 123);
            CHECK(t.value.size == PageSize::size_2m);
            CHECK(t.value.attributes == kRw);
            CHECK(f.table.translate(2 * GiB + MiB2 + KiB4).error == MmError::not_mapped);
        }
        THEN("table pages are counted and charged to the owner")
        {
            CHECK(f.table.table_pages() == 4); // root, PDPT, PD, PT
            CHECK(f.table.count_tables() == 4);
            CHECK(f.machine.allocator.count(f.owner) == 4);
        }
        THEN("mapping never asked for a flush") { CHECK(f.tlb.requests.empty()); }
    }
    GIVEN("the caller caps the page size at 2 MiB (no 1 GiB pages on this CPU)")
    {
        REQUIRE(f.table.map(0, 0, GiB, kRw, PageSize::size_2m) == MmError::ok);
        THEN("512 pages of 2 MiB are used") { CHECK(f.leaves().size() == 512); }
    }
    GIVEN("a frame whose alignment differs from the address's")
    {
        REQUIRE(f.table.map(MiB2, MiB2 + KiB4, MiB2, kRx) == MmError::ok);
        THEN("only 4 KiB pages fit")
        {
            auto leaves = f.leaves();
            CHECK(leaves.size() == 512);
            CHECK(leaves.back().pa == 2 * MiB2);
        }
    }
}

TEMPLATE_LIST_TEST_CASE("permissions change page by page, and downgrades flush", "[mm][pagetable]", AllFormats)
{
    TableFixture<TestType> f;
    GIVEN("a 2 MiB read-write mapping")
    {
        REQUIRE(f.table.map(0, 4 * MiB2, MiB2, kRw) == MmError::ok);
        WHEN("one 4 KiB page in the middle is made read-only")
        {
            REQUIRE(f.table.protect(5 * KiB4, KiB4, Access::r) == MmError::ok);
            THEN("the large page was split and only that page lost write access")
            {
                CHECK(f.leaves().size() == 512);
                CHECK(f.table.translate(5 * KiB4).value.attributes.access == Access::r);
                CHECK(f.table.translate(4 * KiB4).value.attributes.access == Access::rw);
                CHECK(f.table.translate(6 * KiB4).value.attributes.access == Access::rw);
                CHECK(f.table.translate(6 * KiB4).value.pa == 4 * MiB2 + 6 * KiB4);
            }
            THEN("the split flushed the 2 MiB range as a page-size change and the downgrade its page")
            {
                REQUIRE(f.tlb.requests.size() == 2);
                CHECK(f.tlb.requests[0].page_size_changed);
                CHECK(f.tlb.requests[0].size == MiB2);
                CHECK(f.tlb.requests[1].base == 5 * KiB4);
                CHECK(f.tlb.requests[1].size == KiB4);
                CHECK(f.tlb.requests[1].space == f.table.tag());
                CHECK(f.tlb.requests[1].cpus.contains(3));
            }
            AND_WHEN("write access is given back")
            {
                f.tlb.clear();
                REQUIRE(f.table.protect(5 * KiB4, KiB4, Access::rw) == MmError::ok);
                THEN("an upgrade asks for no flush") { CHECK(f.tlb.requests.empty()); }
                AND_THEN("the 512 pages merge back into one 2 MiB page with the original entry")
                {
                    uint64_t before_tables = f.table.table_pages();
                    REQUIRE(f.table.merge(0, PageSize::size_2m) == MmError::ok);
                    CHECK(f.leaves().size() == 1);
                    CHECK(f.leaves()[0].entry == TestType::make_leaf(4 * MiB2, kRw, 1));
                    CHECK(f.table.table_pages() == before_tables - 1);
                    CHECK(f.tlb.requests.back().page_size_changed);
                    CHECK(f.tlb.requests.back().tables_freed);
                }
            }
        }
    }
}

TEMPLATE_LIST_TEST_CASE("split keeps every attribute bit, merge restores the large page", "[mm][pagetable]", AllFormats)
{
    TableFixture<TestType> f;
    GIVEN("a 1 GiB read-execute uncacheable page whose accessed and dirty bits the CPU has set")
    {
        Attributes uc{Access::rx, MemoryType::uncacheable, false};
        REQUIRE(f.table.map(GiB, 3 * GiB, GiB, uc) == MmError::ok);
        *f.entry(GiB, 2) |= TestType::kHardwareBits;
        const uint64_t original = *f.entry(GiB, 2);
        WHEN("it is split into 2 MiB pages and one of those into 4 KiB pages")
        {
            REQUIRE(f.table.split(GiB + 7 * MiB2) == MmError::ok);
            REQUIRE(f.table.split(GiB + 7 * MiB2 + 5 * KiB4) == MmError::ok);
            THEN("every smaller entry carries the same flags at its own level")
            {
                auto leaves = f.leaves();
                CHECK(leaves.size() == 511 + 512);
                for (const Leaf& l : leaves) {
                    unsigned level = static_cast<unsigned>(l.size);
                    CHECK(l.pa == 3 * GiB + (l.va - GiB));
                    CHECK((l.entry & ~TestType::address_mask(level)) == TestType::leaf_flags_at(original, 2, level));
                    CHECK(l.attributes == uc);
                }
                CHECK(f.flushed(GiB, GiB));
                CHECK(f.tlb.requests[0].page_size_changed);
            }
            THEN("splitting a 4 KiB page is refused") { CHECK(f.table.split(GiB + 7 * MiB2) == MmError::not_large_page); }
            AND_WHEN("both are merged back")
            {
                REQUIRE(f.table.merge(GiB + 7 * MiB2, PageSize::size_2m) == MmError::ok);
                REQUIRE(f.table.merge(GiB, PageSize::size_1g) == MmError::ok);
                THEN("the single original entry is back and the tables are gone")
                {
                    CHECK(*f.entry(GiB, 2) == original);
                    CHECK(f.table.table_pages() == 2);
                }
            }
        }
    }
    GIVEN("512 pages that are contiguous but one differs in permissions")
    {
        REQUIRE(f.table.map(0, MiB2, MiB2, kRw, PageSize::size_4k) == MmError::ok);
        REQUIRE(f.table.protect(KiB4 * 100, KiB4, Access::r) == MmError::ok);
        THEN("merge is refused and nothing changes")
        {
            auto before = f.leaves().size();
            CHECK(f.table.merge(0, PageSize::size_2m) == MmError::not_mergeable);
            CHECK(f.leaves().size() == before);
        }
    }
    GIVEN("512 pages with the same attributes that are not physically contiguous")
    {
        REQUIRE(f.table.map(0, MiB2, MiB2 - KiB4, kRw) == MmError::ok);
        REQUIRE(f.table.map(MiB2 - KiB4, 9 * MiB2, KiB4, kRw) == MmError::ok);
        THEN("merge is refused") { CHECK(f.table.merge(0, PageSize::size_2m) == MmError::not_mergeable); }
    }
    GIVEN("512 contiguous pages whose frame is not 2 MiB aligned")
    {
        REQUIRE(f.table.map(0, MiB2 + KiB4, MiB2, kRw) == MmError::ok);
        THEN("merge is refused") { CHECK(f.table.merge(0, PageSize::size_2m) == MmError::not_mergeable); }
    }
    GIVEN("a table that is only partly filled")
    {
        REQUIRE(f.table.map(0, 0, KiB4, kRw) == MmError::ok);
        THEN("merge is refused, and merge of an unaligned address too")
        {
            CHECK(f.table.merge(0, PageSize::size_2m) == MmError::not_mergeable);
            CHECK(f.table.merge(KiB4, PageSize::size_2m) == MmError::unaligned);
            CHECK(f.table.merge(0, PageSize::size_4k) == MmError::invalid_argument);
        }
    }
}

TEMPLATE_LIST_TEST_CASE("unmap removes mappings, flushes, and frees emptied tables", "[mm][pagetable]", AllFormats)
{
    TableFixture<TestType> f;
    const uint64_t owned_at_start = f.machine.allocator.count(f.owner);
    GIVEN("mappings of every size")
    {
        REQUIRE(f.table.map(0, 0, GiB + 3 * MiB2 + 5 * KiB4, kRw) == MmError::ok);
        WHEN("a range cutting through the middle of the 1 GiB page is unmapped")
        {
            REQUIRE(f.table.unmap(MiB2 + KiB4, KiB4) == MmError::ok);
            THEN("only that page is gone and it was flushed")
            {
                CHECK(f.table.translate(MiB2 + KiB4).error == MmError::not_mapped);
                CHECK(f.table.translate(MiB2).value.pa == MiB2);
                CHECK(f.table.translate(MiB2 + 2 * KiB4).value.pa == MiB2 + 2 * KiB4);
                CHECK(f.table.translate(GiB - 1).value.pa == GiB - 1);
                CHECK(f.flushed(MiB2 + KiB4, KiB4));
            }
        }
        WHEN("everything is unmapped")
        {
            REQUIRE(f.table.unmap(0, 4 * GiB) == MmError::ok);
            THEN("only the root is left, and the flush came before the tables were freed")
            {
                CHECK(f.leaves().empty());
                CHECK(f.table.table_pages() == 1);
                CHECK(f.machine.allocator.count(f.owner) == owned_at_start);
                CHECK(f.flushed(0, GiB + 3 * MiB2 + 5 * KiB4));
                CHECK(f.tlb.requests.back().tables_freed);
                CHECK(f.machine.allocator.check_invariants() == nullptr);
            }
        }
    }
    GIVEN("a page remapped to another frame (page sharing)")
    {
        REQUIRE(f.table.map(0, 0x100000, 4 * KiB4, kRw) == MmError::ok);
        REQUIRE(f.table.remap(KiB4, 0x900000, {Access::r, MemoryType::write_back, false}) == MmError::ok);
        THEN("it translates to the new frame read-only, and the old one was flushed")
        {
            CHECK(f.table.translate(KiB4).value.pa == 0x900000);
            CHECK(f.table.translate(KiB4).value.attributes.access == Access::r);
            CHECK(f.flushed(KiB4, KiB4));
            CHECK(f.table.remap(5 * KiB4, 0x900000, kRw) == MmError::not_mapped);
        }
    }
    GIVEN("the table is destroyed with mappings in place")
    {
        REQUIRE(f.table.map(0, 0, GiB + KiB4, kRw) == MmError::ok);
        f.table.destroy();
        THEN("every table page is back with the allocator after one full flush")
        {
            CHECK(f.machine.allocator.count(f.owner) == owned_at_start - 1);
            CHECK(f.tlb.requests.back().all);
        }
    }
}

TEMPLATE_LIST_TEST_CASE("bad input gets a clear error and changes nothing", "[mm][pagetable]", AllFormats)
{
    TableFixture<TestType> f;
    REQUIRE(f.table.map(MiB2, 0, MiB2, kRw) == MmError::ok);
    REQUIRE(f.table.map(8 * MiB2, 0x7000, 3 * KiB4, kRw) == MmError::ok);
    const auto before = f.leaves();
    const uint64_t tables = f.table.table_pages();
    const FrameStats stats = f.machine.allocator.stats();

    struct Case { const char* what; MmError got; MmError expected; };
    Case cases[] = {
        {"an unaligned address", f.table.map(123, 0, KiB4, kRw), MmError::unaligned},
        {"an unaligned frame", f.table.map(0, 0x10, KiB4, kRw), MmError::unaligned},
        {"an unaligned size", f.table.unmap(0, 100), MmError::unaligned},
        {"an empty range", f.table.map(0, 0, 0, kRw), MmError::invalid_argument},
        {"a range that wraps", f.table.map(~0ull - 0xfff, 0, 2 * KiB4, kRw), MmError::overflow},
        {"a range beyond the table's reach", f.table.unmap(1ull << 48, KiB4), MmError::overflow},
        {"a frame beyond 52 bits", f.table.map(0, (1ull << 52) - KiB4, 2 * KiB4, kRw), MmError::overflow},
        {"mapping over a mapping", f.table.map(0, 0, 2 * MiB2, kRw), MmError::already_mapped},
        {"mapping over one page of a mapping", f.table.map(8 * MiB2 + 2 * KiB4, 0, KiB4, kRw), MmError::already_mapped},
        {"no permissions at all", f.table.map(0, 0, KiB4, {Access::none, MemoryType::write_back, false}), MmError::invalid_argument},
        {"write without read", f.table.map(0, 0, KiB4, {Access::w, MemoryType::write_back, false}), MmError::unsupported},
        {"protecting a hole", f.table.protect(8 * MiB2, 4 * KiB4, Access::r), MmError::not_mapped},
        {"protecting to write-only", f.table.protect(MiB2, KiB4, Access::w), MmError::unsupported},
        {"splitting a hole", f.table.split(0), MmError::not_mapped},
        {"splitting a 4 KiB page", f.table.split(8 * MiB2), MmError::not_large_page},
        {"merging a hole", f.table.merge(4 * MiB2, PageSize::size_2m), MmError::not_mapped},
        {"merging a large page", f.table.merge(MiB2, PageSize::size_2m), MmError::not_mergeable},
        {"remapping a large page with an unaligned frame", f.table.remap(MiB2, KiB4, kRw), MmError::unaligned},
        {"remapping into a large page", f.table.remap(MiB2 + KiB4, 0, kRw), MmError::unaligned},
        {"translating a hole", f.table.translate(0).error, MmError::not_mapped},
    };
    for (const Case& c : cases) {
        WHEN(c.what)
        {
            THEN(std::string("the result is ") + to_string(c.expected) + " and the table is as before")
            {
                CHECK(c.got == c.expected);
                auto after = f.leaves();
                REQUIRE(after.size() == before.size());
                for (size_t i = 0; i < after.size(); ++i) CHECK(after[i].entry == before[i].entry);
                CHECK(f.table.table_pages() == tables);
                CHECK(f.machine.allocator.stats().free_frames == stats.free_frames);
                CHECK(f.tlb.requests.empty());
            }
        }
    }
}

TEMPLATE_LIST_TEST_CASE("running out of table pages rolls a map back", "[mm][pagetable]", AllFormats)
{
    GIVEN("an allocator with only 8 frames and a mapping in place")
    {
        TableFixture<TestType> f(8 * KiB4);
        REQUIRE(f.table.map(0, 0, KiB4, kRw) == MmError::ok); // root + 3 tables
        const auto tables = f.table.table_pages();
        WHEN("a range needing more table pages than are left is mapped")
        {
            MmError e = f.table.map(GiB, 0, 8 * MiB2, kRw, PageSize::size_4k);
            THEN("the map fails with out-of-memory and leaves no trace")
            {
                CHECK(e == MmError::no_memory);
                CHECK(f.leaves().size() == 1);
                CHECK(f.table.table_pages() == tables);
                CHECK(f.machine.allocator.free_frames() == 8 - tables);
                CHECK(f.machine.allocator.check_invariants() == nullptr);
            }
        }
    }
}
