// Shared fixtures for the heap tests: a host buffer standing in for the firmware region, a heap
// over it, and checks that every test applies after each step.
#pragma once
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "mm/small_heap.hpp"

namespace sp::heap_test {

constexpr size_t KiB = 1024;
constexpr size_t MiB = 1024 * KiB;

// `bytes` of host memory starting `offset` bytes past a 64 KiB boundary (the firmware may hand
// over any alignment).
class HostRegion {
public:
    explicit HostRegion(size_t bytes, size_t offset = 0)
        : memory_(static_cast<uint8_t*>(std::aligned_alloc(SmallHeap::kSlabBytes, round_up(bytes + offset)))),
          base_(memory_ + offset), bytes_(bytes)
    {
        REQUIRE(memory_ != nullptr);
    }
    ~HostRegion() { std::free(memory_); }
    HostRegion(const HostRegion&) = delete;
    HostRegion& operator=(const HostRegion&) = delete;

    uint8_t* base() const { return base_; }
    size_t bytes() const { return bytes_; }

private:
    static size_t round_up(size_t n) { return (n + SmallHeap::kSlabBytes - 1) / SmallHeap::kSlabBytes * SmallHeap::kSlabBytes; }
    uint8_t* memory_;
    uint8_t* base_;
    size_t bytes_;
};

struct TestHeap {
    explicit TestHeap(size_t bytes, size_t offset = 0) : region(bytes, offset)
    {
        REQUIRE(heap.init(region.base(), region.bytes()));
    }
    HostRegion region;
    SmallHeap heap;
};

inline void require_sound(const SmallHeap& heap)
{
    const char* why = heap.check();
    INFO("check(): " << (why ? why : "ok"));
    REQUIRE(why == nullptr);
}

// The identities HeapStats promises, whatever the heap holds.
inline void require_stats_add_up(const HeapStats& s)
{
    REQUIRE(s.metadata_bytes + s.free_bytes + s.slab_bytes + s.large_bytes == s.region_bytes);
    size_t small_live = 0;
    size_t small_reserved = 0;
    size_t slabs = 0;
    size_t free_slot_bytes = 0;
    for (const HeapClassStats& c : s.classes) {
        small_live += c.live;
        small_reserved += c.live * c.object_size;
        slabs += c.slabs;
        free_slot_bytes += c.free_slots * c.object_size;
    }
    REQUIRE(s.live_allocations == small_live + s.large_allocations);
    REQUIRE(s.reserved_bytes == small_reserved + s.large_bytes);
    REQUIRE(s.slab_count == slabs);
    REQUIRE(s.slab_free_bytes == free_slot_bytes);
    // A slab block is the 64 KiB slab plus its 16-byte header, plus under 48 bytes of tail.
    REQUIRE(s.slab_bytes >= s.slab_count * (SmallHeap::kSlabBytes + 16));
    REQUIRE(s.slab_bytes < s.slab_count * (SmallHeap::kSlabBytes + 64) + 1);
    REQUIRE(small_reserved + s.slab_free_bytes <= s.slab_count * SmallHeap::kSlabBytes);
    REQUIRE(s.requested_bytes <= s.reserved_bytes);
    REQUIRE(s.peak_reserved_bytes >= s.reserved_bytes);
    REQUIRE((s.largest_free_block == 0 || s.largest_free_block + 16 <= s.free_bytes));
}

} // namespace sp::heap_test
