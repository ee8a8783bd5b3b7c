// sharer (mode 0) and hog (mode 1): the page-sharing test guests.
//
// sharer fills its data pages (RAM above the first 2 MiB, below its bookkeeping at the top) with
// the sharing benchmark's reference mix, placed in a seeded order of its own: per 65,536 pages
// 26,214 whose content every VM has ("common"), 6,553 zero pages, 1,638 groups of 4 pages
// identical within this VM, the rest unique. Then it runs rounds: each rewrites `--arg2`
// randomly chosen pages (default 64) with new content of the same class (common pages move
// along the sequence every VM follows, unique pages get new unique data, zero pages stay zero,
// group pages are left alone), so the ideal saving stays constant, and verifies the checksum of
// every page. It runs `--arg` rounds, or without `--arg` until the console asks it to finish.
// Between rounds it takes the console's request word (`vm request ID WORD`):
//   1            finish: report the figures and the verdict
//   2 + (N << 8) rewrite N 2 MiB ranges, spread evenly over its data, with unique data
// Figures: the class counts, rounds, rewrites, ranges_rewritten and checksum_failures; it
// passes when no checksum ever failed.
//
// hog writes unique data to every data page, over and over, `--arg` passes, or without `--arg`
// until asked to finish (request 1, looked at every 2 MiB), then verifies and passes: it needs
// every page it touches to be a frame of its own.
#include "hv/guest/programs/runtime.hpp"

namespace {

constexpr uint64_t kPage = 4096, kBlock = 2ull << 20;
constexpr uint64_t kRequestFinish = 1, kRequestRewriteRanges = 2;
constexpr uint64_t kCommonBase = 0x1000000000ull, kGroupBase = 0x2000000000ull, kUniqueBase = 0x3000000000ull;

struct Page {
    uint64_t seed;     // content seed; 0 = zero page
    uint64_t checksum; // of the content last written
};

// The benchmark's content stream (tests/bench): xorshift from the seed.
void fill(volatile uint64_t* w, uint64_t seed)
{
    if (!seed) {
        for (unsigned i = 0; i < 512; ++i) w[i] = 0;
        return;
    }
    uint64_t x = seed * 0x9E3779B97F4A7C15ull | 1;
    for (unsigned i = 0; i < 512; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        w[i] = x;
    }
}

uint64_t checksum(const volatile uint64_t* w)
{
    uint64_t h = 0x84222325cbf29ce4ull;
    for (unsigned i = 0; i < 512; ++i) h = (h ^ w[i]) * 0x100000001b3ull;
    return h;
}

struct Layout {
    uint64_t data_start = kBlock, pages = 0;
    Page* book = nullptr;
};

// Data pages from 2 MiB up to the bookkeeping (16 bytes per page) and the stack at the top.
Layout plan(uint64_t ram_bytes)
{
    Layout l;
    uint64_t usable = ram_bytes - kBlock;
    uint64_t pages = usable / kPage;
    for (;;) {
        uint64_t book_bytes = (pages * sizeof(Page) + (64 << 10) + kBlock - 1) & ~(kBlock - 1);
        if (pages * kPage + book_bytes <= usable) {
            l.pages = pages;
            l.book = reinterpret_cast<Page*>(ram_bytes - book_bytes);
            return l;
        }
        --pages;
    }
}

volatile uint64_t* page_at(const Layout& l, uint64_t i)
{
    return reinterpret_cast<volatile uint64_t*>(l.data_start + i * kPage);
}

struct Random {
    uint64_t state;
    uint64_t next() { return state = guest::mix(state); }
    uint64_t below(uint64_t n) { return next() % n; }
};

void write_page(const Layout& l, uint64_t i, uint64_t seed)
{
    fill(page_at(l, i), seed);
    l.book[i] = {seed, checksum(page_at(l, i))};
}

uint64_t verify_first(const Layout& l, uint64_t count)
{
    uint64_t failures = 0;
    for (uint64_t i = 0; i < count; ++i)
        if (checksum(page_at(l, i)) != l.book[i].checksum) ++failures;
    return failures;
}

uint64_t verify_all(const Layout& l) { return verify_first(l, l.pages); }

[[noreturn]] void sharer(const guest::Params& p)
{
    Layout l = plan(p.ram_bytes);
    const uint64_t common = l.pages * 26214 / 65536, zero = l.pages * 6553 / 65536, groups = l.pages * 1638 / 65536;
    const uint64_t vm = p.vm_id;
    // Seeds in class order, then a seeded shuffle (Fisher-Yates) of where each page lives.
    uint64_t n = 0;
    for (uint64_t i = 0; i < common; ++i) l.book[n++].seed = kCommonBase + i;
    for (uint64_t i = 0; i < zero; ++i) l.book[n++].seed = 0;
    for (uint64_t g = 0; g < groups; ++g)
        for (int k = 0; k < 4; ++k) l.book[n++].seed = kGroupBase + (vm << 24) + g;
    uint64_t next_unique = 0;
    while (n < l.pages) l.book[n++].seed = kUniqueBase + (vm << 24) + next_unique++;
    Random rng{guest::mix(vm * 7919 + 1)};
    for (uint64_t i = l.pages - 1; i > 0; --i) {
        uint64_t j = rng.below(i + 1);
        uint64_t t = l.book[i].seed;
        l.book[i].seed = l.book[j].seed;
        l.book[j].seed = t;
    }
    for (uint64_t i = 0; i < l.pages; ++i) write_page(l, i, l.book[i].seed);
    guest::figure("pages", l.pages);
    guest::figure("common", common);
    guest::figure("zero", zero);
    guest::figure("groups", groups);

    const uint64_t per_round = p.arg2 ? p.arg2 : 64;
    uint64_t failures = verify_all(l), rewrites = 0, ranges_rewritten = 0, round = 0;
    while (!failures && (p.arg == 0 || round < p.arg)) {
        uint64_t request = guest::take_request();
        if (request == kRequestFinish) break;
        if ((request & 0xff) == kRequestRewriteRanges) {
            // Whole 2 MiB ranges of guest memory inside the data pages, spread evenly.
            const uint64_t first = (l.data_start + kBlock - 1) / kBlock, last = (l.data_start + l.pages * kPage) / kBlock;
            const uint64_t n = request >> 8, ranges = last > first ? last - first : 0;
            for (uint64_t k = 0; k < n && k < ranges; ++k) {
                uint64_t range = first + k * ranges / (n < ranges ? n : ranges);
                for (uint64_t a = range * kBlock; a < (range + 1) * kBlock; a += kPage)
                    write_page(l, (a - l.data_start) / kPage, kUniqueBase + (vm << 24) + next_unique++);
                ++ranges_rewritten;
            }
            guest::quiet_figure("ranges_rewritten", ranges_rewritten);
        }
        for (uint64_t k = 0; k < per_round; ++k) {
            uint64_t i = rng.below(l.pages);
            uint64_t seed = l.book[i].seed;
            if (seed >= kGroupBase && seed < kUniqueBase) continue; // groups stay as they are
            if (seed >= kUniqueBase) seed = kUniqueBase + (vm << 24) + next_unique++;
            else if (seed) seed += common; // the next common content of this slot, as in every VM
            write_page(l, i, seed);
            ++rewrites;
        }
        failures += verify_all(l);
        guest::quiet_figure("rounds", ++round);
    }
    guest::figure("rounds", round);
    guest::figure("rewrites", rewrites);
    guest::figure("ranges_rewritten", ranges_rewritten);
    guest::figure("checksum_failures", failures);
    guest::report(failures == 0, failures);
}

[[noreturn]] void hog(const guest::Params& p)
{
    Layout l = plan(p.ram_bytes);
    uint64_t written = 0, failures = 0, passes = 0, touched = 0;
    bool finish = false;
    while (!finish && (p.arg == 0 || passes < p.arg)) {
        for (uint64_t i = 0; i < l.pages; ++i) {
            write_page(l, i, kUniqueBase + (p.vm_id << 24) + passes * l.pages + i);
            ++written;
            if (i + 1 > touched) touched = i + 1;
            if (i % 512 == 511 && guest::take_request() == kRequestFinish) {
                finish = true;
                break;
            }
        }
        failures += verify_first(l, touched); // pages not yet rewritten this pass hold the last one
        guest::quiet_figure("passes", ++passes);
    }
    guest::figure("pages_written", written);
    guest::figure("checksum_failures", failures);
    guest::report(failures == 0, failures);
}

} // namespace

extern "C" void guest_main(const guest::Params& params)
{
    if (params.mode == 1) hog(params);
    sharer(params);
}
