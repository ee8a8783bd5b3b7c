// Per-guest-page scanner state: one 16-bit word per 4 KiB guest page.
//   bits 0..2   kind (below)
//   bits 3..4   age: looks that found the page unchanged but unmergeable (smart_scan), max 3
//   bits 5..15  check: 11 bits of the page's last fingerprint, to tell changed pages (volatile)
// 11 bits are enough: a false "unchanged" (1 in 2048) only lets a changing page into the
// unstable index for one pass, and nothing is ever merged without comparing bytes.
#pragma once
#include <stdint.h>

namespace sp::sharing {

enum class PageKind : uint8_t {
    unseen = 0,     // never looked at (or unmapped)
    private_page,   // mapped 4 KiB, owned by the VM; check valid
    shared,         // mapped read-only to a stable (shared) frame
    zero,           // mapped read-only to the zero frame (4 KiB, or a piece of the 2 MiB one)
    large,          // piece of a private 2 MiB / 1 GiB mapping; check valid
    large_zero,     // piece of a 2 MiB mapping of the shared 2 MiB zero frame
};

using PageWord = uint16_t;

struct PageState {
    static constexpr uint32_t kKindMask = 7, kAgeShift = 3, kAgeMask = 3, kCheckShift = 5;

    static PageKind kind(uint32_t s) { return static_cast<PageKind>(s & kKindMask); }
    static uint32_t age(uint32_t s) { return (s >> kAgeShift) & kAgeMask; }
    static uint32_t check(uint32_t s) { return (s >> kCheckShift) & 0x7ff; }
    static uint32_t check_of(uint64_t hash) { return static_cast<uint32_t>(hash >> 53); }
    static PageWord make(PageKind k, uint32_t check, uint32_t age)
    {
        return static_cast<PageWord>(static_cast<uint32_t>(k) | ((age > kAgeMask ? kAgeMask : age) << kAgeShift) |
                                     ((check & 0x7ff) << kCheckShift));
    }
    static PageWord with_age(uint32_t s, uint32_t a) { return make(kind(s), check(s), a); }
};

} // namespace sp::sharing
