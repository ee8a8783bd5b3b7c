#include <catch2/catch.hpp>

#include "sharing_fixture.hpp"

using namespace sp::sharing;
using namespace sp::sharing::test;

namespace {

// Three VMs whose page 5 holds the same content, plus a zero page at 6 (guest memory starts zeroed).
void three_vms_with_a_common_page(Host<>& h)
{
    auto same = pattern_page(42);
    for (uint32_t vm : {1u, 2u, 3u}) {
        h.create_vm(vm, 2 << 20);
        REQUIRE(h.fill_page(vm, 5 * k4K, same.data()));
    }
}

uint64_t frame_of(Host<>& h, uint32_t vm, uint64_t gpa) { return h.guest(vm).table->translate(gpa).value.pa; }

} // namespace

SCENARIO("by default pages are shared only within their VM", "[sharing][domains]")
{
    GIVEN("three VMs with one identical page each")
    {
        Host<> h(32 << 20);
        three_vms_with_a_common_page(h);
        WHEN("the scanner passes several times")
        {
            full_scans(h, 3);
            THEN("the identical pages stay apart, but zero pages of all VMs share the zero frame")
            {
                CHECK(h.engine.stats().pages_shared == 0);
                CHECK(frame_of(h, 1, 5 * k4K) != frame_of(h, 2, 5 * k4K));
                CHECK(frame_of(h, 1, 6 * k4K) == frame_of(h, 3, 6 * k4K));
                CHECK(h.engine.stats().pages_shared_across_vms == 0);
            }
        }
    }
}

SCENARIO("VMs in the same named group share with each other and no one else", "[sharing][domains]")
{
    GIVEN("VMs 1 and 2 in group 'web', VM 3 in none, domain_mode group")
    {
        Host<> h(32 << 20);
        REQUIRE(h.engine.set_tunable("domain_mode", "group") == SharingError::ok);
        three_vms_with_a_common_page(h);
        REQUIRE(h.engine.set_vm_group(1, "web") == SharingError::ok);
        REQUIRE(h.engine.set_vm_group(2, "web") == SharingError::ok);
        WHEN("the scanner passes several times")
        {
            full_scans(h, 3);
            THEN("VMs 1 and 2 share the page, VM 3 keeps its own")
            {
                CHECK(frame_of(h, 1, 5 * k4K) == frame_of(h, 2, 5 * k4K));
                CHECK(frame_of(h, 3, 5 * k4K) != frame_of(h, 1, 5 * k4K));
                CHECK(h.engine.stats().pages_shared_across_vms == 1);
                CHECK(h.engine.check_invariants() == nullptr);
            }
            AND_THEN("a VM with shared pages cannot change group, and the domain mode cannot change")
            {
                CHECK(h.engine.set_vm_group(1, "db") == SharingError::busy);
                CHECK(h.engine.set_tunable("domain_mode", "host") == SharingError::busy);
            }
        }
    }
}

SCENARIO("domain_mode host shares across every VM", "[sharing][domains]")
{
    GIVEN("three VMs with one identical page each and domain_mode host")
    {
        Host<> h(32 << 20);
        REQUIRE(h.engine.set_tunable("domain_mode", "host") == SharingError::ok);
        three_vms_with_a_common_page(h);
        WHEN("the scanner passes several times")
        {
            full_scans(h, 3);
            THEN("all three map one frame")
            {
                CHECK(frame_of(h, 1, 5 * k4K) == frame_of(h, 3, 5 * k4K));
                CHECK(h.engine.stats().pages_sharing == 2);
                CHECK(h.engine.stats().pages_shared_across_vms == 1);
            }
            AND_WHEN("run is set to 2")
            {
                REQUIRE(h.engine.set_tunable("run", "2") == SharingError::ok);
                THEN("every shared and zero page is private again and scanning stops")
                {
                    CHECK(h.engine.stats().pages_shared == 0);
                    CHECK(h.engine.stats().ksm_zero_pages == 0);
                    CHECK(h.engine.scan(100) == 0);
                    CHECK(h.engine.check_invariants() == nullptr);
                    CHECK(h.stale_tlb_entry() == "");
                    AND_THEN("the domain mode may change again")
                    {
                        CHECK(h.engine.set_tunable("domain_mode", "vm") == SharingError::ok);
                    }
                }
            }
        }
    }
}

SCENARIO("tunables are set by their KSM names with validation", "[sharing][tunables]")
{
    Host<> h(8 << 20);
    WHEN("valid values are given")
    {
        THEN("they take effect and read back")
        {
            CHECK(h.engine.set_tunable("pages_to_scan", "5000") == SharingError::ok);
            CHECK(h.engine.set_tunable("sleep_millisecs", "0") == SharingError::ok);
            CHECK(h.engine.set_tunable("split_policy", "eager") == SharingError::ok);
            CHECK(h.engine.set_tunable("merge_delay_ms", "250") == SharingError::ok);
            CHECK(h.engine.set_tunable("min_free", "100") == SharingError::ok);
            CHECK(h.engine.tunables().pages_to_scan == 5000);
            CHECK(h.engine.tunables().split_policy == SplitPolicy::eager);
            CHECK(h.machine.allocator.stats().min_free_frames == 100);
            char buf[32];
            CHECK(format_tunable(h.engine.tunables(), "split_policy", buf, sizeof buf));
            CHECK(std::string(buf) == "eager");
            CHECK(format_tunable(h.engine.tunables(), "merge_delay_ms", buf, sizeof buf));
            CHECK(std::string(buf) == "250");
        }
    }
    WHEN("bad input is given")
    {
        THEN("it is refused with a clear error and nothing changes")
        {
            Tunables before = h.engine.tunables();
            CHECK(h.engine.set_tunable("pages_to_scan", "0") == SharingError::out_of_range);
            CHECK(h.engine.set_tunable("pages_to_scan", "12x") == SharingError::bad_value);
            CHECK(h.engine.set_tunable("pages_to_scan", "") == SharingError::bad_value);
            CHECK(h.engine.set_tunable("pages_to_scan", "99999999999999999999999") == SharingError::bad_value);
            CHECK(h.engine.set_tunable("max_page_sharing", "1") == SharingError::out_of_range);
            CHECK(h.engine.set_tunable("split_policy", "lazy") == SharingError::bad_value);
            CHECK(h.engine.set_tunable("domain_mode", "cluster") == SharingError::bad_value);
            CHECK(h.engine.set_tunable("run", "3") == SharingError::out_of_range);
            CHECK(h.engine.set_tunable("nonsense", "1") == SharingError::unknown_key);
            CHECK(std::string(to_string(SharingError::unknown_key)) == "unknown key");
            CHECK(h.engine.tunables().pages_to_scan == before.pages_to_scan);
        }
    }
    WHEN("run is 0")
    {
        h.create_vm(1, 2 << 20);
        REQUIRE(h.engine.set_tunable("run", "0") == SharingError::ok);
        THEN("the scanner looks at nothing")
        {
            CHECK(h.engine.scan(100) == 0);
            CHECK(h.engine.tick() == 0);
        }
    }
}

SCENARIO("tick scans pages_to_scan pages every sleep_millisecs", "[sharing][tunables]")
{
    GIVEN("a VM and pages_to_scan 50, sleep_millisecs 20")
    {
        Host<> h(8 << 20);
        h.create_vm(1, 2 << 20);
        REQUIRE(h.engine.set_tunable("pages_to_scan", "50") == SharingError::ok);
        REQUIRE(h.engine.set_tunable("sleep_millisecs", "20") == SharingError::ok);
        THEN("a tick scans 50 pages, the next one within 20 ms none, one after 20 ms 50 again")
        {
            CHECK(h.engine.tick() == 50);
            h.clock.ms += 10;
            CHECK(h.engine.tick() == 0);
            h.clock.ms += 10;
            CHECK(h.engine.tick() == 50);
        }
    }
}
