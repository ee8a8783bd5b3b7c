#include <catch2/catch.hpp>

#include "../../bench/sharing_workload.hpp"
#include "sharing_fixture.hpp"

using namespace sp::sharing;
using namespace sp::sharing::test;

namespace {

void load_workload(Host<>& h, const sp::bench::WorkloadShape& shape)
{
    for (uint32_t vm = 1; vm <= shape.vms; ++vm) {
        h.create_vm(vm, shape.pages_per_vm * k4K);
        auto seeds = sp::bench::workload_seeds(shape, vm);
        for (uint64_t p = 0; p < shape.pages_per_vm; ++p) {
            auto t = h.guest(vm).table->translate(p * k4K);
            REQUIRE(t.ok());
            sp::bench::fill_from_seed(h.machine.memory.to_virt(t.value.pa), seeds[p]);
        }
    }
}

uint64_t frames_saved(const SharingStats& s) { return s.saving - (s.ksm_zero_pages ? 1 : 0); }

void report(const char* what, const SharingStats& s, uint64_t ideal)
{
    const MetadataUsage& m = s.metadata;
    std::printf("%s: saved %llu of ideal %llu; metadata %llu.%03llu B/page (state %llu, index %llu, rmap %llu bytes, %llu pages)\n",
                what, (unsigned long long)frames_saved(s), (unsigned long long)ideal,
                (unsigned long long)(m.milli_bytes_per_page / 1000), (unsigned long long)(m.milli_bytes_per_page % 1000),
                (unsigned long long)m.page_state_bytes, (unsigned long long)m.index_bytes, (unsigned long long)m.rmap_bytes,
                (unsigned long long)m.guest_pages);
}

} // namespace

SCENARIO("the reference workload (scaled down) reaches its ideal saving within 16 bytes per page", "[sharing][workload]")
{
    sp::bench::WorkloadShape shape;
    shape.pages_per_vm = 2048; // 4 VMs x 8 MiB
    GIVEN("four VMs with the reference mix, one sharing domain")
    {
        Host<> h(48 << 20);
        REQUIRE(h.engine.set_tunable("domain_mode", "host") == SharingError::ok);
        load_workload(h, shape);
        WHEN("the scanner has run six full passes (the index is sized by the previous pass)")
        {
            full_scans(h, 6);
            SharingStats s = h.engine.stats();
            report("one domain", s, shape.ideal_saving(true));
            THEN("at least 99.9% of the ideal saving is reached, with at most 16 bytes of metadata per page")
            {
                CHECK(frames_saved(s) * 1000 >= shape.ideal_saving(true) * 999);
                CHECK(frames_saved(s) <= shape.ideal_saving(true));
                CHECK(s.metadata.milli_bytes_per_page <= 16000);
                CHECK(s.general_profit > 0);
                CHECK(h.engine.check_invariants() == nullptr);
            }
        }
    }
    GIVEN("the same VMs, each its own domain (the default)")
    {
        Host<> h(48 << 20);
        load_workload(h, shape);
        WHEN("the scanner has run six full passes (the index is sized by the previous pass)")
        {
            full_scans(h, 6);
            SharingStats s = h.engine.stats();
            report("per-VM domains", s, shape.ideal_saving(false));
            THEN("the ideal per-VM saving is reached and nothing is shared across VMs but zero pages")
            {
                CHECK(frames_saved(s) * 1000 >= shape.ideal_saving(false) * 999);
                CHECK(frames_saved(s) <= shape.ideal_saving(false));
                CHECK(s.pages_shared_across_vms == 0);
                CHECK(s.metadata.milli_bytes_per_page <= 16000);
            }
        }
    }
}
