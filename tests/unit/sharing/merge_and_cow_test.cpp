#include <catch2/catch.hpp>

#include "sharing_fixture.hpp"

using namespace sp::sharing;
using namespace sp::sharing::test;

namespace {

std::vector<uint8_t> read(Host<>& h, uint32_t vm, uint64_t gpa)
{
    std::vector<uint8_t> out(k4K);
    REQUIRE(h.read_page(vm, gpa, out.data()));
    return out;
}

uint64_t frame_of(Host<>& h, uint32_t vm, uint64_t gpa)
{
    auto t = h.guest(vm).table->translate(gpa);
    REQUIRE(t.ok());
    return t.value.pa;
}

} // namespace

SCENARIO("identical pages of a VM are merged into one read-only shared frame", "[sharing]")
{
    GIVEN("a VM with three pages holding the same content and one unique page")
    {
        Host<> h(16 << 20);
        h.create_vm(1, 2 << 20);
        auto same = pattern_page(7), other = pattern_page(8);
        for (uint64_t p : {3, 10, 20}) REQUIRE(h.fill_page(1, p * k4K, same.data()));
        REQUIRE(h.fill_page(1, 30 * k4K, other.data()));

        WHEN("the scanner has looked at every page once")
        {
            full_scans(h, 1);
            THEN("nothing is merged yet: a page must be unchanged since its previous look")
            {
                CHECK(h.engine.stats().pages_shared == 0);
            }
        }
        WHEN("the scanner has looked at every page twice")
        {
            full_scans(h, 2);
            THEN("the three pages map one shared frame, read-only, and two frames are freed")
            {
                SharingStats s = h.engine.stats();
                CHECK(s.pages_shared == 1);
                CHECK(s.pages_sharing == 2);
                CHECK(frame_of(h, 1, 3 * k4K) == frame_of(h, 1, 10 * k4K));
                CHECK(frame_of(h, 1, 3 * k4K) == frame_of(h, 1, 20 * k4K));
                CHECK(h.machine.allocator.owner_of(frame_of(h, 1, 3 * k4K)) == Owner::shared());
                CHECK_FALSE(has(h.guest(1).table->translate(3 * k4K).value.attributes.access, Access::w));
                CHECK(h.rmap.count(frame_of(h, 1, 3 * k4K)) == 3);
                CHECK(read(h, 1, 20 * k4K) == same);
                CHECK(h.engine.check_invariants() == nullptr);
                CHECK(h.stale_tlb_entry() == "");
            }
            AND_WHEN("the guest writes one of them")
            {
                uint8_t byte = 0x5a;
                REQUIRE(h.write(1, 10 * k4K + 100, &byte, 1));
                THEN("it gets a private writable copy; the others keep the shared frame")
                {
                    CHECK(h.write_faults == 1);
                    CHECK(h.engine.stats().cow_breaks == 1);
                    CHECK(frame_of(h, 1, 10 * k4K) != frame_of(h, 1, 3 * k4K));
                    auto expect = same;
                    expect[100] = 0x5a;
                    CHECK(read(h, 1, 10 * k4K) == expect);
                    CHECK(read(h, 1, 3 * k4K) == same);
                    CHECK(h.engine.stats().pages_sharing == 1);
                    CHECK(h.engine.check_invariants() == nullptr);
                    CHECK(h.stale_tlb_entry() == "");
                }
                AND_WHEN("the other two are written as well")
                {
                    uint64_t shared_frame = frame_of(h, 1, 3 * k4K);
                    REQUIRE(h.write(1, 3 * k4K, &byte, 1));
                    REQUIRE(h.write(1, 20 * k4K, &byte, 1));
                    THEN("the last mapper gets the shared frame back, writable, without a copy")
                    {
                        CHECK(frame_of(h, 1, 20 * k4K) == shared_frame);
                        CHECK(h.machine.allocator.owner_of(shared_frame) == Owner::vm(1));
                        CHECK(h.engine.stats().pages_shared == 0);
                        CHECK(h.shared_frames() == 1); // just the zero frame
                        CHECK(h.engine.check_invariants() == nullptr);
                    }
                }
            }
        }
    }
}

SCENARIO("a page that changes between looks is volatile and not merged", "[sharing]")
{
    GIVEN("two identical pages, one of which is rewritten before every pass")
    {
        Host<> h(16 << 20);
        h.create_vm(1, 2 << 20);
        auto same = pattern_page(7);
        REQUIRE(h.fill_page(1, 0, same.data()));
        REQUIRE(h.fill_page(1, k4K, same.data()));
        WHEN("the scanner runs three passes, with the page changed and restored in between")
        {
            for (uint32_t round = 0; round < 3; ++round) {
                auto changed = pattern_page(100 + round);
                REQUIRE(h.fill_page(1, k4K, changed.data()));
                full_scans(h, 1);
            }
            THEN("nothing was merged and the page counts as volatile")
            {
                CHECK(h.engine.stats().pages_shared == 0);
                CHECK(h.engine.stats().pages_volatile >= 1);
            }
        }
    }
}

SCENARIO("zero pages map to the one shared zero frame at first sight", "[sharing]")
{
    GIVEN("two VMs in separate domains, each with zero pages (new guest memory is zeroed)")
    {
        Host<> h(16 << 20);
        h.create_vm(1, 2 << 20);
        h.create_vm(2, 2 << 20);
        WHEN("the scanner passes once")
        {
            full_scans(h, 1);
            THEN("every page of both VMs maps the same zero frame, read-only")
            {
                CHECK(h.engine.stats().ksm_zero_pages == 1024);
                CHECK(frame_of(h, 1, 0) == frame_of(h, 2, 5 * k4K));
                CHECK(h.vm_frames(1) == h.guest(1).table->table_pages());
                CHECK(h.engine.check_invariants() == nullptr);
            }
            AND_WHEN("a guest writes a zero page")
            {
                uint8_t byte = 1;
                REQUIRE(h.write(2, 5 * k4K + 9, &byte, 1));
                THEN("it gets a fresh zeroed frame with the write in it")
                {
                    std::vector<uint8_t> expect(k4K, 0);
                    expect[9] = 1;
                    CHECK(read(h, 2, 5 * k4K) == expect);
                    CHECK(h.engine.stats().ksm_zero_pages == 1023);
                    CHECK(h.engine.check_invariants() == nullptr);
                    CHECK(h.stale_tlb_entry() == "");
                }
            }
        }
        WHEN("use_zero_pages is off")
        {
            REQUIRE(h.engine.set_tunable("use_zero_pages", "0") == SharingError::ok);
            full_scans(h, 1);
            THEN("zero pages are not sent to the zero frame")
            {
                CHECK(h.engine.stats().ksm_zero_pages == 0);
            }
        }
    }
}

SCENARIO("a shared frame has at most max_page_sharing mappers", "[sharing]")
{
    GIVEN("seven identical pages and max_page_sharing 3")
    {
        Host<> h(16 << 20);
        REQUIRE(h.engine.set_tunable("max_page_sharing", "3") == SharingError::ok);
        h.create_vm(1, 2 << 20);
        auto same = pattern_page(9);
        for (uint64_t p = 0; p < 7; ++p) REQUIRE(h.fill_page(1, p * k4K, same.data()));
        WHEN("the scanner has merged what it can")
        {
            full_scans(h, 4);
            THEN("six pages are spread over two frames of three mappers, counted as one chain")
            {
                SharingStats s = h.engine.stats();
                CHECK(s.pages_shared == 2);
                CHECK(s.pages_sharing == 4); // the seventh page has nobody left to share with
                CHECK(s.stable_node_chains == 1);
                for (uint64_t p = 0; p < 7; ++p) CHECK(read(h, 1, p * k4K) == same);
                CHECK(h.engine.check_invariants() == nullptr);
            }
        }
    }
}

SCENARIO("smart_scan skips pages that keep failing to merge", "[sharing]")
{
    GIVEN("a VM of unique pages")
    {
        Host<> h(16 << 20);
        h.create_vm(1, 2 << 20);
        for (uint64_t p = 0; p < 512; ++p) REQUIRE(h.fill_page(1, p * k4K, pattern_page(1000 + static_cast<uint32_t>(p)).data()));
        WHEN("the scanner passes many times")
        {
            full_scans(h, 8);
            THEN("most looks are skipped")
            {
                CHECK(h.engine.stats().pages_skipped > 256);
                CHECK(h.engine.stats().pages_shared == 0);
            }
        }
        WHEN("smart_scan is off")
        {
            REQUIRE(h.engine.set_tunable("smart_scan", "0") == SharingError::ok);
            full_scans(h, 8);
            THEN("nothing is skipped")
            {
                CHECK(h.engine.stats().pages_skipped == 0);
            }
        }
        AND_WHEN("a skipped page gets a twin")
        {
            full_scans(h, 8);
            REQUIRE(h.fill_page(1, 511 * k4K, pattern_page(1000 + 17).data()));
            full_scans(h, 12);
            THEN("they are still merged eventually")
            {
                CHECK(h.engine.stats().pages_shared == 1);
            }
        }
    }
}

SCENARIO("unregistering every VM gives every frame back", "[sharing]")
{
    GIVEN("two VMs in one domain with shared, zero and private pages")
    {
        Host<> h(32 << 20);
        REQUIRE(h.engine.set_tunable("domain_mode", "host") == SharingError::ok);
        h.create_vm(1, 4 << 20, PageSize::size_2m);
        h.create_vm(2, 2 << 20);
        auto same = pattern_page(3);
        for (uint32_t vm : {1u, 2u})
            for (uint64_t p = 0; p < 40; ++p) REQUIRE(h.fill_page(vm, p * k4K, p % 2 ? same.data() : pattern_page(50 + static_cast<uint32_t>(p)).data()));
        h.engine.set_pressure(PressureState::clear);
        h.machine.allocator.set_min_free(h.machine.allocator.free_frames());
        full_scans(h, 4);
        REQUIRE(h.engine.stats().pages_shared >= 1);
        WHEN("both VMs are destroyed")
        {
            h.destroy_vm(1);
            h.destroy_vm(2);
            THEN("no frame is held by a VM or the shared pool, and the reverse map is empty")
            {
                CHECK(h.vm_frames(1) == 0);
                CHECK(h.vm_frames(2) == 0);
                CHECK(h.shared_frames() == 0);
                CHECK(h.rmap.stats().mappings == 0);
                CHECK(h.machine.allocator.check_invariants() == nullptr);
            }
        }
    }
}
