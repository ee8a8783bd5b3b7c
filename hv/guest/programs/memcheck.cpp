// memcheck: fills its memory above 2 MiB (or `--arg` MiB of it) with a seeded pattern, reads
// it all back and reports. Proves that a VM's RAM holds what it writes across the scheduler's
// slices and other VMs' runs, and leaves recognizable data behind for the attack guest to look
// for after this VM has ended.
#include "hv/guest/programs/runtime.hpp"

namespace {
constexpr uint64_t kStart = 2ull << 20;       // above the first block (tables, code)
constexpr uint64_t kStackReserve = 64ull << 10; // below the top of RAM
} // namespace

extern "C" void guest_main(const guest::Params& params)
{
    uint64_t top = params.ram_bytes - kStackReserve;
    if (params.arg) {
        uint64_t want = kStart + (params.arg << 20);
        if (want > top) {
            guest::print("memcheck: --arg asks for more MiB than this VM has\n");
            guest::report(false, 1);
        }
        top = want;
    }
    if (top <= kStart) {
        guest::print("memcheck: needs more than 2 MiB of RAM\n");
        guest::report(false, 1);
    }
    const uint64_t seed = guest::mix(params.vm_id * 0x1000193 + 17);
    auto* words = reinterpret_cast<volatile uint64_t*>(kStart);
    const uint64_t count = (top - kStart) / 8;
    for (uint64_t i = 0; i < count; ++i) words[i] = guest::memcheck_word(seed, kStart + i * 8);
    uint64_t bad = 0, first_bad = 0;
    for (uint64_t i = 0; i < count; ++i) {
        if (words[i] != guest::memcheck_word(seed, kStart + i * 8)) {
            if (!bad) first_bad = kStart + i * 8;
            ++bad;
        }
    }
    guest::figure("mib_checked", (count * 8) >> 20);
    guest::figure("bad_words", bad);
    if (bad) {
        guest::print("memcheck: first bad word at ");
        guest::print_hex(first_bad);
        guest::print("\n");
        guest::report(false, 2);
    }
    guest::print("memcheck: all words verified\n");
    guest::report(true);
}
