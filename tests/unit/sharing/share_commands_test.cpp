#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../console/console_test_support.hpp"
#include "hv/console/shell.hpp"
#include "hv/vm/share_commands.hpp"
#include "sharing_fixture.hpp"

using namespace sp::sharing::test;

namespace {

struct ShareConsole {
    Host<> host{64ull << 20};
    console_test::StringSink out;
    sp::console::Shell shell{out};
    ShareConsole() { sp::vm::add_share_commands(shell, host.engine, nullptr); }
    std::string run(const char* line)
    {
        out.take();
        shell.execute(line);
        return out.take();
    }
};

} // namespace

TEST_CASE("share reports KSM's counters and every tunable, as text and as one JSON line", "[sharing][console]")
{
    ShareConsole c;
    c.host.create_vm(1, 2 * k2M);
    c.host.create_vm(2, 2 * k2M);
    std::vector<uint8_t> page(4096, 0x5a);
    for (uint32_t vm : {1u, 2u}) REQUIRE(c.host.fill_page(vm, 0x3000, page.data()));
    REQUIRE(c.run("share set domain_mode host").find("error") == std::string::npos);
    c.host.engine.scan(10000);
    c.host.engine.scan(10000);
    std::string text = c.run("share");
    for (const char* key : {"pages_shared", "pages_sharing", "pages_unshared", "pages_volatile", "pages_skipped",
                            "full_scans", "general_profit", "ksm_zero_pages", "stable_node_chains",
                            "pages_shared_across_vms", "large_split", "large_collapsed", "cow_breaks", "pressure",
                            "pages_to_scan", "sleep_millisecs", "split_policy", "merge_delay_ms", "domain_mode"})
        CHECK_THAT(text, Catch::Contains(key));
    std::string json = c.run("share --json");
    CHECK(console_test::is_one_json_line(json)); // framed: "@<n> {...}"
    CHECK_THAT(json, Catch::Contains("\"pages_shared_across_vms\":1"));
    CHECK_THAT(json, Catch::Contains("\"domain_mode\":\"host\""));
}

TEST_CASE("share set validates keys and values with clear errors and changes nothing on error", "[sharing][console]")
{
    ShareConsole c;
    CHECK_THAT(c.run("share set pages_to_scan 5000"), Catch::Contains("5000"));
    CHECK(c.host.engine.tunables().pages_to_scan == 5000);
    std::string bad = c.run("share set pages_to_scan lots");
    CHECK_THAT(bad, Catch::Contains("error: cannot set pages_to_scan to 'lots'"));
    CHECK(c.host.engine.tunables().pages_to_scan == 5000);
    CHECK_THAT(c.run("share set pages_to_scan 0"), Catch::Contains("error:"));
    std::string unknown = c.run("share set pages 10");
    CHECK_THAT(unknown, Catch::Contains("no tunable 'pages'"));
    CHECK_THAT(unknown, Catch::Contains("split_policy"));
    CHECK_THAT(c.run("share set split_policy sometimes"), Catch::Contains("pressure | eager"));
    CHECK_THAT(c.run("share set split_policy eager"), Catch::Contains("eager"));
    CHECK(c.host.engine.tunables().split_policy == sp::sharing::SplitPolicy::eager);
}

TEST_CASE("share run switches the scanner; share vms lists each registered VM", "[sharing][console]")
{
    ShareConsole c;
    c.host.create_vm(3, 2 * k2M, sp::mm::PageSize::size_2m);
    CHECK_THAT(c.run("share run 0"), Catch::Contains("0"));
    CHECK(c.host.engine.tunables().run == 0);
    CHECK_THAT(c.run("share run 7"), Catch::Contains("error:"));
    CHECK(c.host.engine.tunables().run == 0);
    c.run("share run 1");
    std::string vms = c.run("share vms --json");
    CHECK_THAT(vms, Catch::Contains("\"id\":3"));
    CHECK_THAT(vms, Catch::Contains("\"pages\":1024"));
    CHECK_THAT(vms, Catch::Contains("\"on_large\":\"100.0%\""));
}
