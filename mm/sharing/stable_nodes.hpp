// Stable nodes: one 16-byte record per shared frame (KSM's stable tree nodes), in a growable
// array with a free list. Ids are indexes, so the stable index stores 4-byte ids.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "mm/sharing/environment.hpp"

namespace sp::sharing {

struct StableNode {
    uint64_t fingerprint; // XXH3 of the frame's (read-only) contents
    uint32_t frame;       // host frame number (pa >> 12)
    uint16_t domain;
    uint16_t mappers;     // guest pages mapping the frame; 0 = free record
    uint64_t pa() const { return uint64_t{frame} << 12; }
};
static_assert(sizeof(StableNode) == 16);

class StableNodes {
public:
    static constexpr uint32_t kNone = ~0u;

    // A fresh record (mappers 0, caller fills it), or kNone when metadata memory is exhausted.
    uint32_t allocate(MetadataMemory& memory);
    void free(uint32_t id);
    void release(MetadataMemory& memory);

    StableNode& operator[](uint32_t id) { return nodes_[id]; }
    const StableNode& operator[](uint32_t id) const { return nodes_[id]; }
    uint32_t capacity() const { return capacity_; }
    uint32_t in_use() const { return in_use_; }
    size_t bytes() const { return size_t{capacity_} * sizeof(StableNode); }

private:
    StableNode* nodes_ = nullptr;
    uint32_t capacity_ = 0;
    uint32_t in_use_ = 0;
    uint32_t free_head_ = kNone; // free records linked through .frame
};

} // namespace sp::sharing
