#include <catch2/catch.hpp>

#include <string>

#include "vmx_test_support.hpp"

using namespace sp::vmx;

TEST_CASE("The EPTP is write-back with a 4-level walk and nothing in bits 11:7", "[vmx][eptp]")
{
    auto caps = test::bochs_haswell();
    EptpResult r = make_eptp(0x12345000, caps);
    REQUIRE(r.error == nullptr);
    CHECK(r.eptp == (0x12345000ull | 0x1e)); // type 6, walk length 4 - 1
    CHECK(eptp_root(r.eptp) == 0x12345000ull);
    CHECK(make_eptp(0x12345000, caps, true).eptp == (0x12345000ull | 0x5e));
}

TEST_CASE("An EPTP the CPU would refuse is an error that says why", "[vmx][eptp]")
{
    auto caps = test::bochs_haswell();
    CHECK(std::string(make_eptp(0x12345800, caps).error) == "the EPT root table is not a 4 KiB aligned frame");
    CHECK(std::string(make_eptp(0, caps).error) == "the EPT root table is not a 4 KiB aligned frame");
    CHECK(std::string(make_eptp(1ull << 40, caps).error) == "the EPT root table lies beyond the physical address width");
    auto no_wb = caps;
    no_wb.ept_vpid_cap &= ~ept_cap::memory_wb;
    CHECK(std::string(make_eptp(0x1000, no_wb).error) == "EPT paging structures cannot be write-back");
    auto no_walk = caps;
    no_walk.ept_vpid_cap &= ~ept_cap::walk_4;
    CHECK(std::string(make_eptp(0x1000, no_walk).error) == "EPT offers no 4-level page walk");
    auto no_ad = caps;
    no_ad.ept_vpid_cap &= ~ept_cap::accessed_dirty;
    CHECK(std::string(make_eptp(0x1000, no_ad, true).error) == "EPT accessed/dirty flags are not offered");
}
