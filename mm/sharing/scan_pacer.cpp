#include "mm/sharing/scan_pacer.hpp"

namespace sp::sharing {

uint64_t ScanPacer::due(uint64_t now_us, const Tunables& t, uint64_t max_chunk)
{
    if (t.run != 1) {
        reset();
        return 0;
    }
    if (now_us < rest_until_us_) return 0;
    // A new batch starts once the last one is done and its period has passed; an unfinished
    // batch is never topped up, so a slow scan cannot build up a backlog.
    if (owed_ == 0 && (!started_ || now_us - batch_start_us_ >= uint64_t{t.sleep_millisecs} * 1000)) {
        owed_ = t.pages_to_scan;
        batch_start_us_ = now_us;
        started_ = true;
    }
    return owed_ < max_chunk ? owed_ : max_chunk;
}

void ScanPacer::scanned(uint64_t pages, uint64_t started_us, uint64_t ended_us, const Tunables& t)
{
    owed_ = pages >= owed_ ? 0 : owed_ - pages;
    uint64_t busy = ended_us > started_us ? ended_us - started_us : 0;
    uint32_t percent = t.max_cpu_percent ? t.max_cpu_percent : 1;
    // busy / (busy + rest) = percent / 100
    rest_until_us_ = ended_us + busy * (100 - percent) / percent;
}

} // namespace sp::sharing
