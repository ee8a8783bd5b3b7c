// Randomized model test: seeded sequences of guest writes and reads interleaved with scanner
// steps, pressure changes (which split and collapse large mappings), clock jumps and policy
// changes. After every step: each guest page equals its reference copy, the engine's and the
// allocator's invariants hold (reference counts = reverse map, one owner per frame), and no
// TLB entry outlived a downgrade or a move of its page (the simulated TLB serves guest
// accesses from its cache, so a missing flush would also corrupt the reference comparison).
#include <catch2/catch.hpp>

#include <random>

#include "sharing_fixture.hpp"

using namespace sp::sharing;
using namespace sp::sharing::test;

namespace {

struct ModelVm {
    uint32_t id;
    uint64_t bytes;
    PageSize max_page;
    std::vector<uint8_t> reference;
};

struct Model {
    explicit Model(uint32_t seed) : rng(seed), h(64 << 20)
    {
        const char* modes[] = {"vm", "group", "host"};
        REQUIRE(h.engine.set_tunable("domain_mode", modes[seed % 3]) == SharingError::ok);
        REQUIRE(h.engine.set_tunable("merge_delay_ms", "3000") == SharingError::ok);
        if (seed % 2) REQUIRE(h.engine.set_tunable("max_page_sharing", "3") == SharingError::ok);
        vms.push_back({1, 4 << 20, PageSize::size_4k, {}});
        vms.push_back({2, 4 << 20, PageSize::size_2m, {}});
        vms.push_back({3, 6 << 20, PageSize::size_2m, {}});
        for (auto& v : vms) {
            h.create_vm(v.id, v.bytes, v.max_page);
            v.reference.assign(v.bytes, 0);
        }
        if (seed % 3 == 1) {
            REQUIRE(h.engine.set_vm_group(1, "a") == SharingError::ok);
            REQUIRE(h.engine.set_vm_group(3, "a") == SharingError::ok);
        }
        for (uint32_t p = 0; p < 6; ++p) patterns.push_back(pattern_page(p)); // 0 is the zero page
    }

    uint64_t pick(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); }

    void step()
    {
        h.clock.ms += pick(400); // time passes: merge_delay_ms can run out
        uint64_t op = pick(100);
        ModelVm& v = vms[pick(vms.size())];
        uint64_t page = pick(v.bytes / k4K);
        // Writes cluster in a few hot ranges so whole 2 MiB ranges become sharable or zero.
        if (pick(2)) page = (page & ~511ull) | pick(24);
        uint64_t gpa = page * k4K;
        if (op < 40) {
            const auto& content = patterns[pick(patterns.size())];
            REQUIRE(h.fill_page(v.id, gpa, content.data()));
            std::memcpy(&v.reference[gpa], content.data(), k4K);
        } else if (op < 50) {
            uint8_t byte = static_cast<uint8_t>(pick(256));
            uint64_t off = pick(k4K);
            REQUIRE(h.write(v.id, gpa + off, &byte, 1));
            v.reference[gpa + off] = byte;
        } else if (op < 58) {
            std::vector<uint8_t> page_bytes(k4K);
            REQUIRE(h.read_page(v.id, gpa, page_bytes.data()));
            REQUIRE(std::memcmp(page_bytes.data(), &v.reference[gpa], k4K) == 0);
        } else if (op < 90) {
            h.engine.scan(1 + pick(1500));
        } else if (op < 95) {
            // Pressure: plenty, a little short, or very short of memory.
            uint64_t free = h.machine.allocator.free_frames();
            uint64_t choice = pick(3);
            uint64_t min_free = choice == 0 ? 16 : choice == 1 ? free / 4 + 1 + pick(64) : free;
            h.machine.allocator.set_min_free(min_free);
            h.engine.set_pressure(h.machine.allocator.pressure());
        } else if (op < 96) {
            h.clock.ms += pick(8000);
        } else if (op < 99) {
            // The guest rewrites a whole 2 MiB range with its own data (a buffer fill).
            uint64_t base = gpa & ~(k2M - 1);
            uint32_t salt = static_cast<uint32_t>(pick(1u << 20));
            for (uint64_t off = 0; off < k2M; off += k4K) {
                auto content = pattern_page(100 + salt + static_cast<uint32_t>(off / k4K));
                REQUIRE(h.fill_page(v.id, base + off, content.data()));
                std::memcpy(&v.reference[base + off], content.data(), k4K);
            }
        } else {
            REQUIRE(h.engine.set_tunable("split_policy", pick(2) ? "eager" : "pressure") == SharingError::ok);
        }
    }

    void check()
    {
        for (auto& v : vms) {
            auto& table = *h.guest(v.id).table;
            for (uint64_t gpa = 0; gpa < v.bytes; gpa += k4K) {
                Result<Translation> t = table.translate(gpa);
                if (!t.ok()) FAIL("VM " << v.id << " page " << gpa / k4K << " lost its mapping");
                if (std::memcmp(h.machine.memory.to_virt(t.value.pa), &v.reference[gpa], k4K) != 0)
                    FAIL("VM " << v.id << " page " << gpa / k4K << " differs from its reference");
            }
        }
        const char* engine_broken = h.engine.check_invariants();
        if (engine_broken) FAIL(engine_broken);
        const char* frames_broken = h.machine.allocator.check_invariants();
        if (frames_broken) FAIL(frames_broken);
        std::string stale = h.stale_tlb_entry();
        if (!stale.empty()) FAIL(stale);
    }

    void destroy_all()
    {
        for (auto& v : vms) h.destroy_vm(v.id);
        for (auto& v : vms) REQUIRE(h.vm_frames(v.id) == 0);
        REQUIRE(h.shared_frames() == 0);
        REQUIRE(h.rmap.stats().mappings == 0);
        REQUIRE(h.machine.allocator.check_invariants() == nullptr);
    }

    std::mt19937_64 rng;
    Host<> h;
    std::vector<ModelVm> vms;
    std::vector<std::vector<uint8_t>> patterns;
};

struct Coverage {
    uint64_t merges = 0, cow = 0, splits = 0, collapses = 0, by_copy = 0, zero_large = 0, zero = 0;
};

void run_model(uint32_t seed, unsigned steps, Coverage& seen)
{
    INFO("seed " << seed);
    Model m(seed);
    for (unsigned i = 0; i < steps; ++i) {
        INFO("step " << i);
        m.step();
        m.check();
    }
    SharingStats s = m.h.engine.stats();
    seen.merges += s.merges;
    seen.cow += s.cow_breaks;
    seen.splits += s.large_split;
    seen.collapses += s.large_collapsed;
    seen.by_copy += s.large_collapsed_by_copy;
    seen.zero_large += s.large_zero_reclaimed;
    seen.zero += s.ksm_zero_pages;
    m.destroy_all();
}

} // namespace

SCENARIO("randomized guest activity keeps every page's content and every invariant", "[sharing][model]")
{
    GIVEN("three VMs (4 KiB, 2 MiB and mixed mappings) and seeds covering every domain mode")
    {
        THEN("after every step of 250 the model holds, and destroying the VMs frees everything")
        {
            Coverage seen;
            for (uint32_t seed = 1; seed <= 6; ++seed) run_model(seed, 250, seen);
            std::printf("model coverage: merges %llu cow %llu splits %llu collapses %llu (by copy %llu) zero-large %llu\n",
                        (unsigned long long)seen.merges, (unsigned long long)seen.cow, (unsigned long long)seen.splits,
                        (unsigned long long)seen.collapses, (unsigned long long)seen.by_copy, (unsigned long long)seen.zero_large);
            AND_THEN("the runs went through every kind of step the engine has")
            {
                CHECK(seen.merges > 0);
                CHECK(seen.cow > 0);
                CHECK(seen.splits > 0);
                CHECK(seen.collapses > 0);
                CHECK(seen.zero_large > 0);
            }
        }
    }
}

SCENARIO("long randomized runs keep every invariant", "[sharing][model][long]")
{
    Coverage seen;
    for (uint32_t seed = 100; seed < 120; ++seed) run_model(seed, 1000, seen);
    CHECK(seen.by_copy > 0);
}
