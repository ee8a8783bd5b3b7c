// The hypervisor's recent diagnostics (guest stops, memory-pressure changes, ...): a Sink that
// cuts what is written into lines, keeps the newest kEntries of them with a number and a time
// stamp for the console's `log` command, and passes every line on to the console as it comes.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/lib/sink.hpp"

namespace sp {

class DiagnosticLog final : public Sink {
public:
    static constexpr size_t kEntries = 32;
    static constexpr size_t kLineBytes = 160; // longer lines are kept cut, marked with "..."

    struct Entry {
        uint64_t seq;   // 1 for the first line ever kept
        uint64_t ms;    // the clock when the line was complete
        char text[kLineBytes + 1];
    };

    // `forward`: where each complete line goes as well (nullptr: nowhere). `clock_ms`:
    // milliseconds since start, for the time stamps (nullptr: 0).
    explicit DiagnosticLog(Sink* forward = nullptr, uint64_t (*clock_ms)() = nullptr)
        : forward_(forward), clock_ms_(clock_ms)
    {
    }

    void write(const char* data, size_t len) override;

    size_t size() const { return count_ < kEntries ? static_cast<size_t>(count_) : kEntries; }
    // Entry `index` of the kept ones, 0 = oldest kept.
    const Entry& at(size_t index) const;
    uint64_t total() const { return count_; }              // lines ever kept
    uint64_t dropped() const { return count_ - size(); } // lines pushed out by newer ones

private:
    void end_line();

    Sink* forward_;
    uint64_t (*clock_ms_)();
    Entry entries_[kEntries] = {};
    uint64_t count_ = 0;
    char line_[kLineBytes + 1] = {};
    size_t length_ = 0;
    bool cut_ = false;
};

} // namespace sp
