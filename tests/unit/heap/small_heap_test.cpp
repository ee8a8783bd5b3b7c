#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "heap_test_support.hpp"
#include "mm/small_heap.hpp"

using namespace sp;
using namespace sp::heap_test;

namespace {

uintptr_t address(const void* p) { return reinterpret_cast<uintptr_t>(p); }

size_t class_index_of_slot(size_t slot)
{
    for (unsigned c = 0; c < kHeapSizeClassCount; ++c) {
        if (kHeapSizeClasses[c] == slot) return c;
    }
    FAIL("no size class of " << slot << " bytes");
    return 0;
}

} // namespace

TEST_CASE("a heap takes over a region of any alignment and starts empty", "[heap]")
{
    for (size_t offset : {size_t{0}, size_t{8}, size_t{16}, size_t{4096 + 24}, size_t{65536 - 16}}) {
        TestHeap t(8 * MiB + 5, offset);
        require_sound(t.heap);
        HeapStats s = t.heap.stats();
        CHECK(s.region_bytes == 8 * MiB + 5);
        CHECK(s.live_allocations == 0);
        CHECK(s.reserved_bytes == 0);
        CHECK(s.requested_bytes == 0);
        CHECK(s.slab_count == 0);
        // Only the chunk map (1 byte per 64 KiB), alignment trims and the end marker are lost.
        CHECK(s.metadata_bytes <= 8 * MiB / SmallHeap::kSlabBytes + 2 + 16 + 16 + 32);
        CHECK(s.free_bytes == s.region_bytes - s.metadata_bytes);
        CHECK(s.largest_free_block == s.free_bytes - 16);
        require_stats_add_up(s);
        CHECK(t.heap.contains(t.region.base()));
        CHECK(t.heap.contains(t.region.base() + t.region.bytes() - 1));
        CHECK_FALSE(t.heap.contains(t.region.base() + t.region.bytes()));
    }
}

TEST_CASE("a region too small for the heap's own metadata is refused", "[heap]")
{
    HostRegion region(4096);
    SmallHeap heap;
    CHECK_FALSE(heap.init(region.base(), 0));
    CHECK_FALSE(heap.init(region.base(), 64));
    CHECK_FALSE(heap.init(nullptr, 4096));
    CHECK(heap.init(region.base(), 4096));
    require_sound(heap);
}

TEST_CASE("every size class serves its sizes from slabs without a per-object header", "[heap]")
{
    TestHeap t(16 * MiB);
    size_t previous_class = 0;
    for (unsigned c = 0; c < kHeapSizeClassCount; ++c) {
        const size_t slot = kHeapSizeClasses[c];
        INFO("class " << slot);
        std::vector<void*> objects;
        for (size_t size = previous_class + 1; size <= slot; ++size) {
            void* p = t.heap.allocate(size);
            REQUIRE(p != nullptr);
            CHECK(address(p) % 16 == 0);
            CHECK(t.heap.size_of(p) == slot);
            std::memset(p, 0xA5, slot);
            objects.push_back(p);
        }
        // Consecutive objects of a fresh slab sit exactly one slot apart: no header between them.
        for (size_t i = 1; i < objects.size() && i < 8; ++i) {
            CHECK(address(objects[i]) - address(objects[i - 1]) == slot);
        }
        HeapStats s = t.heap.stats();
        CHECK(s.classes[c].object_size == slot);
        CHECK(s.classes[c].live == objects.size());
        CHECK(s.classes[c].slabs >= 1);
        CHECK(s.large_allocations == 0);
        require_stats_add_up(s);
        require_sound(t.heap);
        for (void* p : objects) t.heap.free(p);
        CHECK(t.heap.stats().classes[c].live == 0);
        require_sound(t.heap);
        previous_class = slot;
    }
}

TEST_CASE("a small request wastes at most 15 bytes or a fifth of its slot: 24 bytes cost 32", "[heap]")
{
    TestHeap t(4 * MiB);
    void* p24 = t.heap.allocate(24);
    CHECK(t.heap.size_of(p24) == 32);
    CHECK(t.heap.stats().reserved_bytes == 32);
    t.heap.free(p24);

    for (size_t r = 1; r <= SmallHeap::kMaxSmallSize; ++r) {
        INFO("request " << r);
        void* p = t.heap.allocate(r);
        REQUIRE(p != nullptr);
        size_t slot = t.heap.size_of(p);
        CHECK(slot >= r);
        CHECK((slot < r + 16 || slot * 4 <= r * 5));
        HeapStats s = t.heap.stats();
        CHECK(s.reserved_bytes == slot);
        CHECK(s.requested_bytes == r);
        t.heap.free(p);
    }
    require_sound(t.heap);
}

TEST_CASE("a large request costs its size rounded to 16, a 16-byte header and a short tail at most", "[heap]")
{
    TestHeap t(16 * MiB);
    std::vector<void*> kept; // neighbours, so blocks come from the middle of the region
    for (size_t r : {size_t{1025}, size_t{1030}, size_t{2000}, size_t{4096}, size_t{10000}, size_t{65536},
                     size_t{100000}, size_t{1 * MiB + 3}, size_t{4 * MiB}}) {
        INFO("request " << r);
        size_t reserved_before = t.heap.stats().reserved_bytes;
        void* p = t.heap.allocate(r);
        REQUIRE(p != nullptr);
        CHECK(address(p) % 16 == 0);
        size_t usable = t.heap.size_of(p);
        CHECK(usable >= r);
        CHECK(usable < r + 64);
        CHECK(t.heap.stats().reserved_bytes - reserved_before == usable + 16);
        std::memset(p, 0x5A, r);
        kept.push_back(p);
        kept.push_back(t.heap.allocate(100));
        require_sound(t.heap);
    }
    HeapStats s = t.heap.stats();
    CHECK(s.large_allocations == 9);
    CHECK(s.live_allocations == 18);
    require_stats_add_up(s);
    for (void* p : kept) t.heap.free(p);
    require_sound(t.heap);
}

TEST_CASE("allocations honour explicit alignments up to 4096 and refuse impossible ones", "[heap]")
{
    TestHeap t(16 * MiB);
    std::vector<void*> live;
    for (size_t align = 1; align <= SmallHeap::kMaxAlignment; align *= 2) {
        for (size_t size : {size_t{0}, size_t{1}, size_t{24}, size_t{64}, size_t{100}, size_t{1000}, size_t{1024},
                            size_t{3000}, size_t{5000}, size_t{70000}}) {
            INFO("size " << size << " align " << align);
            void* p = t.heap.allocate(size, align);
            REQUIRE(p != nullptr);
            CHECK(address(p) % std::max<size_t>(align, 16) == 0);
            CHECK(t.heap.size_of(p) >= size);
            std::memset(p, 0x77, size);
            live.push_back(p);
        }
        require_sound(t.heap);
    }
    CHECK(t.heap.allocate(16, 3) == nullptr);
    CHECK(t.heap.allocate(16, 48) == nullptr);
    CHECK(t.heap.allocate(16, 8192) == nullptr);
    std::shuffle(live.begin(), live.end(), std::mt19937(7));
    for (void* p : live) t.heap.free(p);
    require_sound(t.heap);
    CHECK(t.heap.stats().live_allocations == 0);
}

TEST_CASE("small requests aligned to 32 or 64 still come from slabs", "[heap]")
{
    TestHeap t(4 * MiB);
    void* a = t.heap.allocate(24, 64);
    void* b = t.heap.allocate(100, 32);
    CHECK(address(a) % 64 == 0);
    CHECK(address(b) % 32 == 0);
    HeapStats s = t.heap.stats();
    CHECK(s.large_allocations == 0);
    CHECK(s.classes[class_index_of_slot(64)].live == 1);
    CHECK(s.classes[class_index_of_slot(128)].live == 1);
    CHECK(s.requested_bytes == 124);
    t.heap.free(a);
    t.heap.free(b);
    require_sound(t.heap);
}

TEST_CASE("size 0 gets a unique object and free(nullptr) does nothing", "[heap]")
{
    TestHeap t(1 * MiB);
    void* a = t.heap.allocate(0);
    void* b = t.heap.allocate(0);
    REQUIRE(a != nullptr);
    REQUIRE(b != nullptr);
    CHECK(a != b);
    CHECK(t.heap.size_of(a) == 16);
    HeapStats before = t.heap.stats();
    t.heap.free(nullptr);
    HeapStats after = t.heap.stats();
    CHECK(after.live_allocations == before.live_allocations);
    CHECK(after.free_bytes == before.free_bytes);
    t.heap.free(a);
    t.heap.free(b);
    require_sound(t.heap);
}

TEST_CASE("an empty slab is kept for its class, a second empty one goes back to the region", "[heap]")
{
    TestHeap t(4 * MiB);
    std::vector<void*> objects;
    // Fill the first slab of the 48-byte class and spill one object into a second.
    while (t.heap.stats().slab_count < 2) objects.push_back(t.heap.allocate(48));
    CHECK(t.heap.stats().classes[class_index_of_slot(48)].slabs == 2);
    for (void* p : objects) t.heap.free(p);
    HeapStats s = t.heap.stats();
    CHECK(s.slab_count == 1);
    CHECK(s.live_allocations == 0);
    require_sound(t.heap);
    // Asking for the whole region takes the cached slab back too.
    size_t whole = s.region_bytes - s.metadata_bytes - 16;
    void* all = t.heap.allocate(whole);
    REQUIRE(all != nullptr);
    CHECK(t.heap.stats().slab_count == 0);
    CHECK(t.heap.stats().free_bytes == 0);
    t.heap.free(all);
    require_sound(t.heap);
}

TEST_CASE("freed neighbours coalesce: after freeing everything, nearly the whole region is one block", "[heap]")
{
    TestHeap t(8 * MiB);
    const HeapStats empty = t.heap.stats();
    std::mt19937_64 rng(42);
    std::vector<void*> live;
    // Allocate in mixed pieces until a request fails, then fill what is left with ever smaller
    // pieces until not even 16 bytes fit.
    for (;;) {
        size_t size = rng() % 4 == 0 ? 1025 + rng() % 20000 : 1 + rng() % 1024;
        void* p = t.heap.allocate(size);
        if (!p) break;
        live.push_back(p);
    }
    for (size_t size : {16384, 4096, 1024, 256, 64, 16}) {
        while (void* p = t.heap.allocate(size)) live.push_back(p);
    }
    HeapStats full = t.heap.stats();
    CHECK(full.free_bytes == 0);
    require_stats_add_up(full);
    require_sound(t.heap);

    std::shuffle(live.begin(), live.end(), rng);
    for (void* p : live) t.heap.free(p);
    require_sound(t.heap);
    HeapStats freed = t.heap.stats();
    CHECK(freed.live_allocations == 0);
    CHECK(freed.reserved_bytes == 0);
    CHECK(freed.peak_reserved_bytes == full.peak_reserved_bytes);
    CHECK(freed.slab_count <= kHeapSizeClassCount); // at most one cached empty slab per class

    void* whole = t.heap.allocate(empty.largest_free_block);
    REQUIRE(whole != nullptr);
    CHECK(t.heap.size_of(whole) == empty.largest_free_block);
    CHECK(t.heap.stats().free_bytes == 0);
    t.heap.free(whole);
    HeapStats after = t.heap.stats();
    CHECK(after.free_bytes == empty.free_bytes);
    CHECK(after.largest_free_block == empty.largest_free_block);
    require_sound(t.heap);
}

TEST_CASE("exhaustion returns nullptr and the heap stays usable", "[heap]")
{
    TestHeap t(2 * MiB);
    SECTION("large blocks")
    {
        std::vector<void*> live;
        while (void* p = t.heap.allocate(4096)) live.push_back(p);
        CHECK(live.size() > 400);
        CHECK(t.heap.allocate(4096) == nullptr);
        CHECK(t.heap.allocate(SIZE_MAX) == nullptr);
        CHECK(t.heap.allocate(SIZE_MAX - 8) == nullptr);
        CHECK(t.heap.allocate(3 * MiB) == nullptr);
        require_sound(t.heap);
        // Small requests still find a home in the leftover bytes, then run out too.
        std::vector<void*> small;
        while (void* p = t.heap.allocate(16)) small.push_back(p);
        CHECK(t.heap.allocate(16) == nullptr);
        require_sound(t.heap);
        t.heap.free(live[live.size() / 2]);
        void* again = t.heap.allocate(4096);
        CHECK(again == live[live.size() / 2]);
        live[live.size() / 2] = again;
        for (void* p : live) t.heap.free(p);
        for (void* p : small) t.heap.free(p);
        require_sound(t.heap);
        CHECK(t.heap.stats().live_allocations == 0);
    }
    SECTION("small objects")
    {
        std::vector<void*> live;
        while (void* p = t.heap.allocate(200)) live.push_back(p);
        CHECK(live.size() * 224 > 2 * MiB * 8 / 10);
        CHECK(t.heap.allocate(200) == nullptr);
        require_stats_add_up(t.heap.stats());
        require_sound(t.heap);
        t.heap.free(live.back());
        live.pop_back();
        void* p = t.heap.allocate(150);
        REQUIRE(p != nullptr);
        live.push_back(p);
        for (void* q : live) t.heap.free(q);
        require_sound(t.heap);
        CHECK(t.heap.allocate(1 * MiB) != nullptr);
    }
}

TEST_CASE("statistics count requested and reserved bytes, live objects and the peak", "[heap]")
{
    TestHeap t(8 * MiB);
    void* a = t.heap.allocate(24);       // 32-byte slot
    void* b = t.heap.allocate(100);      // 112-byte slot
    void* c = t.heap.allocate(5000);     // block of 5024 (5000 rounded to 16 + header)
    void* d = t.heap.allocate(100, 256); // aligned beyond slots: a block of its own
    HeapStats s = t.heap.stats();
    CHECK(s.requested_bytes == 24 + 100 + 5000 + 100);
    CHECK(s.live_allocations == 4);
    CHECK(s.large_allocations == 2);
    CHECK(s.large_bytes == 5024 + 128);
    CHECK(s.reserved_bytes == 32 + 112 + 5024 + 128);
    CHECK(s.peak_reserved_bytes == s.reserved_bytes);
    CHECK(s.classes[class_index_of_slot(32)].live == 1);
    CHECK(s.classes[class_index_of_slot(112)].live == 1);
    CHECK(s.slab_count == 2);
    require_stats_add_up(s);

    t.heap.free(c);
    t.heap.free(a);
    HeapStats later = t.heap.stats();
    CHECK(later.requested_bytes == 200);
    CHECK(later.reserved_bytes == 112 + 128);
    CHECK(later.peak_reserved_bytes == s.reserved_bytes);
    CHECK(later.live_allocations == 2);
    require_stats_add_up(later);
    t.heap.free(b);
    t.heap.free(d);
    require_sound(t.heap);
}
