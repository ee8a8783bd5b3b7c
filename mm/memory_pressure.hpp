// Memory-pressure states with ESX's defaults, computed from the number of free frames relative
// to min_free: high >= 400%, clear >= 100%, soft >= 64%, hard >= 32%, low below. A state gets
// worse as soon as free memory drops below its threshold, but only gets better once free memory
// exceeds the better state's threshold by a margin (hysteresis), so reclamation does not flap.
#pragma once
#include <stdint.h>

namespace sp::mm {

enum class PressureState : uint8_t { high = 0, clear, soft, hard, low };

const char* to_string(PressureState state);

// ESX's sliding scale for min_free: 6% of the first 4 GiB, 4% of the next 8 GiB, 2% of the next
// 16 GiB and 1% of the rest.
uint64_t default_min_free_pages(uint64_t total_pages);

class PressureTracker {
public:
    // margin_pages: how far above a better state's threshold free memory must climb before the
    // state improves. Default: min_free / 16.
    void configure(uint64_t min_free_pages, uint64_t margin_pages);
    void configure(uint64_t min_free_pages) { configure(min_free_pages, min_free_pages / 16); }

    PressureState update(uint64_t free_pages);
    PressureState state() const { return state_; }
    uint64_t min_free_pages() const { return min_free_; }
    uint64_t margin_pages() const { return margin_; }
    // Lowest free-page count that still counts as `state` (0 for low).
    uint64_t threshold(PressureState state) const;

private:
    PressureState classify(uint64_t free_pages, uint64_t margin) const;

    uint64_t min_free_ = 0;
    uint64_t margin_ = 0;
    PressureState state_ = PressureState::high;
};

} // namespace sp::mm
