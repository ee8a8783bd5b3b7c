// Paces the scanner inside the hypervisor, where it shares a CPU with the guests:
//  - a batch of `pages_to_scan` pages at most every `sleep_millisecs` (KSM's meaning of the two
//    tunables; sleep_millisecs = 0 is "flat out": the next batch is due once the last is done);
//  - handed out in chunks of at most `max_chunk` pages, so the console and the guests get their
//    turns between the chunks of a large batch;
//  - after each chunk the scanner rests long enough to keep within `max_cpu_percent` of the
//    time (on a slow machine a KSM-sized batch could otherwise take the whole CPU).
// Times are in microseconds.
#pragma once
#include <stdint.h>

#include "mm/sharing/tunables.hpp"

namespace sp::sharing {

class ScanPacer {
public:
    // Pages to scan now (0: nothing due, or resting). Report the chunk with scanned().
    uint64_t due(uint64_t now_us, const Tunables& t, uint64_t max_chunk);
    // `pages` were looked at between started_us and ended_us.
    void scanned(uint64_t pages, uint64_t started_us, uint64_t ended_us, const Tunables& t);
    // The scanner was stopped (run 0): an unfinished batch is dropped.
    void reset() { owed_ = 0; }

private:
    uint64_t owed_ = 0; // pages of the current batch not yet scanned
    uint64_t batch_start_us_ = 0;
    uint64_t rest_until_us_ = 0;
    bool started_ = false;
};

} // namespace sp::sharing
