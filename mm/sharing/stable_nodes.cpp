#include "mm/sharing/stable_nodes.hpp"

#include <string.h>

#include "hv/lib/panic.hpp"

namespace sp::sharing {

uint32_t StableNodes::allocate(MetadataMemory& memory)
{
    if (free_head_ == kNone) {
        uint32_t grown = capacity_ ? capacity_ + capacity_ / 2 : 256; // 1.5x: at most a third unused
        auto* fresh = static_cast<StableNode*>(memory.allocate(size_t{grown} * sizeof(StableNode)));
        if (fresh == nullptr) return kNone;
        if (nodes_) {
            memcpy(fresh, nodes_, bytes());
            memory.release(nodes_, bytes());
        }
        nodes_ = fresh;
        for (uint32_t i = grown; i-- > capacity_;) {
            nodes_[i] = StableNode{};
            nodes_[i].frame = free_head_;
            free_head_ = i;
        }
        capacity_ = grown;
    }
    uint32_t id = free_head_;
    free_head_ = nodes_[id].frame;
    nodes_[id] = StableNode{};
    ++in_use_;
    return id;
}

void StableNodes::free(uint32_t id)
{
    SP_ASSERT(id < capacity_ && in_use_ > 0);
    nodes_[id] = StableNode{};
    nodes_[id].frame = free_head_;
    free_head_ = id;
    --in_use_;
}

void StableNodes::release(MetadataMemory& memory)
{
    SP_ASSERT(in_use_ == 0);
    if (nodes_) memory.release(nodes_, bytes());
    nodes_ = nullptr;
    capacity_ = 0;
    free_head_ = kNone;
}

} // namespace sp::sharing
