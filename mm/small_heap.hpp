// The hypervisor heap that operator new/delete sit on. It owns one contiguous region handed over
// at boot (8-64 MiB from the firmware) and serves two tiers from it:
//
//  - Small objects (<= 1024 bytes) come from 64 KiB slabs, one size class per slab. Each class
//    keeps a list of its slabs that have free slots; a slab keeps its free slots on an intrusive
//    list and one state byte per slot (0 = free, else 1 + how far the request fell short).
//    A pointer finds its slab through the chunk map, one byte per 64 KiB of region (0 or
//    class + 1), so small objects carry no header. The state byte makes double frees exact and
//    the requested-bytes statistic exact.
//  - Everything larger or aligned beyond 64, and the slabs themselves, comes from a general
//    allocator over the rest of the region: boundary tags (16-byte header on every block, a
//    footer in free blocks only), free blocks in power-of-two bins searched first-fit, coalesced
//    with both neighbours on free. Sizes are rounded to 16 only.
//
// Waste bound (small): a request of r bytes gets a slot of at most max(r rounded up to 16,
// 1.25 r); e.g. 24 -> 32, 65 -> 80, 600 -> 640. Each slot also has its state byte, and each
// 64 KiB slab loses under 1 KiB (1.5%) to its header, padding and a tail shorter than a slot.
// Requests aligned to 32 or 64 are rounded up to that first. Large: r rounded up to 16 plus a
// 16-byte header (< 3% at 1 KiB), plus a tail under 48 bytes when the rest of a free block is
// too small to stand alone.
//
// An empty slab is kept (one per class) so a class at its high-water mark does not thrash; the
// general allocator takes those back before it reports out of memory.
//
// Errors: out of memory returns nullptr. Freeing (or asking size_of) a pointer this heap did not
// hand out, or one already freed, panics naming the pointer: heap corruption is a hypervisor bug.
// Freed small slots carry a canary that allocation verifies, which catches many writes after
// free. All public operations take the heap's spinlock.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/lib/spinlock.hpp"

namespace sp {

inline constexpr size_t kHeapSizeClasses[] = {16,  32,  48,  64,  80,  96,  112, 128, 160, 192,
                                              224, 256, 320, 384, 448, 512, 640, 768, 896, 1024};
inline constexpr unsigned kHeapSizeClassCount = sizeof(kHeapSizeClasses) / sizeof(kHeapSizeClasses[0]);

struct HeapClassStats {
    size_t object_size = 0;
    size_t live = 0;       // allocated slots
    size_t free_slots = 0; // free slots in this class's slabs
    size_t slabs = 0;
};

// Snapshot for the `mem` command. The region always adds up:
//   region_bytes == metadata_bytes + free_bytes + slab_bytes + large_bytes
// and the slabs: slab_bytes == slab overhead + sum(live * object_size) + slab_free_bytes.
struct HeapStats {
    size_t region_bytes = 0;   // as handed to init()
    size_t metadata_bytes = 0; // chunk map, alignment trims, end marker: never allocatable
    size_t requested_bytes = 0;     // sum of the sizes live allocations asked for
    size_t reserved_bytes = 0;      // what they hold: slot size, or whole block with its header
    size_t peak_reserved_bytes = 0; // high-water mark of reserved_bytes since init()
    size_t free_bytes = 0;          // in free blocks of the general allocator, headers included
    size_t largest_free_block = 0;  // largest allocate(n) that fits a free block right now
    size_t slab_bytes = 0;          // general-allocator blocks that hold slabs
    size_t slab_free_bytes = 0;     // free slots inside those slabs
    size_t large_bytes = 0;         // general-allocator blocks that hold large allocations
    size_t live_allocations = 0;    // small and large
    size_t large_allocations = 0;
    size_t slab_count = 0;
    HeapClassStats classes[kHeapSizeClassCount] = {};
};

class SmallHeap {
public:
    static constexpr size_t kAlignment = 16;      // every allocation
    static constexpr size_t kMaxAlignment = 4096; // largest explicit alignment
    static constexpr size_t kMaxSmallSize = kHeapSizeClasses[kHeapSizeClassCount - 1];
    static constexpr size_t kSlabBytes = 64 * 1024;

    constexpr SmallHeap() = default;
    SmallHeap(const SmallHeap&) = delete;
    SmallHeap& operator=(const SmallHeap&) = delete;

    // Takes over [base, base + bytes); any alignment. False if the region cannot hold the
    // heap's own metadata and one block (the caller decides what that means).
    bool init(void* base, size_t bytes);

    // 16-byte aligned (or `align`, a power of two up to kMaxAlignment) memory of at least
    // `size` bytes; size 0 gets a unique minimal object. nullptr when out of memory or when
    // `align` is not a power of two up to kMaxAlignment.
    void* allocate(size_t size, size_t align = kAlignment);

    // Returns memory from allocate(). nullptr is a no-op; anything else not live panics.
    void free(void* ptr);

    // Usable bytes at ptr (>= the size asked for). Panics like free() on a bad pointer.
    size_t size_of(const void* ptr) const;

    // Whether ptr lies in the region (not whether it is live); for callers with several heaps.
    bool contains(const void* ptr) const;

    HeapStats stats() const;

    // Walks every block, bin, slab and free list and recounts the statistics. nullptr when all
    // is consistent, else what is wrong. Costs O(region / 16); for tests and the `mem` command.
    const char* check() const;

private:
    struct Block;
    struct Slab;
    struct FreeSlot;
    static constexpr unsigned kBins = 64; // bin b holds free blocks of size [2^b, 2^(b+1))

    void* allocate_small(unsigned size_class, size_t size);
    void* allocate_large(size_t size, size_t align);
    Slab* new_slab(unsigned size_class);
    void release_slab(Slab* slab);
    bool release_empty_slabs();
    void free_small(Slab* slab, uintptr_t p);
    void free_large(Block* block);
    Slab* slab_of(uintptr_t p) const;
    uintptr_t validated_slot(const Slab* slab, uintptr_t p, const char* op) const;
    Block* validated_block(uintptr_t p, const char* op) const;
    uintptr_t validated_address(const void* ptr, const char* op) const;

    // General allocator over [heap_start_, end_marker_).
    Block* take_block(size_t block_bytes, size_t align);
    Block* carve(Block* block, size_t gap, size_t block_bytes);
    void give_back(Block* block);
    void put_free(uintptr_t at, size_t bytes, bool prev_used);
    void unlink_free(Block* block);
    void link_slab(Slab* slab);
    void unlink_slab(Slab* slab);
    void note_allocated(size_t requested, size_t reserved);
    void note_freed(size_t requested, size_t reserved);
    const char* check_blocks(HeapStats& seen, size_t& free_blocks, size_t& slab_blocks) const;
    const char* check_bins(size_t free_blocks) const;
    const char* check_slabs(HeapStats& seen, size_t slab_blocks) const;

    mutable Spinlock lock_;
    size_t region_bytes_ = 0;
    uintptr_t region_begin_ = 0;
    uintptr_t region_end_ = 0;
    uintptr_t chunk_base_ = 0; // region start rounded down to kSlabBytes
    uint8_t* chunk_map_ = nullptr;
    size_t chunk_count_ = 0;
    uintptr_t heap_start_ = 0;
    uintptr_t end_marker_ = 0; // header of a zero-size "used" block that ends the heap

    Block* bins_[kBins] = {};
    uint64_t nonempty_bins_ = 0;
    Slab* partial_[kHeapSizeClassCount] = {}; // slabs with at least one free slot
    size_t empty_slabs_[kHeapSizeClassCount] = {};

    // Running totals that stats() reports and check() recounts.
    size_t requested_bytes_ = 0;
    size_t reserved_bytes_ = 0;
    size_t peak_reserved_bytes_ = 0;
    size_t free_bytes_ = 0;
    size_t slab_bytes_ = 0;
    size_t large_bytes_ = 0;
    size_t live_allocations_ = 0;
    size_t large_allocations_ = 0;
    size_t slab_count_ = 0;
    size_t class_live_[kHeapSizeClassCount] = {};
    size_t class_slabs_[kHeapSizeClassCount] = {};
    size_t class_free_slots_[kHeapSizeClassCount] = {};
};

} // namespace sp
