#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "mm/reverse_map.hpp"
#include "hv/lib/spinlock.hpp"

using namespace sp::mm;

namespace {

// Host pages for reverse-map nodes, with an optional limit to test exhaustion.
struct HostPages final : PageProvider {
    std::vector<void*> pages;
    size_t limit = ~size_t{0};
    void* get_page() override
    {
        if (pages.size() >= limit) return nullptr;
        pages.push_back(std::aligned_alloc(4096, 4096));
        return pages.back();
    }
    ~HostPages()
    {
        for (void* p : pages) std::free(p);
    }
};

struct RmapFixture {
    static constexpr uint64_t kBase = 0x100; // first frame covered
    static constexpr uint64_t kFrames = 4096;
    explicit RmapFixture() : storage(kFrames)
    {
        REQUIRE(rmap.init(kBase, kFrames, storage.data(), storage.size() * 8, pages) == MmError::ok);
    }
    static uint64_t hpa(uint64_t i) { return (kBase + i) << 12; }
    std::vector<uint64_t> storage;
    HostPages pages;
    ReverseMap rmap;
};

std::multiset<std::pair<uint32_t, uint64_t>> mappers(const ReverseMap& r, uint64_t hpa)
{
    std::multiset<std::pair<uint32_t, uint64_t>> out;
    r.for_each(hpa, [&](Mapper m) { out.insert({m.vm, m.gfn}); });
    return out;
}

} // namespace

SCENARIO("the reverse map names every mapper of a host frame", "[mm][rmap]")
{
    GIVEN("a frame mapped by one guest page")
    {
        RmapFixture f;
        REQUIRE(f.rmap.add(f.hpa(5), 1, 0x1234) == MmError::ok);
        THEN("it is stored inline, without a node")
        {
            CHECK(f.rmap.count(f.hpa(5)) == 1);
            CHECK(f.rmap.contains(f.hpa(5), 1, 0x1234));
            CHECK(f.rmap.stats().nodes_in_use == 0);
        }
        WHEN("ten more guest pages share it")
        {
            for (uint64_t g = 0; g < 10; ++g) REQUIRE(f.rmap.add(f.hpa(5), 2 + g % 3, 0x9000 + g) == MmError::ok);
            THEN("all eleven are listed, in two nodes")
            {
                CHECK(f.rmap.count(f.hpa(5)) == 11);
                CHECK(mappers(f.rmap, f.hpa(5)).count({1, 0x1234}) == 1);
                CHECK(f.rmap.stats().nodes_in_use == 2);
                CHECK(f.rmap.stats().shared_frames == 1);
            }
            AND_WHEN("all but one unshare")
            {
                for (uint64_t g = 0; g < 10; ++g) REQUIRE(f.rmap.remove(f.hpa(5), 2 + g % 3, 0x9000 + g) == MmError::ok);
                THEN("the last one is back inline and the nodes are free")
                {
                    CHECK(f.rmap.count(f.hpa(5)) == 1);
                    CHECK(f.rmap.stats().nodes_in_use == 0);
                }
            }
        }
        WHEN("the guest page moves to another frame")
        {
            REQUIRE(f.rmap.move(f.hpa(5), f.hpa(9), 1, 0x1234) == MmError::ok);
            THEN("the old frame has no mapper and the new one has it")
            {
                CHECK(f.rmap.count(f.hpa(5)) == 0);
                CHECK(f.rmap.contains(f.hpa(9), 1, 0x1234));
            }
        }
    }
    GIVEN("bad requests")
    {
        RmapFixture f;
        REQUIRE(f.rmap.add(f.hpa(1), 1, 7) == MmError::ok);
        THEN("each is refused and nothing changes")
        {
            CHECK(f.rmap.add(f.hpa(1), 1, 7) == MmError::already_mapped);
            CHECK(f.rmap.remove(f.hpa(1), 1, 8) == MmError::not_found);
            CHECK(f.rmap.remove(f.hpa(2), 1, 7) == MmError::not_found);
            CHECK(f.rmap.add(0, 1, 7) == MmError::out_of_range);
            CHECK(f.rmap.add(f.hpa(RmapFixture::kFrames), 1, 7) == MmError::out_of_range);
            CHECK(f.rmap.add(f.hpa(3), ReverseMap::kMaxVm + 1, 7) == MmError::invalid_argument);
            CHECK(f.rmap.add(f.hpa(3), 1, ReverseMap::kMaxGfn + 1) == MmError::invalid_argument);
            CHECK(f.rmap.move(f.hpa(2), f.hpa(3), 1, 7) == MmError::not_found);
            CHECK(f.rmap.stats().mappings == 1);
            CHECK(f.rmap.contains(f.hpa(1), 1, 7));
        }
    }
    GIVEN("no page for a node")
    {
        RmapFixture f;
        f.pages.limit = 0;
        REQUIRE(f.rmap.add(f.hpa(1), 1, 7) == MmError::ok);
        THEN("sharing fails with out-of-memory and the single mapper stays")
        {
            CHECK(f.rmap.add(f.hpa(1), 2, 7) == MmError::no_memory);
            CHECK(f.rmap.count(f.hpa(1)) == 1);
            CHECK(f.rmap.stats().mappings == 1);
        }
    }
}

SCENARIO("the reverse map stays compact", "[mm][rmap]")
{
    GIVEN("4096 guest pages, every frame mapped once")
    {
        RmapFixture f;
        for (uint64_t i = 0; i < RmapFixture::kFrames; ++i) REQUIRE(f.rmap.add(f.hpa(i), 1, i) == MmError::ok);
        THEN("it costs 8 bytes per guest page, half the sharing engine's 16-byte budget")
        {
            ReverseMapStats s = f.rmap.stats();
            CHECK(s.bytes / s.mappings == 8);
        }
    }
    GIVEN("7 VMs whose pages all share the same 4096 frames")
    {
        RmapFixture f;
        for (uint32_t vm = 0; vm < 7; ++vm)
            for (uint64_t i = 0; i < RmapFixture::kFrames; ++i) REQUIRE(f.rmap.add(f.hpa(i), vm, i) == MmError::ok);
        THEN("one 64-byte node per frame holds them: about 10.3 bytes per guest page")
        {
            ReverseMapStats s = f.rmap.stats();
            CHECK(s.mappings == 7 * RmapFixture::kFrames);
            CHECK(s.nodes_in_use == RmapFixture::kFrames);
            CHECK(s.small_nodes_in_use == 0);
            CHECK((s.frames * 8 + s.nodes_in_use * 64) * 100 / s.mappings < 1100);
            // The small nodes the frames used on their way from 2 to 4 mappers are free but
            // their pages stay with the map (node pages are never returned, see memory-core.md).
            CHECK(s.bytes <= s.frames * 8 + s.nodes_in_use * 64 + RmapFixture::kFrames * 32);
        }
    }
}

SCENARIO("frames shared by two to four mappers use one small node", "[mm][rmap]")
{
    GIVEN("2 VMs whose pages share the same 4096 frames")
    {
        RmapFixture f;
        for (uint32_t vm = 0; vm < 2; ++vm)
            for (uint64_t i = 0; i < RmapFixture::kFrames; ++i) REQUIRE(f.rmap.add(f.hpa(i), vm, i) == MmError::ok);
        THEN("each frame costs its slot and one 32-byte node: 20 bytes per guest page, not 36")
        {
            ReverseMapStats s = f.rmap.stats();
            CHECK(s.small_nodes_in_use == RmapFixture::kFrames);
            CHECK(s.nodes_in_use == 0);
            CHECK(s.shared_frames == RmapFixture::kFrames);
            CHECK((s.frames * 8 + s.small_nodes_in_use * 32) / s.mappings == 20);
        }
        WHEN("two more VMs join")
        {
            for (uint32_t vm = 2; vm < 4; ++vm)
                for (uint64_t i = 0; i < RmapFixture::kFrames; ++i) REQUIRE(f.rmap.add(f.hpa(i), vm, i) == MmError::ok);
            THEN("four mappers still fit the small node: 10 bytes per guest page")
            {
                ReverseMapStats s = f.rmap.stats();
                CHECK(s.small_nodes_in_use == RmapFixture::kFrames);
                CHECK((s.frames * 8 + s.small_nodes_in_use * 32) / s.mappings == 10);
            }
            AND_WHEN("a fifth joins and then leaves again with two others")
            {
                REQUIRE(f.rmap.add(f.hpa(9), 4, 9) == MmError::ok);
                CHECK(f.rmap.stats().nodes_in_use == 1);
                CHECK(f.rmap.count(f.hpa(9)) == 5);
                for (uint32_t vm : {4u, 3u, 2u, 1u}) REQUIRE(f.rmap.remove(f.hpa(9), vm, 9) == MmError::ok);
                THEN("the last mapper is back inline and the node is free")
                {
                    CHECK(f.rmap.count(f.hpa(9)) == 1);
                    CHECK(f.rmap.contains(f.hpa(9), 0, 9));
                    CHECK(f.rmap.stats().nodes_in_use == 0);
                }
            }
        }
    }
}

SCENARIO("random add/remove/move sequences agree with a model", "[mm][rmap][random]")
{
    for (uint32_t seed = 1; seed <= 100; ++seed) {
        RmapFixture f;
        std::mt19937_64 rng(seed);
        std::map<uint64_t, std::multiset<std::pair<uint32_t, uint64_t>>> model;
        std::vector<std::tuple<uint64_t, uint32_t, uint64_t>> live;
        for (int step = 0; step < 500; ++step) {
            unsigned op = static_cast<unsigned>(rng() % 3);
            if (op == 0 || live.empty()) {
                uint64_t frame = rng() % 16; // few frames: lots of sharing
                uint32_t vm = static_cast<uint32_t>(rng() % 4);
                uint64_t gfn = rng() % 64;
                bool dup = model[frame].count({vm, gfn}) > 0;
                REQUIRE(f.rmap.add(f.hpa(frame), vm, gfn) == (dup ? MmError::already_mapped : MmError::ok));
                if (!dup) {
                    model[frame].insert({vm, gfn});
                    live.emplace_back(frame, vm, gfn);
                }
            } else {
                size_t i = rng() % live.size();
                auto [frame, vm, gfn] = live[i];
                if (op == 1) {
                    REQUIRE(f.rmap.remove(f.hpa(frame), vm, gfn) == MmError::ok);
                    model[frame].erase(model[frame].find({vm, gfn}));
                    live.erase(live.begin() + static_cast<long>(i));
                } else {
                    uint64_t to = rng() % 16;
                    bool dup = to != frame && model[to].count({vm, gfn}) > 0;
                    REQUIRE(f.rmap.move(f.hpa(frame), f.hpa(to), vm, gfn) == (dup ? MmError::already_mapped : MmError::ok));
                    if (!dup && to != frame) {
                        model[frame].erase(model[frame].find({vm, gfn}));
                        model[to].insert({vm, gfn});
                        live[i] = {to, vm, gfn};
                    }
                }
            }
            for (uint64_t frame = 0; frame < 16; ++frame) REQUIRE(mappers(f.rmap, f.hpa(frame)) == model[frame]);
        }
        for (auto [frame, vm, gfn] : live) REQUIRE(f.rmap.remove(f.hpa(frame), vm, gfn) == MmError::ok);
        REQUIRE(f.rmap.stats().nodes_in_use == 0);
        REQUIRE(f.rmap.stats().small_nodes_in_use == 0);
        REQUIRE(f.rmap.stats().mappings == 0);
    }
}

SCENARIO("the spinlock excludes and can be retried", "[mm][spinlock]")
{
    GIVEN("a held lock")
    {
        sp::Spinlock lock;
        lock.lock();
        THEN("try_lock fails until it is released")
        {
            CHECK(lock.is_locked());
            CHECK_FALSE(lock.try_lock());
            lock.unlock();
            CHECK(lock.try_lock());
            lock.unlock();
            CHECK_FALSE(lock.is_locked());
        }
    }
}
