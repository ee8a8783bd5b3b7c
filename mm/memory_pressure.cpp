#include "mm/memory_pressure.hpp"

namespace sp::mm {

const char* to_string(PressureState state)
{
    switch (state) {
    case PressureState::high: return "high";
    case PressureState::clear: return "clear";
    case PressureState::soft: return "soft";
    case PressureState::hard: return "hard";
    case PressureState::low: return "low";
    }
    return "unknown";
}

uint64_t default_min_free_pages(uint64_t total_pages)
{
    constexpr uint64_t gib = (1ull << 30) / 4096;
    struct Band { uint64_t pages; uint64_t percent; };
    constexpr Band bands[] = {{4 * gib, 6}, {8 * gib, 4}, {16 * gib, 2}, {~0ull, 1}};
    uint64_t left = total_pages, result = 0;
    for (const Band& band : bands) {
        uint64_t take = left < band.pages ? left : band.pages;
        result += take * band.percent / 100;
        left -= take;
        if (left == 0) break;
    }
    return result;
}

void PressureTracker::configure(uint64_t min_free_pages, uint64_t margin_pages)
{
    min_free_ = min_free_pages;
    margin_ = margin_pages;
}

uint64_t PressureTracker::threshold(PressureState state) const
{
    switch (state) {
    case PressureState::high: return min_free_ * 4;
    case PressureState::clear: return min_free_;
    case PressureState::soft: return min_free_ * 64 / 100;
    case PressureState::hard: return min_free_ * 32 / 100;
    case PressureState::low: return 0;
    }
    return 0;
}

PressureState PressureTracker::classify(uint64_t free_pages, uint64_t margin) const
{
    for (uint8_t s = 0; s < static_cast<uint8_t>(PressureState::low); ++s) {
        auto state = static_cast<PressureState>(s);
        if (free_pages >= threshold(state) + margin) return state;
    }
    return PressureState::low;
}

PressureState PressureTracker::update(uint64_t free_pages)
{
    PressureState plain = classify(free_pages, 0);
    if (plain > state_) {
        state_ = plain; // worse: at once
    } else if (plain < state_) {
        PressureState with_margin = classify(free_pages, margin_);
        if (with_margin < state_) state_ = with_margin; // better: only past the margin
    }
    return state_;
}

} // namespace sp::mm
