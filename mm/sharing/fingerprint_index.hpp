// A compact hash index of 32-bit values (page ids or stable-node ids) keyed by a 64-bit salted
// fingerprint: open addressing with linear probing, 4 bytes per slot, any capacity (the
// position is the fingerprint's high half scaled to the capacity, no power-of-two rounding).
// Keys are not stored: a probe visits every value on the key's probe path and the caller
// checks each one against its own record (page state or stable node). Stale values are
// harmless for the same reason, which lets the unstable index skip deletions entirely.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "mm/sharing/environment.hpp"

namespace sp::sharing {

class FingerprintIndex {
public:
    // capacity 0 releases the storage. Returns false when metadata memory is exhausted.
    bool reset(MetadataMemory& memory, uint32_t capacity);
    void release(MetadataMemory& memory) { reset(memory, 0); }
    void clear(); // drops every value, keeps the storage

    uint32_t capacity() const { return capacity_; }
    uint32_t size() const { return used_; }
    size_t bytes() const { return size_t{capacity_} * sizeof(uint32_t); }
    // Would one more insert keep the load at or below limit_num/limit_den?
    bool has_room(uint32_t limit_num, uint32_t limit_den) const
    {
        return capacity_ != 0 && uint64_t{used_ + tombstones_ + 1} * limit_den <= uint64_t{capacity_} * limit_num;
    }
    uint32_t tombstones() const { return tombstones_; }

    // False when the table is full (the caller grows it or drops the value).
    bool insert(uint64_t key, uint32_t value);
    bool erase(uint64_t key, uint32_t value);

    // Calls visit(value) for each value on key's probe path until it returns true; returns the
    // value it stopped at, or kNone.
    static constexpr uint32_t kNone = ~0u;
    template <typename Visit>
    uint32_t probe(uint64_t key, Visit&& visit) const
    {
        if (capacity_ == 0) return kNone;
        uint32_t at = position(key);
        for (uint32_t n = 0; n < capacity_; ++n) {
            uint32_t v = slots_[at];
            if (v == kEmpty) return kNone;
            if (v != kTombstone && visit(v - kBias)) return v - kBias;
            if (++at == capacity_) at = 0;
        }
        return kNone;
    }

private:
    static constexpr uint32_t kEmpty = 0, kTombstone = 1, kBias = 2;
    uint32_t position(uint64_t key) const { return static_cast<uint32_t>(((key >> 32) * capacity_) >> 32); }

    uint32_t* slots_ = nullptr;
    uint32_t capacity_ = 0;
    uint32_t used_ = 0;
    uint32_t tombstones_ = 0;
};

// Mixes the sharing domain into a fingerprint, so equal pages of different domains land in
// unrelated places and are never even compared (per-VM salting).
inline uint64_t salted_key(uint64_t fingerprint, uint16_t domain)
{
    uint64_t k = fingerprint ^ ((uint64_t{domain} + 1) * 0x9E3779B97F4A7C15ull);
    k ^= k >> 29;
    k *= 0xBF58476D1CE4E5B9ull;
    k ^= k >> 32;
    return k;
}

} // namespace sp::sharing
