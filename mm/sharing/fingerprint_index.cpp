#include "mm/sharing/fingerprint_index.hpp"

#include "hv/lib/panic.hpp"

namespace sp::sharing {

bool FingerprintIndex::reset(MetadataMemory& memory, uint32_t capacity)
{
    uint32_t* fresh = nullptr;
    if (capacity != 0) {
        fresh = static_cast<uint32_t*>(memory.allocate(size_t{capacity} * sizeof(uint32_t)));
        if (fresh == nullptr) return false;
    }
    if (slots_) memory.release(slots_, bytes());
    slots_ = fresh;
    capacity_ = capacity;
    used_ = 0;
    tombstones_ = 0;
    return true;
}

void FingerprintIndex::clear()
{
    for (uint32_t i = 0; i < capacity_; ++i) slots_[i] = kEmpty;
    used_ = 0;
    tombstones_ = 0;
}

bool FingerprintIndex::insert(uint64_t key, uint32_t value)
{
    SP_ASSERT(value < ~0u - kBias);
    if (used_ + tombstones_ >= capacity_) return false;
    uint32_t at = position(key);
    for (;;) {
        uint32_t v = slots_[at];
        if (v == kEmpty || v == kTombstone) {
            if (v == kTombstone) --tombstones_;
            slots_[at] = value + kBias;
            ++used_;
            return true;
        }
        if (++at == capacity_) at = 0;
    }
}

bool FingerprintIndex::erase(uint64_t key, uint32_t value)
{
    if (capacity_ == 0) return false;
    uint32_t at = position(key);
    for (uint32_t n = 0; n < capacity_; ++n) {
        uint32_t v = slots_[at];
        if (v == kEmpty) return false;
        if (v == value + kBias) {
            slots_[at] = kTombstone;
            --used_;
            ++tombstones_;
            return true;
        }
        if (++at == capacity_) at = 0;
    }
    return false;
}

} // namespace sp::sharing
