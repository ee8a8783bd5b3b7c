// A bitmap that finds its lowest set bit in O(log64 n): each level above the bits keeps one bit
// per word below that says "this word is non-zero". The frame allocator keeps one per block
// order as its free lists: 2 bits per frame over all orders, and lowest-address-first allocation.
// Storage is provided by the caller (words_needed()).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "mm/bit_field.hpp"

#include "hv/lib/panic.hpp"

namespace sp::mm {

class SearchBitmap {
public:
    static constexpr uint64_t kNone = ~0ull;
    static constexpr unsigned kMaxLevels = 8; // 64^8 bits: far beyond any memory size

    static size_t words_needed(uint64_t bits)
    {
        size_t total = 0;
        uint64_t words = words_for(bits);
        for (;;) {
            total += words;
            if (words == 1) return total;
            words = words_for(words);
        }
    }

    // Takes words_needed(bits) words at storage and clears them.
    void init(uint64_t* storage, uint64_t bits)
    {
        bits_ = bits;
        levels_ = 0;
        uint64_t words = words_for(bits);
        for (;;) {
            SP_ASSERT(levels_ < kMaxLevels);
            level_[levels_] = storage;
            for (uint64_t i = 0; i < words; ++i) storage[i] = 0;
            storage += words;
            words_[levels_++] = words;
            if (words == 1) break;
            words = words_for(words);
        }
    }

    uint64_t size() const { return bits_; }

    bool test(uint64_t i) const
    {
        SP_ASSERT(i < bits_);
        return (level_[0][i >> 6] >> (i & 63)) & 1;
    }

    void set(uint64_t i)
    {
        SP_ASSERT(i < bits_);
        for (unsigned l = 0; l < levels_; ++l, i >>= 6) {
            uint64_t& word = level_[l][i >> 6];
            bool was_empty = word == 0;
            word |= 1ull << (i & 63);
            if (!was_empty) return; // upper levels already say "non-zero"
        }
    }

    void clear(uint64_t i)
    {
        SP_ASSERT(i < bits_);
        for (unsigned l = 0; l < levels_; ++l, i >>= 6) {
            uint64_t& word = level_[l][i >> 6];
            word &= ~(1ull << (i & 63));
            if (word != 0) return; // still non-zero: upper levels stay
        }
    }

    uint64_t find_first() const
    {
        uint64_t index = 0;
        for (unsigned l = levels_; l-- > 0;) {
            uint64_t word = level_[l][index];
            if (word == 0) {
                SP_ASSERT(l == levels_ - 1); // summary bits promise a non-zero word below
                return kNone;
            }
            index = (index << 6) | static_cast<uint64_t>(__builtin_ctzll(word));
        }
        return index;
    }

    uint64_t count() const
    {
        uint64_t n = 0;
        for (uint64_t w = 0; w < words_[0]; ++w) n += popcount64(level_[0][w]);
        return n;
    }

    // Every summary bit matches its word below.
    bool consistent() const
    {
        for (unsigned l = 1; l < levels_; ++l)
            for (uint64_t w = 0; w < words_[l - 1]; ++w) {
                bool summary = (level_[l][w >> 6] >> (w & 63)) & 1;
                if (summary != (level_[l - 1][w] != 0)) return false;
            }
        return true;
    }

private:
    static uint64_t words_for(uint64_t bits) { return bits == 0 ? 1 : (bits + 63) / 64; }

    uint64_t* level_[kMaxLevels] = {};
    uint64_t words_[kMaxLevels] = {};
    unsigned levels_ = 0;
    uint64_t bits_ = 0;
};

} // namespace sp::mm
