// Reverse map: for each host frame used by guests, which (VM, guest-physical page) pairs map
// it, so the sharing engine can remap, share and unshare a frame without searching page tables.
//
// One 64-bit slot per host frame of the span (caller-provided storage):
//   0                      no mapper
//   01 | vm:14 | gfn:48    exactly one mapper, stored inline (the common case)
//   11 | small pointer     2 to 4 mappers: one 32-byte node of 4 entries
//   10 | node pointer      5 or more: a chain of 64-byte nodes of 7 mappers each
// So an unshared guest page costs 8 bytes; a frame shared 2 ways 20 B per page, 4 ways 10 B,
// and beyond that ~9.1 bytes per extra mapper.
// Nodes come from a PageProvider a page (128 small or 64 large nodes) at a time and are
// recycled on free lists; their pages stay with the reverse map.
//
// Lookups are O(mappers of that frame). All public operations take the map's spinlock.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/lib/spinlock.hpp"
#include "mm/mm_error.hpp"
#include "mm/page_provider.hpp"

namespace sp::mm {

struct Mapper {
    uint32_t vm;
    uint64_t gfn; // guest-physical page number (guest-physical address >> 12)
};

struct ReverseMapStats {
    uint64_t frames = 0;        // span covered
    uint64_t mapped_frames = 0; // frames with at least one mapper
    uint64_t shared_frames = 0; // frames with two or more
    uint64_t mappings = 0;      // (VM, gfn) pairs = guest pages
    uint64_t nodes_in_use = 0;       // 64-byte chain nodes
    uint64_t small_nodes_in_use = 0; // 32-byte nodes (2..4 mappers)
    uint64_t node_pages = 0;
    uint64_t bytes = 0;         // slots + node pages
};

class ReverseMap {
public:
    static constexpr uint32_t kMaxVm = (1u << 14) - 1;
    static constexpr uint64_t kMaxGfn = (1ull << 48) - 1;

    static size_t storage_bytes(uint64_t frames) { return frames * sizeof(uint64_t); }

    // Covers host frames [base_frame, base_frame + frames).
    MmError init(uint64_t base_frame, uint64_t frames, void* storage, size_t storage_size, PageProvider& pages);

    // Records that (vm, gfn) maps host frame hpa >> 12. Duplicate pairs are an error.
    MmError add(uint64_t hpa, uint32_t vm, uint64_t gfn);
    MmError remove(uint64_t hpa, uint32_t vm, uint64_t gfn);
    // remove from old_hpa + add to new_hpa as one step (remap / share / unshare).
    MmError move(uint64_t old_hpa, uint64_t new_hpa, uint32_t vm, uint64_t gfn);

    uint64_t count(uint64_t hpa) const;
    bool contains(uint64_t hpa, uint32_t vm, uint64_t gfn) const;

    // Calls visit(Mapper) for every mapper of the frame; returns how many.
    template <typename Visit>
    uint64_t for_each(uint64_t hpa, Visit&& visit) const
    {
        SpinGuard guard(lock_);
        uint64_t index = 0;
        if (!frame_index(hpa, index)) return 0;
        uint64_t slot = slots_[index];
        if (tag(slot) == kSingle) {
            visit(decode(slot));
            return 1;
        }
        uint64_t n = 0;
        if (const Small* small = small_of(slot)) {
            for (uint64_t m : small->mappers)
                if (m) {
                    visit(decode(m));
                    ++n;
                }
            return n;
        }
        for (const Node* node = chain(slot); node; node = node->next)
            for (uint64_t m : node->mappers)
                if (m) {
                    visit(decode(m));
                    ++n;
                }
        return n;
    }

    ReverseMapStats stats() const;

private:
    static constexpr unsigned kPerNode = 7;
    struct alignas(64) Node {
        uint64_t mappers[kPerNode];
        Node* next;
    };
    static_assert(sizeof(Node) == 64);
    static constexpr unsigned kPerSmall = 4;
    struct alignas(32) Small {
        uint64_t mappers[kPerSmall]; // free: mappers[0] links the free list
    };
    static_assert(sizeof(Small) == 32);

    static constexpr uint64_t kTagShift = 62;
    static constexpr uint64_t kSingle = 1, kChain = 2, kSmall = 3;

    static uint64_t tag(uint64_t slot) { return slot >> kTagShift; }
    static uint64_t encode(uint32_t vm, uint64_t gfn) { return (kSingle << kTagShift) | (uint64_t{vm} << 48) | gfn; }
    static Mapper decode(uint64_t m) { return Mapper{static_cast<uint32_t>((m >> 48) & kMaxVm), m & kMaxGfn}; }
    static Node* chain(uint64_t slot)
    {
        return tag(slot) == kChain ? reinterpret_cast<Node*>(static_cast<uintptr_t>(slot & ~(3ull << kTagShift))) : nullptr;
    }
    static uint64_t chain_slot(Node* node) { return (kChain << kTagShift) | reinterpret_cast<uintptr_t>(node); }
    static Small* small_of(uint64_t slot)
    {
        return tag(slot) == kSmall ? reinterpret_cast<Small*>(static_cast<uintptr_t>(slot & ~(3ull << kTagShift))) : nullptr;
    }
    static uint64_t small_slot(Small* s) { return (kSmall << kTagShift) | reinterpret_cast<uintptr_t>(s); }

    bool frame_index(uint64_t hpa, uint64_t& index) const;
    bool contains_locked(uint64_t index, uint64_t mapper) const;
    MmError add_locked(uint64_t index, uint64_t mapper);
    MmError remove_locked(uint64_t index, uint64_t mapper);
    Node* new_node();
    void free_node(Node* node);
    Small* new_small();
    void free_small(Small* small);
    void* new_node_page();

    mutable Spinlock lock_;
    uint64_t* slots_ = nullptr;
    uint64_t base_frame_ = 0;
    uint64_t frames_ = 0;
    PageProvider* pages_ = nullptr;
    Node* free_nodes_ = nullptr;
    Small* free_small_ = nullptr;
    uint64_t nodes_in_use_ = 0;
    uint64_t small_in_use_ = 0;
    uint64_t node_pages_ = 0;
    uint64_t mappings_ = 0;
};

} // namespace sp::mm
