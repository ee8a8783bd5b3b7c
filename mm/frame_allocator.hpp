// Physical frame allocator: a binary buddy allocator over the RAM in a memory map, handing out
// naturally aligned blocks of 2^order frames (order 0 = 4 KiB, 9 = 2 MiB, 18 = 1 GiB).
//
// Metadata (caller-provided storage, see plan()): one 32-bit word per frame of the span from
// the lowest RAM address (rounded down to 1 GiB) to the highest, plus one SearchBitmap per order
// as the free lists (~0.25 bytes per frame). Every block has a head word {owner, order}; the
// other frames of the block hold 0 ("tail"). A frame's owner is its block head's owner, found by
// probing the 19 possible aligned heads. Total ~4.3 bytes per 4 KiB frame (0.1%).
//
// Part of a block can be freed or given to another owner: the block is split into buddies first
// (a guest's 2 MiB backing block can lose single 4 KiB frames to page sharing).
//
// All public operations take the allocator's spinlock.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/lib/spinlock.hpp"
#include "mm/memory_map.hpp"
#include "mm/memory_pressure.hpp"
#include "mm/mm_error.hpp"
#include "mm/owner.hpp"
#include "mm/search_bitmap.hpp"

namespace sp::mm {

inline constexpr unsigned kOrder4K = 0;
inline constexpr unsigned kOrder2M = 9;
inline constexpr unsigned kOrder1G = 18;
inline constexpr unsigned kMaxOrder = kOrder1G;

struct FrameAllocatorLayout {
    uint64_t base_frame = 0;   // first frame of the span (1 GiB aligned)
    uint64_t frames = 0;       // frames in the span, managed or not
    size_t metadata_bytes = 0; // storage init() needs (8-byte aligned)
};

// Snapshot for the `mem` command.
struct FrameStats {
    uint64_t span_frames = 0;
    uint64_t managed_frames = 0; // span minus reserved
    uint64_t free_frames = 0;
    uint64_t reserved_frames = 0;
    uint64_t hypervisor_frames = 0;
    uint64_t shared_frames = 0;
    uint64_t vm_frames = 0; // all VMs together; per VM: count(Owner::vm(n))
    uint64_t free_blocks[kMaxOrder + 1] = {};
    uint64_t min_free_frames = 0;
    PressureState pressure = PressureState::high;
    size_t metadata_bytes = 0;
};

// Test mode's watch on free memory: every block is filled with a canary as it becomes free and
// checked as it is handed out, so a write through a stale mapping to a freed frame, or a frame
// handed out without being zeroed, shows up (hv/image/free_canary.cpp).
struct FreeFrameWatch {
    void* context = nullptr;
    void (*fill)(void* context, uint64_t pa, uint64_t bytes) = nullptr;
    // Offset of the first byte that differs from the canary, or kIntact.
    uint64_t (*first_change)(void* context, uint64_t pa, uint64_t bytes) = nullptr;
    // Called (with the allocator's lock held) when a block being handed out was changed.
    void (*changed)(void* context, uint64_t pa, uint64_t offset) = nullptr;
    static constexpr uint64_t kIntact = ~0ull;
};

class FrameAllocator {
public:
    // Storage a map needs; error when the map is unusable (see scan_memory_map).
    static Result<FrameAllocatorLayout> plan(const MemoryRegion* regions, size_t count);

    // Builds the allocator. Usable RAM becomes free, hypervisor_image RAM is owned by the
    // hypervisor, everything else in the span is reserved. Overlaps are repaired by kind
    // precedence and zero-length entries skipped; both are counted in *report.
    // min_free starts at default_min_free_pages(managed frames).
    MmError init(const MemoryRegion* regions, size_t count, void* storage, size_t storage_bytes,
                 MemoryMapReport* report = nullptr);

    // Marks free frames [base, base + pages * 4 KiB) as held by `owner`: boot uses it for the
    // image, the early heap, firmware page tables and this allocator's own metadata.
    MmError reserve(uint64_t base, uint64_t pages, Owner owner);

    // A naturally aligned block of 2^order frames; returns its physical address.
    Result<uint64_t> alloc(unsigned order, Owner owner);
    // Frees a block or part of an allocated block. `owner` must be the current holder.
    MmError free(uint64_t pa, unsigned order, Owner owner);
    // Hands a block (or part of one) to another owner, e.g. VM -> shared pool.
    MmError transfer(uint64_t pa, unsigned order, Owner from, Owner to);

    Owner owner_of(uint64_t pa) const;
    uint64_t count(Owner owner) const;
    uint64_t free_frames() const { return count(Owner::free()); }
    FrameStats stats() const;

    void set_min_free(uint64_t pages);
    void set_min_free(uint64_t pages, uint64_t margin_pages);
    PressureState pressure() const;

    // Checks every frame has exactly one owner (belongs to exactly one block), free blocks are
    // exactly the free-list bits and fully coalesced, and the per-owner counts add up.
    // Returns nullptr when all holds, else a description of the first violation.
    const char* check_invariants() const;

    const FrameAllocatorLayout& layout() const { return layout_; }

    // Starts watching free memory: fills every block free now, then each block freed later,
    // and checks each block handed out. Returns the frames filled now.
    uint64_t watch_free_frames(const FreeFrameWatch& watch);

private:
    static constexpr uint32_t kOwnerMask = 0xffff;
    static constexpr unsigned kOrderShift = 16;
    static constexpr uint32_t kOrderMask = 0x1f;
    static constexpr uint32_t kHead = 1u << 21;

    static uint32_t head_word(Owner owner, unsigned order)
    {
        return kHead | (static_cast<uint32_t>(order) << kOrderShift) | owner.raw();
    }
    static bool is_head(uint32_t w) { return w & kHead; }
    static unsigned order_of(uint32_t w) { return (w >> kOrderShift) & kOrderMask; }
    static Owner owner_in(uint32_t w) { return Owner::from_raw(static_cast<uint16_t>(w & kOwnerMask)); }

    uint64_t head_of(uint64_t frame) const; // index of the block holding frame
    MmError check_block(uint64_t pa, unsigned order, uint64_t& frame) const;
    MmError find_allocated(uint64_t frame, unsigned order, Owner owner, uint64_t& head) const;
    void split_allocated(uint64_t head, uint64_t frame, unsigned order);
    void make_free_block(uint64_t frame, unsigned order);
    void release(uint64_t frame, unsigned order);
    void take_free_block_at(uint64_t frame, unsigned order, Owner owner);
    void add_count(Owner owner, uint64_t frames) { counts_[owner.raw()] += frames; }
    void sub_count(Owner owner, uint64_t frames);
    void update_pressure() { pressure_.update(counts_[Owner::kFree]); }

    mutable Spinlock lock_;
    FreeFrameWatch watch_{};
    bool watching_ = false;
    FrameAllocatorLayout layout_;
    uint32_t* words_ = nullptr;
    SearchBitmap free_[kMaxOrder + 1];
    uint64_t counts_[Owner::kSlots] = {};
    PressureTracker pressure_;
};

} // namespace sp::mm
