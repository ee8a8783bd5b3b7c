// A fixed-size set of logical CPUs (by index), for TLB shoot-down targets and the CPUs that may
// hold translations of an address space.
#pragma once
#include <stdint.h>

#include "mm/bit_field.hpp"

namespace sp::mm {

class CpuSet {
public:
    static constexpr unsigned kMaxCpus = 256;

    constexpr CpuSet() = default;
    static constexpr CpuSet single(unsigned cpu)
    {
        CpuSet s;
        s.add(cpu);
        return s;
    }
    static constexpr CpuSet first(unsigned count)
    {
        CpuSet s;
        for (unsigned c = 0; c < count && c < kMaxCpus; ++c) s.add(c);
        return s;
    }

    constexpr void add(unsigned cpu)
    {
        if (cpu < kMaxCpus) words_[cpu / 64] |= 1ull << (cpu % 64);
    }
    constexpr void remove(unsigned cpu)
    {
        if (cpu < kMaxCpus) words_[cpu / 64] &= ~(1ull << (cpu % 64));
    }
    constexpr bool contains(unsigned cpu) const
    {
        return cpu < kMaxCpus && ((words_[cpu / 64] >> (cpu % 64)) & 1);
    }
    constexpr unsigned count() const
    {
        unsigned n = 0;
        for (uint64_t w : words_) n += popcount64(w);
        return n;
    }
    constexpr bool empty() const { return count() == 0; }
    constexpr CpuSet operator|(const CpuSet& o) const
    {
        CpuSet s;
        for (unsigned i = 0; i < kWords; ++i) s.words_[i] = words_[i] | o.words_[i];
        return s;
    }
    constexpr bool operator==(const CpuSet&) const = default;
    constexpr uint64_t word(unsigned i) const { return i < kWords ? words_[i] : 0; }

private:
    static constexpr unsigned kWords = kMaxCpus / 64;
    uint64_t words_[kWords] = {};
};

} // namespace sp::mm
