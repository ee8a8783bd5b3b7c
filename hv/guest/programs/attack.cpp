// attack: looks for anything it should not see and tries to leave its memory.
//  1. Scans all its RAM for the test-mode free-frame canary and for memcheck's tagged words
//     (left by an ended VM): a fresh VM must see only zeros and what it wrote itself.
//  2. Hands the hypercalls addresses beyond its RAM: each must be refused with -2.
//  3. Reads one address beyond its RAM (`--arg GPA`, default: the first byte past RAM). The
//     nested page table must stop the VM on that first attempt; if the read returns, it failed.
// The constants it looks for are kept XOR-ed with a runtime key, so its own code and data never
// contain them.
#include "hv/guest/programs/runtime.hpp"

namespace {
volatile uint64_t key = 0x0123456789abcdefull;
constexpr uint64_t kKey = 0x0123456789abcdefull;
constexpr uint64_t kCanaryKeyed = sp::test_mode_free_canary ^ kKey;
constexpr uint32_t kTagKeyed = guest::kMemcheckTag ^ static_cast<uint32_t>(kKey >> 32);
constexpr int64_t kBadAddress = -2;
} // namespace

extern "C" void guest_main(const guest::Params& params)
{
    if (params.magic != sp::test_guest_params_magic) guest::report(false, 1);
    const uint64_t k = key;
    const uint32_t k_high = static_cast<uint32_t>(k >> 32);
    uint64_t canaries = 0, tagged = 0;
    auto* words = reinterpret_cast<const volatile uint64_t*>(0);
    const uint64_t count = params.ram_bytes / 8;
    for (uint64_t i = 1; i < count; ++i) { // word 0: address 0, never a pointer we dereference
        uint64_t w = words[i];
        if ((w ^ k) == kCanaryKeyed) ++canaries;
        if ((static_cast<uint32_t>(w >> 32) ^ k_high) == kTagKeyed) ++tagged;
    }
    guest::figure("mib_scanned", params.ram_bytes >> 20);
    guest::figure("canary_words", canaries);
    guest::figure("memcheck_words", tagged);

    const uint64_t beyond = params.ram_bytes;
    int refused = 0;
    refused += guest::hypercall(guest::call::print, beyond, 16) == kBadAddress;
    refused += guest::hypercall(guest::call::print, beyond - 8, 16) == kBadAddress;
    refused += guest::hypercall(guest::call::report_figure, beyond, 1) == kBadAddress;
    guest::figure("hypercalls_refused", refused);

    if (canaries || tagged) {
        guest::print("attack: found data that is not mine\n");
        guest::report(false, 2);
    }
    if (refused != 3) {
        guest::print("attack: a hypercall accepted an address beyond my RAM\n");
        guest::report(false, 3);
    }
    const uint64_t target = params.arg ? params.arg : beyond;
    guest::print("attack: nothing found; reading gpa ");
    guest::print_hex(target);
    guest::print("\n");
    uint64_t value = *reinterpret_cast<const volatile uint64_t*>(target);
    guest::print("attack: the read beyond my RAM returned ");
    guest::print_hex(value);
    guest::print("\n");
    guest::report(false, 4);
}
