#include <catch2/catch.hpp>

#include "sharing_fixture.hpp"

using namespace sp::sharing;
using namespace sp::sharing::test;

namespace {

// VM 1: 8 MiB on 2 MiB mappings, every page unique, then range 0 gets ten pieces of content A
// and range 1 three pieces of content B (so range 0 is the more profitable split).
void large_vm_with_duplicates(Host<>& h)
{
    h.create_vm(1, 8 << 20, PageSize::size_2m);
    for (uint64_t p = 0; p < 2048; ++p) REQUIRE(h.fill_page(1, p * k4K, pattern_page(10000 + static_cast<uint32_t>(p)).data()));
    auto a = pattern_page(1), b = pattern_page(2);
    for (uint64_t p = 0; p < 10; ++p) REQUIRE(h.fill_page(1, (20 + p * 7) * k4K, a.data()));
    for (uint64_t p = 0; p < 3; ++p) REQUIRE(h.fill_page(1, (512 + 40 + p) * k4K, b.data()));
}

PageSize size_at(Host<>& h, uint32_t vm, uint64_t gpa) { return h.guest(vm).table->translate(gpa).value.size; }

// Makes the allocator's pressure state clear, a few frames short of high.
void memory_a_little_short(Host<>& h)
{
    uint64_t free = h.machine.allocator.free_frames();
    uint64_t m = free / 4 + 1; // high needs 4 * min_free: 1..4 frames short
    h.machine.allocator.set_min_free(m);
    h.engine.set_pressure(h.machine.allocator.pressure());
    REQUIRE(h.machine.allocator.pressure() == PressureState::clear);
}

bool content_intact(Host<>& h)
{
    std::vector<uint8_t> page(k4K);
    auto a = pattern_page(1), b = pattern_page(2);
    for (uint64_t p = 0; p < 2048; ++p) {
        if (!h.read_page(1, p * k4K, page.data())) return false;
        bool in_a = p >= 20 && p < 20 + 70 && (p - 20) % 7 == 0;
        bool in_b = p >= 552 && p < 555;
        auto expect = in_a ? a : in_b ? b : pattern_page(10000 + static_cast<uint32_t>(p));
        if (page != expect) return false;
    }
    return true;
}

} // namespace

SCENARIO("large mappings are kept while memory is plentiful, but their saving is known", "[sharing][large]")
{
    GIVEN("a VM on 2 MiB mappings with duplicate 4 KiB pieces, pressure high")
    {
        Host<> h(32 << 20);
        large_vm_with_duplicates(h);
        WHEN("the scanner passes several times")
        {
            full_scans(h, 3);
            THEN("nothing is split, and stats show what splitting would save")
            {
                SharingStats s = h.engine.stats();
                CHECK(s.large_split == 0);
                CHECK(s.split_saving == 9 + 2); // ten copies of A free 9 frames, three of B free 2
                CHECK(s.pages_shared == 0);
                VmSharingStats v;
                REQUIRE(h.engine.vm_stats(1, v) == SharingError::ok);
                CHECK(v.on_large_permille == 1000);
                CHECK(content_intact(h));
            }
        }
    }
}

SCENARIO("in state clear the most profitable large mappings are split, just enough", "[sharing][large]")
{
    GIVEN("the VM after its pieces have been fingerprinted, then memory gets a little short")
    {
        Host<> h(32 << 20);
        large_vm_with_duplicates(h);
        full_scans(h, 2);
        memory_a_little_short(h);
        WHEN("the scanner passes again")
        {
            full_scans(h, 2);
            THEN("only range 0 (ten sharable pieces) was split, and its duplicates are merged")
            {
                SharingStats s = h.engine.stats();
                CHECK(s.large_split == 1);
                CHECK(size_at(h, 1, 0) == PageSize::size_4k);
                CHECK(size_at(h, 1, 2 << 20) == PageSize::size_2m);
                CHECK(s.pages_shared == 1);
                CHECK(s.pages_sharing == 9);
                CHECK(content_intact(h));
                CHECK(h.engine.check_invariants() == nullptr);
                CHECK(h.stale_tlb_entry() == "");
            }
            AND_WHEN("the guest writes every shared piece, memory is high again for merge_delay_ms")
            {
                uint8_t same = 0;
                for (uint64_t p = 0; p < 10; ++p) {
                    auto a = pattern_page(1);
                    REQUIRE(h.write(1, (20 + p * 7) * k4K, &a[0], 1)); // same byte: content unchanged
                }
                (void)same;
                h.machine.allocator.set_min_free(16);
                h.engine.set_pressure(PressureState::high);
                h.clock.ms += h.engine.tunables().merge_delay_ms;
                full_scans(h, 1);
                THEN("the range is collapsed back into one 2 MiB mapping by copying")
                {
                    SharingStats s = h.engine.stats();
                    CHECK(s.large_collapsed == 1);
                    CHECK(s.large_collapsed_by_copy == 1);
                    CHECK(size_at(h, 1, 0) == PageSize::size_2m);
                    CHECK(content_intact(h));
                    CHECK(h.engine.check_invariants() == nullptr);
                    CHECK(h.stale_tlb_entry() == "");
                }
            }
        }
        WHEN("memory is high again before the pieces were shared")
        {
            full_scans(h, 0);
            h.engine.scan(1); // the split pass runs at the end of a scan call
            REQUIRE(h.engine.stats().large_split == 1);
            h.machine.allocator.set_min_free(16);
            h.engine.set_pressure(PressureState::high);
            full_scans(h, 2);
            THEN("its pieces are not shared while the merge delay runs")
            {
                CHECK(h.engine.stats().pages_shared == 0);
                CHECK(h.engine.stats().large_collapsed == 0);
                AND_WHEN("merge_delay_ms has passed")
                {
                    h.clock.ms += h.engine.tunables().merge_delay_ms;
                    full_scans(h, 1);
                    THEN("the range is collapsed in place: its frames are still contiguous")
                    {
                        CHECK(h.engine.stats().large_collapsed == 1);
                        CHECK(h.engine.stats().large_collapsed_by_copy == 0);
                        CHECK(size_at(h, 1, 0) == PageSize::size_2m);
                        CHECK(content_intact(h));
                        CHECK(h.engine.check_invariants() == nullptr);
                    }
                }
            }
        }
    }
}

SCENARIO("split_policy eager splits as soon as a piece can be shared", "[sharing][large]")
{
    GIVEN("the VM with split_policy eager and plenty of memory")
    {
        Host<> h(32 << 20);
        REQUIRE(h.engine.set_tunable("split_policy", "eager") == SharingError::ok);
        large_vm_with_duplicates(h);
        WHEN("the scanner passes three times")
        {
            full_scans(h, 3);
            THEN("both ranges with duplicates are split and merged, the others stay large")
            {
                SharingStats s = h.engine.stats();
                CHECK(s.large_split == 2);
                CHECK(size_at(h, 1, 4 << 20) == PageSize::size_2m);
                CHECK(s.pages_sharing == 9 + 2);
                CHECK(content_intact(h));
                CHECK(h.engine.check_invariants() == nullptr);
            }
        }
    }
}

SCENARIO("split_policy eager never collapses what it split, however long memory stays plentiful", "[sharing][large]")
{
    GIVEN("the VM with split_policy eager, merge_delay_ms 0 and memory high for a long time")
    {
        Host<> h(32 << 20);
        REQUIRE(h.engine.set_tunable("split_policy", "eager") == SharingError::ok);
        REQUIRE(h.engine.set_tunable("merge_delay_ms", "0") == SharingError::ok);
        large_vm_with_duplicates(h);
        h.clock.ms += 1000000;
        WHEN("the scanner passes five times, the clock moving on between passes")
        {
            for (int pass = 0; pass < 5; ++pass) {
                full_scans(h, 1);
                h.clock.ms += 60000;
            }
            THEN("the two ranges are split once and stay split: no split-collapse cycle")
            {
                SharingStats s = h.engine.stats();
                CHECK(s.large_split == 2);
                CHECK(s.large_collapsed == 0);
                CHECK(s.pages_sharing == 9 + 2);
                CHECK(content_intact(h));
                CHECK(h.engine.check_invariants() == nullptr);
            }
        }
    }
}

SCENARIO("an all-zero large mapping is reclaimed whole, without splitting", "[sharing][large][zero]")
{
    GIVEN("a VM of 4 MiB on 2 MiB mappings, untouched (all zero)")
    {
        Host<> h(32 << 20);
        h.create_vm(1, 4 << 20, PageSize::size_2m);
        uint64_t tables = h.guest(1).table->table_pages();
        WHEN("the scanner passes once")
        {
            full_scans(h, 1);
            THEN("both 2 MiB mappings point read-only at the one 2 MiB zero frame")
            {
                CHECK(h.engine.stats().large_zero_reclaimed == 2);
                CHECK(h.engine.stats().ksm_zero_pages == 1024);
                CHECK(h.engine.stats().large_split == 0);
                CHECK(size_at(h, 1, 0) == PageSize::size_2m);
                CHECK(h.guest(1).table->translate(0).value.pa == h.guest(1).table->translate(2 << 20).value.pa);
                CHECK(h.vm_frames(1) == tables);
                CHECK(h.engine.check_invariants() == nullptr);
            }
            AND_WHEN("the guest writes to one while memory is plentiful")
            {
                uint8_t byte = 7;
                REQUIRE(h.write(1, (2 << 20) + 5, &byte, 1));
                THEN("it gets a fresh zeroed 2 MiB block, still one large mapping")
                {
                    CHECK(size_at(h, 1, 2 << 20) == PageSize::size_2m);
                    CHECK(has(h.guest(1).table->translate(2 << 20).value.attributes.access, Access::w));
                    CHECK(h.engine.stats().ksm_zero_pages == 512);
                    std::vector<uint8_t> page(k4K), expect(k4K, 0);
                    expect[5] = 7;
                    REQUIRE(h.read_page(1, 2 << 20, page.data()));
                    CHECK(page == expect);
                    CHECK(h.engine.check_invariants() == nullptr);
                    CHECK(h.stale_tlb_entry() == "");
                }
            }
            AND_WHEN("the guest writes to one while memory is short")
            {
                h.engine.set_pressure(PressureState::soft);
                uint8_t byte = 7;
                REQUIRE(h.write(1, 5, &byte, 1));
                THEN("the mapping is split and just one private 4 KiB page is allocated")
                {
                    CHECK(size_at(h, 1, 0) == PageSize::size_4k);
                    CHECK(h.engine.stats().ksm_zero_pages == 1023);
                    CHECK(h.vm_frames(1) == h.guest(1).table->table_pages() + 1);
                    CHECK(h.engine.check_invariants() == nullptr);
                    CHECK(h.stale_tlb_entry() == "");
                }
            }
        }
    }
}

SCENARIO("an all-zero 1 GiB mapping becomes 512 2 MiB entries of the zero frame", "[sharing][large][zero][long]")
{
    GIVEN("a VM of 1 GiB on one 1 GiB mapping, untouched")
    {
        Host<> h((1ull << 30) + (16 << 20));
        h.create_vm(1, 1ull << 30, PageSize::size_1g);
        WHEN("the scanner passes once")
        {
            full_scans(h, 1);
            THEN("the VM holds no data frame, every 2 MiB entry maps the zero frame")
            {
                CHECK(h.engine.stats().large_zero_reclaimed == 512);
                CHECK(h.engine.stats().ksm_zero_pages == 262144);
                CHECK(size_at(h, 1, 0) == PageSize::size_2m);
                CHECK(size_at(h, 1, (1ull << 30) - k4K) == PageSize::size_2m);
                CHECK(h.vm_frames(1) == h.guest(1).table->table_pages());
                CHECK(h.engine.check_invariants() == nullptr);
            }
        }
    }
}
