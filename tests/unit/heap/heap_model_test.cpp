// Randomized model test: random allocate/free mixes checked against a plain model of what is
// live. Every allocation is filled with a pattern of its own that is verified before it is
// freed, and ranges are checked against all live ranges, so overlapping allocations are caught
// at once; check() runs after every step.
#include <catch2/catch.hpp>

#include <cstring>
#include <iterator>
#include <map>
#include <random>
#include <vector>

#include "heap_test_support.hpp"
#include "mm/small_heap.hpp"

using namespace sp;
using namespace sp::heap_test;

namespace {

struct Live {
    size_t size;
    uint8_t pattern;
};

uint8_t pattern_byte(uint8_t pattern, size_t i) { return static_cast<uint8_t>(pattern + i * 7); }

void fill(uint8_t* p, const Live& l)
{
    for (size_t i = 0; i < l.size; ++i) p[i] = pattern_byte(l.pattern, i);
}

bool intact(const uint8_t* p, const Live& l)
{
    for (size_t i = 0; i < l.size; ++i) {
        if (p[i] != pattern_byte(l.pattern, i)) return false;
    }
    return true;
}

size_t random_size(std::mt19937_64& rng)
{
    unsigned pick = rng() % 100;
    if (pick < 45) return rng() % 129;                 // tiny, including 0
    if (pick < 75) return 1 + rng() % 1024;            // any small class
    if (pick < 93) return 1025 + rng() % (16 * 1024);  // medium blocks
    return 16 * 1024 + rng() % (160 * 1024);           // big blocks
}

size_t random_alignment(std::mt19937_64& rng)
{
    if (rng() % 8 != 0) return 16;
    return size_t{1} << (rng() % 13); // 1 .. 4096
}

void run_model(uint64_t seed, size_t region_bytes, size_t steps)
{
    INFO("seed " << seed);
    TestHeap t(region_bytes, seed % 4 * 16);
    std::mt19937_64 rng(seed);
    std::map<uintptr_t, Live> live; // by address
    size_t requested = 0;
    size_t failures = 0;

    auto free_one = [&](std::map<uintptr_t, Live>::iterator it) {
        auto* p = reinterpret_cast<uint8_t*>(it->first);
        REQUIRE(intact(p, it->second));
        REQUIRE(t.heap.size_of(p) >= it->second.size);
        requested -= it->second.size ? it->second.size : 1;
        live.erase(it);
        t.heap.free(p);
    };

    for (size_t step = 0; step < steps; ++step) {
        INFO("step " << step);
        // Drift between filling up and draining so both exhaustion and coalescing happen.
        bool filling = (step / 2000) % 2 == 0;
        bool allocate = live.empty() || rng() % 100 < (filling ? 65u : 35u);
        if (allocate) {
            size_t size = random_size(rng);
            size_t align = random_alignment(rng);
            auto* p = static_cast<uint8_t*>(t.heap.allocate(size, align));
            if (!p) {
                // Only a full heap may refuse: nothing free is big enough, even after the
                // heap has given its cached empty slabs back.
                ++failures;
                HeapStats s = t.heap.stats();
                REQUIRE(s.largest_free_block < size + align + 64);
            } else {
                uintptr_t a = reinterpret_cast<uintptr_t>(p);
                REQUIRE(a % (align < 16 ? 16 : align) == 0);
                REQUIRE(t.heap.contains(p));
                REQUIRE(t.heap.size_of(p) >= size);
                // No overlap with the live neighbours on either side.
                auto next = live.lower_bound(a);
                if (next != live.end()) REQUIRE(a + (size ? size : 1) <= next->first);
                if (next != live.begin()) {
                    auto prev = std::prev(next);
                    REQUIRE(prev->first + (prev->second.size ? prev->second.size : 1) <= a);
                }
                Live l{size, static_cast<uint8_t>(rng())};
                fill(p, l);
                live.emplace(a, l);
                requested += size ? size : 1; // size 0 is served as 1 byte
            }
        } else {
            auto it = live.begin();
            std::advance(it, static_cast<long>(rng() % live.size()));
            free_one(it);
        }
        require_sound(t.heap);
        HeapStats s = t.heap.stats();
        REQUIRE(s.live_allocations == live.size());
        REQUIRE(s.requested_bytes == requested);
        if (step % 256 == 0) require_stats_add_up(s);
    }
    CHECK(failures > 0); // the mix reached exhaustion at least once
    while (!live.empty()) free_one(live.begin());
    require_sound(t.heap);
    HeapStats s = t.heap.stats();
    CHECK(s.live_allocations == 0);
    CHECK(s.requested_bytes == 0);
    CHECK(s.reserved_bytes == 0);
    CHECK(t.heap.allocate(s.region_bytes - s.metadata_bytes - 16) != nullptr);
}

} // namespace

TEST_CASE("random allocate/free mixes keep every allocation intact and the heap consistent", "[heap][model]")
{
    for (uint64_t seed : {1u, 2u, 3u}) run_model(seed, 1 * MiB, 8000);
}

TEST_CASE("long random allocate/free mixes over a bigger region", "[heap][model][long]")
{
    for (uint64_t seed = 100; seed < 102; ++seed) run_model(seed, 2 * MiB, 30000);
}
