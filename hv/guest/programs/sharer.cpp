// sharer (mode 0) and hog (mode 1): the page-sharing test guests.
//
// sharer fills its data pages (RAM above the first 2 MiB, below its bookkeeping at the top) with
// the sharing benchmark's reference mix, placed in a seeded order of its own: per 65,536 pages
// 26,214 whose content every VM has ("common"), 6,553 zero pages, 1,638 groups of 4 pages
// identical within this VM, the rest unique. Then it runs `--arg` rounds (default 20): each
// rewrites `--arg2` randomly chosen pages (default 64) with new content of the same class
// (common pages move along the sequence every VM follows, unique pages get new unique data,
// zero pages stay zero, group pages are left alone), so the ideal saving stays constant, and
// verifies the checksum of every page. Figures: the class counts, rounds, rewrites and
// checksum_failures; it passes when no checksum ever failed.
//
// hog writes unique data to every data page, over and over, `--arg` passes (default 1), then
// passes: it needs every page it touches to be a frame of its own.
#include "hv/guest/programs/runtime.hpp"

namespace {

constexpr uint64_t kPage = 4096, kBlock = 2ull << 20;
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

uint64_t verify_all(const Layout& l)
{
    uint64_t failures = 0;
    for (uint64_t i = 0; i < l.pages; ++i)
        if (checksum(page_at(l, i)) != l.book[i].checksum) ++failures;
    return failures;
}

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

    const uint64_t rounds = p.arg ? p.arg : 20, per_round = p.arg2 ? p.arg2 : 64;
    uint64_t failures = verify_all(l), rewrites = 0;
    for (uint64_t round = 1; round <= rounds && !failures; ++round) {
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
        guest::figure("rounds", round);
    }
    guest::figure("rewrites", rewrites);
    guest::figure("checksum_failures", failures);
    guest::report(failures == 0, failures);
}

[[noreturn]] void hog(const guest::Params& p)
{
    Layout l = plan(p.ram_bytes);
    const uint64_t passes = p.arg ? p.arg : 1;
    uint64_t written = 0, failures = 0;
    for (uint64_t pass = 0; pass < passes; ++pass) {
        for (uint64_t i = 0; i < l.pages; ++i) {
            write_page(l, i, kUniqueBase + (p.vm_id << 24) + pass * l.pages + i);
            ++written;
        }
        failures += verify_all(l);
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
