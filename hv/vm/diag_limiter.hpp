// Rate limit for a VM's diagnostic lines: at most kLinesPerWindow per window (one second of
// guest time), the rest counted; the count is reported with the first line of a later window.
// A guest in an I/O storm thus costs the console a few lines a second, not one per exit.
#pragma once
#include <stdint.h>

namespace sp::vm {

class DiagLimiter {
public:
    static constexpr uint32_t kLinesPerWindow = 4;

    struct Decision {
        bool print;           // print this line
        uint64_t suppressed;  // lines dropped since the last printed one: report them first
    };

    Decision check(uint64_t now, uint64_t window_ticks)
    {
        if (!started_ || now - window_start_ >= window_ticks) {
            started_ = true;
            window_start_ = now;
            printed_ = 0;
        }
        if (printed_ >= kLinesPerWindow) {
            ++pending_;
            ++suppressed_total_;
            return {false, 0};
        }
        ++printed_;
        Decision d{true, pending_};
        pending_ = 0;
        return d;
    }

    uint64_t suppressed_total() const { return suppressed_total_; }

private:
    bool started_ = false;
    uint64_t window_start_ = 0;
    uint32_t printed_ = 0;
    uint64_t pending_ = 0;
    uint64_t suppressed_total_ = 0;
};

} // namespace sp::vm
