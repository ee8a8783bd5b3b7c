// Named bit ranges of a 64-bit entry: BitField<Hi, Lo>::get/set instead of unions, so the layout
// is explicit and independent of compiler bit-field ordering.
#pragma once
#include <stdint.h>

namespace sp::mm {

template <unsigned Hi, unsigned Lo>
struct BitField {
    static_assert(Hi >= Lo && Hi < 64);
    static constexpr unsigned shift = Lo;
    static constexpr uint64_t mask = (Hi - Lo == 63 ? ~0ull : ((1ull << (Hi - Lo + 1)) - 1)) << Lo;

    static constexpr uint64_t get(uint64_t word) { return (word & mask) >> shift; }
    static constexpr uint64_t set(uint64_t word, uint64_t value) { return (word & ~mask) | ((value << shift) & mask); }
    static constexpr bool test(uint64_t word) { return (word & mask) != 0; }
};

template <unsigned Bit>
using Flag = BitField<Bit, Bit>;

// __builtin_popcountll becomes a libgcc call without -mpopcnt; the image links no libgcc.
constexpr unsigned popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return static_cast<unsigned>((x * 0x0101010101010101ull) >> 56);
}

} // namespace sp::mm
