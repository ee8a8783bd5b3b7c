#include <catch2/catch.hpp>

#include "mm/sharing/scan_pacer.hpp"

using sp::sharing::ScanPacer;
using sp::sharing::Tunables;

namespace {
// A scan that takes no time: only the batch pacing applies.
void instant(ScanPacer& p, uint64_t pages, uint64_t now_us, const Tunables& t) { p.scanned(pages, now_us, now_us, t); }
} // namespace

TEST_CASE("The pacer hands out pages_to_scan per sleep_millisecs, in chunks", "[sharing]")
{
    Tunables t;
    t.pages_to_scan = 100;
    t.sleep_millisecs = 20;
    ScanPacer p;
    CHECK(p.due(1000000, t, 64) == 64); // a batch starts at once, chunked
    instant(p, 64, 1000000, t);
    CHECK(p.due(1001000, t, 64) == 36); // the rest of the batch, before its period is over
    instant(p, 36, 1001000, t);
    CHECK(p.due(1005000, t, 64) == 0); // done; the next batch waits for the period
    CHECK(p.due(1019999, t, 64) == 0);
    CHECK(p.due(1020000, t, 64) == 64);
}

TEST_CASE("An unfinished batch is not topped up: no backlog builds while scanning is slow", "[sharing]")
{
    Tunables t;
    t.pages_to_scan = 100;
    t.sleep_millisecs = 20;
    t.max_cpu_percent = 100;
    ScanPacer p;
    CHECK(p.due(0, t, 1000) == 100);
    p.scanned(10, 0, 400000, t);
    CHECK(p.due(500000, t, 1000) == 90); // 25 periods later: still just the rest of one batch
    instant(p, 90, 500000, t);
    CHECK(p.due(500000, t, 1000) == 100); // its period passed long ago: the next batch is due
}

TEST_CASE("sleep_millisecs 0 is flat out; run 0 scans nothing and drops the batch", "[sharing]")
{
    Tunables t;
    t.pages_to_scan = 5000;
    t.sleep_millisecs = 0;
    ScanPacer p;
    // The same microsecond: batch after batch (2048 + 2048 + 904 each), no waiting.
    for (int batch = 0; batch < 3; ++batch) {
        REQUIRE(p.due(7, t, 2048) == 2048);
        instant(p, 2048, 7, t);
        REQUIRE(p.due(7, t, 2048) == 2048);
        instant(p, 2048, 7, t);
        REQUIRE(p.due(7, t, 2048) == 904);
        instant(p, 904, 7, t);
    }
    t.run = 0;
    CHECK(p.due(8, t, 2048) == 0);
    t.run = 1;
    CHECK(p.due(8, t, 2048) == 2048); // a fresh batch, not the dropped rest
    instant(p, 3000, 8, t);
    CHECK(p.due(8, t, 2048) == 2000);
    instant(p, 2500, 8, t); // the scanner may look at more than asked: no underflow
    CHECK(p.due(8, t, 2048) == 2048);
}

TEST_CASE("After each chunk the scanner rests so it takes at most max_cpu_percent of the time", "[sharing]")
{
    Tunables t;
    t.pages_to_scan = 100000;
    t.sleep_millisecs = 0;
    t.max_cpu_percent = 20;
    ScanPacer p;
    REQUIRE(p.due(0, t, 1024) == 1024);
    p.scanned(1024, 0, 1000, t); // 1 ms of scanning...
    CHECK(p.due(1000, t, 1024) == 0);
    CHECK(p.due(4999, t, 1024) == 0); // ...rests 4 ms: 20%
    CHECK(p.due(5000, t, 1024) == 1024);
    t.max_cpu_percent = 100;
    p.scanned(1024, 5000, 6000, t);
    CHECK(p.due(6000, t, 1024) == 1024); // no cap: no rest
}
