#include "mm/reverse_map.hpp"

#include "hv/lib/panic.hpp"
#include "mm/memory_map.hpp"

namespace sp::mm {

MmError ReverseMap::init(uint64_t base_frame, uint64_t frames, void* storage, size_t storage_size,
                         PageProvider& pages)
{
    if (storage == nullptr || (reinterpret_cast<uintptr_t>(storage) & 7)) return MmError::invalid_argument;
    if (storage_size < storage_bytes(frames)) return MmError::capacity;
    SpinGuard guard(lock_);
    slots_ = static_cast<uint64_t*>(storage);
    base_frame_ = base_frame;
    frames_ = frames;
    pages_ = &pages;
    for (uint64_t i = 0; i < frames; ++i) slots_[i] = 0;
    return MmError::ok;
}

bool ReverseMap::frame_index(uint64_t hpa, uint64_t& index) const
{
    uint64_t frame = hpa >> kPageShift;
    if (frame < base_frame_ || frame - base_frame_ >= frames_) return false;
    index = frame - base_frame_;
    return true;
}

void* ReverseMap::new_node_page()
{
    void* page = pages_->get_page();
    if (page == nullptr) return nullptr;
    SP_ASSERT((reinterpret_cast<uintptr_t>(page) & (kPageSize - 1)) == 0);
    SP_ASSERT((reinterpret_cast<uintptr_t>(page) >> kTagShift) == 0); // fits beside the tag
    ++node_pages_;
    return page;
}

ReverseMap::Node* ReverseMap::new_node()
{
    if (free_nodes_ == nullptr) {
        void* page = new_node_page();
        if (page == nullptr) return nullptr;
        Node* nodes = static_cast<Node*>(page);
        for (size_t i = 0; i < kPageSize / sizeof(Node); ++i) {
            nodes[i].next = free_nodes_;
            free_nodes_ = &nodes[i];
        }
    }
    Node* node = free_nodes_;
    free_nodes_ = node->next;
    for (uint64_t& m : node->mappers) m = 0;
    node->next = nullptr;
    ++nodes_in_use_;
    return node;
}

ReverseMap::Small* ReverseMap::new_small()
{
    if (free_small_ == nullptr) {
        void* page = new_node_page();
        if (page == nullptr) return nullptr;
        Small* smalls = static_cast<Small*>(page);
        for (size_t i = 0; i < kPageSize / sizeof(Small); ++i) {
            smalls[i].mappers[0] = reinterpret_cast<uintptr_t>(free_small_);
            free_small_ = &smalls[i];
        }
    }
    Small* small = free_small_;
    free_small_ = reinterpret_cast<Small*>(static_cast<uintptr_t>(small->mappers[0]));
    for (uint64_t& m : small->mappers) m = 0;
    ++small_in_use_;
    return small;
}

void ReverseMap::free_small(Small* small)
{
    small->mappers[0] = reinterpret_cast<uintptr_t>(free_small_);
    free_small_ = small;
    --small_in_use_;
}

void ReverseMap::free_node(Node* node)
{
    node->next = free_nodes_;
    free_nodes_ = node;
    --nodes_in_use_;
}

bool ReverseMap::contains_locked(uint64_t index, uint64_t mapper) const
{
    uint64_t slot = slots_[index];
    if (tag(slot) == kSingle) return slot == mapper;
    if (const Small* small = small_of(slot)) {
        for (uint64_t m : small->mappers)
            if (m == mapper) return true;
        return false;
    }
    for (const Node* node = chain(slot); node; node = node->next)
        for (uint64_t m : node->mappers)
            if (m == mapper) return true;
    return false;
}

MmError ReverseMap::add_locked(uint64_t index, uint64_t mapper)
{
    uint64_t& slot = slots_[index];
    if (slot == 0) {
        slot = mapper;
        ++mappings_;
        return MmError::ok;
    }
    if (contains_locked(index, mapper)) return MmError::already_mapped;
    if (tag(slot) == kSingle) {
        // Second mapper: the frame becomes shared and moves to a small node.
        Small* small = new_small();
        if (small == nullptr) return MmError::no_memory;
        small->mappers[0] = slot;
        small->mappers[1] = mapper;
        slot = small_slot(small);
        ++mappings_;
        return MmError::ok;
    }
    if (Small* small = small_of(slot)) {
        for (uint64_t& m : small->mappers)
            if (m == 0) {
                m = mapper;
                ++mappings_;
                return MmError::ok;
            }
        // Fifth mapper: move to a chain node.
        Node* node = new_node();
        if (node == nullptr) return MmError::no_memory;
        for (unsigned i = 0; i < kPerSmall; ++i) node->mappers[i] = small->mappers[i];
        node->mappers[kPerSmall] = mapper;
        free_small(small);
        slot = chain_slot(node);
        ++mappings_;
        return MmError::ok;
    }
    Node* head = chain(slot);
    for (Node* node = head; node; node = node->next)
        for (uint64_t& m : node->mappers)
            if (m == 0) {
                m = mapper;
                ++mappings_;
                return MmError::ok;
            }
    Node* node = new_node();
    if (node == nullptr) return MmError::no_memory;
    node->mappers[0] = mapper;
    node->next = head;
    slot = chain_slot(node);
    ++mappings_;
    return MmError::ok;
}

MmError ReverseMap::remove_locked(uint64_t index, uint64_t mapper)
{
    uint64_t& slot = slots_[index];
    if (tag(slot) == kSingle) {
        if (slot != mapper) return MmError::not_found;
        slot = 0;
        --mappings_;
        return MmError::ok;
    }
    if (Small* small = small_of(slot)) {
        uint64_t left = 0, only = 0;
        bool found = false;
        for (uint64_t& m : small->mappers) {
            if (m == mapper && !found) {
                m = 0;
                found = true;
            } else if (m) {
                ++left;
                only = m;
            }
        }
        if (!found) return MmError::not_found;
        --mappings_;
        if (left == 1) { // back to the inline form
            free_small(small);
            slot = only;
        }
        return MmError::ok;
    }
    Node* prev = nullptr;
    for (Node* node = chain(slot); node; prev = node, node = node->next) {
        for (uint64_t& m : node->mappers) {
            if (m != mapper) continue;
            m = 0;
            --mappings_;
            bool node_empty = true;
            for (uint64_t other : node->mappers) node_empty &= other == 0;
            if (node_empty) {
                if (prev) prev->next = node->next;
                else slot = node->next ? chain_slot(node->next) : 0;
                free_node(node);
            }
            // One mapper left: back to the inline form.
            Node* head = chain(slot);
            if (head && head->next == nullptr) {
                uint64_t left = 0, only = 0;
                for (uint64_t other : head->mappers)
                    if (other) {
                        ++left;
                        only = other;
                    }
                if (left == 1) {
                    free_node(head);
                    slot = only;
                }
            }
            return MmError::ok;
        }
    }
    return MmError::not_found;
}

MmError ReverseMap::add(uint64_t hpa, uint32_t vm, uint64_t gfn)
{
    if (vm > kMaxVm || gfn > kMaxGfn) return MmError::invalid_argument;
    SpinGuard guard(lock_);
    uint64_t index = 0;
    if (!frame_index(hpa, index)) return MmError::out_of_range;
    return add_locked(index, encode(vm, gfn));
}

MmError ReverseMap::remove(uint64_t hpa, uint32_t vm, uint64_t gfn)
{
    if (vm > kMaxVm || gfn > kMaxGfn) return MmError::invalid_argument;
    SpinGuard guard(lock_);
    uint64_t index = 0;
    if (!frame_index(hpa, index)) return MmError::out_of_range;
    return remove_locked(index, encode(vm, gfn));
}

MmError ReverseMap::move(uint64_t old_hpa, uint64_t new_hpa, uint32_t vm, uint64_t gfn)
{
    if (vm > kMaxVm || gfn > kMaxGfn) return MmError::invalid_argument;
    SpinGuard guard(lock_);
    uint64_t from = 0, to = 0;
    if (!frame_index(old_hpa, from) || !frame_index(new_hpa, to)) return MmError::out_of_range;
    uint64_t mapper = encode(vm, gfn);
    if (!contains_locked(from, mapper)) return MmError::not_found;
    if (from == to) return MmError::ok;
    if (MmError e = add_locked(to, mapper); e != MmError::ok) return e;
    MmError e = remove_locked(from, mapper);
    SP_ASSERT(e == MmError::ok);
    return MmError::ok;
}

uint64_t ReverseMap::count(uint64_t hpa) const
{
    return for_each(hpa, [](Mapper) {});
}

bool ReverseMap::contains(uint64_t hpa, uint32_t vm, uint64_t gfn) const
{
    if (vm > kMaxVm || gfn > kMaxGfn) return false;
    SpinGuard guard(lock_);
    uint64_t index = 0;
    if (!frame_index(hpa, index)) return false;
    return contains_locked(index, encode(vm, gfn));
}

ReverseMapStats ReverseMap::stats() const
{
    SpinGuard guard(lock_);
    ReverseMapStats s;
    s.frames = frames_;
    for (uint64_t i = 0; i < frames_; ++i) {
        if (slots_[i] == 0) continue;
        ++s.mapped_frames;
        if (tag(slots_[i]) != kSingle) ++s.shared_frames;
    }
    s.mappings = mappings_;
    s.nodes_in_use = nodes_in_use_;
    s.small_nodes_in_use = small_in_use_;
    s.node_pages = node_pages_;
    s.bytes = storage_bytes(frames_) + node_pages_ * kPageSize;
    return s;
}

} // namespace sp::mm
