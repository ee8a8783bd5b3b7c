#include "hv/vm/xsetbv_policy.hpp"

namespace sp::vm {

XsetbvVerdict check_xsetbv(const GuestState& guest, uint32_t xcr, uint64_t value, uint64_t host_supported)
{
    // Hardware raises #UD before the exit when CR4.OSXSAVE is clear; checked again because a
    // back-end or an emulator might not.
    if (!(guest.cr4 & kCr4Osxsave)) return XsetbvVerdict::ud;
    if (xcr != 0) return XsetbvVerdict::gp;          // only XCR0 exists
    if (!(value & xcr0::x87)) return XsetbvVerdict::gp;
    if (value & ~host_supported) return XsetbvVerdict::gp;
    if ((value & xcr0::avx) && !(value & xcr0::sse)) return XsetbvVerdict::gp;
    if (!(value & xcr0::bndregs) != !(value & xcr0::bndcsr)) return XsetbvVerdict::gp;
    uint64_t avx512 = value & xcr0::avx512;
    if (avx512 && (avx512 != xcr0::avx512 || !(value & xcr0::avx))) return XsetbvVerdict::gp;
    if (!(value & xcr0::xtilecfg) != !(value & xcr0::xtiledata)) return XsetbvVerdict::gp;
    return XsetbvVerdict::ok;
}

} // namespace sp::vm
