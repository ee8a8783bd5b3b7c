// Which XCR0 values a guest may set with XSETBV: those the host CPU supports and the
// architecture allows. Anything else would make the next VM entry or XRSTOR fail on our side.
#pragma once
#include <stdint.h>

#include "hv/vm/guest_state.hpp"

namespace sp::vm {

namespace xcr0 {
inline constexpr uint64_t x87 = 1ull << 0, sse = 1ull << 1, avx = 1ull << 2;
inline constexpr uint64_t bndregs = 1ull << 3, bndcsr = 1ull << 4;
inline constexpr uint64_t opmask = 1ull << 5, zmm_hi256 = 1ull << 6, hi16_zmm = 1ull << 7;
inline constexpr uint64_t avx512 = opmask | zmm_hi256 | hi16_zmm;
inline constexpr uint64_t xtilecfg = 1ull << 17, xtiledata = 1ull << 18;
} // namespace xcr0

enum class XsetbvVerdict : uint8_t { ok, gp, ud };

// `host_supported`: CPUID.(EAX=0xD,ECX=0) EDX:EAX of the host.
XsetbvVerdict check_xsetbv(const GuestState& guest, uint32_t xcr, uint64_t value, uint64_t host_supported);

} // namespace sp::vm
