#include "arch/x86/extended_state.hpp"

#include <string.h>

#include "arch/x86/cpu.hpp"
#include "hv/lib/panic.hpp"

namespace sp::x86 {
namespace {

constexpr uint64_t kCr4Osfxsr = 1ull << 9, kCr4Osxmmexcpt = 1ull << 10, kCr4Osxsave = 1ull << 18;
// x87, SSE, AVX, and AVX-512's opmask/ZMM_Hi256/Hi16_ZMM: the user components XSAVE handles in
// its standard format. MPX, PKRU, AMX and the supervisor components stay off.
constexpr uint64_t kSwitchable = 0x1 | 0x2 | 0x4 | 0x20 | 0x40 | 0x80;
constexpr unsigned kMaxCpus = 64;

ExtendedStateInfo info;
ExtendedState* loaded[kMaxCpus] = {}; // per CPU: whose registers are live, nullptr = nobody's

void write_cr4(uint64_t v) { asm volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }

void xsetbv0(uint64_t value)
{
    asm volatile("xsetbv" ::"c"(0), "a"(static_cast<uint32_t>(value)), "d"(static_cast<uint32_t>(value >> 32)));
}

uint64_t xgetbv0()
{
    uint32_t lo, hi;
    asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (static_cast<uint64_t>(hi) << 32) | lo;
}

} // namespace

const ExtendedStateInfo& enable_extended_state()
{
    uint64_t cr4 = read_cr4() | kCr4Osfxsr | kCr4Osxmmexcpt;
    info.xsave = cpuid(1).ecx & (1u << 26);
    if (!info.xsave) {
        write_cr4(cr4);
        info.area_bytes = 512;
        return info;
    }
    write_cr4(cr4 | kCr4Osxsave);
    CpuidResult leaf = cpuid(0xd, 0);
    uint64_t supported = (static_cast<uint64_t>(leaf.edx) << 32) | leaf.eax;
    info.xcr0_all = supported & kSwitchable;
    // AVX-512 comes as three components that must be enabled together.
    if ((info.xcr0_all & 0xe0) != 0xe0) info.xcr0_all &= ~0xe0ull;
    xsetbv0(info.xcr0_all);
    info.area_bytes = cpuid(0xd, 0).ebx; // the size for the XCR0 now set
    return info;
}

const ExtendedStateInfo& extended_state_info() { return info; }

const char* ExtendedState::init(mm::FrameAllocator& frames, mm::Owner owner)
{
    SP_ASSERT(info.area_bytes); // enable_extended_state() ran
    area_order_ = 0;
    while ((mm::kPageSize << area_order_) < info.area_bytes) ++area_order_;
    auto block = frames.alloc(area_order_, owner);
    if (!block.ok()) return "no memory for the vCPU's register save area";
    area_pa_ = block.value;
    owner_ = owner;
    auto* area = reinterpret_cast<uint8_t*>(area_pa_);
    memset(area, 0, mm::kPageSize << area_order_); // XSTATE_BV 0: every component in reset state
    const uint16_t fcw = 0x37f;
    const uint32_t mxcsr = 0x1f80;
    memcpy(area + 0, &fcw, sizeof fcw);
    memcpy(area + 24, &mxcsr, sizeof mxcsr);
    xcr0_ = 1;
    return nullptr;
}

void ExtendedState::release(mm::FrameAllocator& frames)
{
    for (auto*& owner : loaded)
        if (owner == this) owner = nullptr; // its registers are simply abandoned
    if (area_pa_) frames.free(area_pa_, area_order_, owner_);
    area_pa_ = 0;
}

void ExtendedState::set_xcr0(uint64_t value)
{
    xcr0_ = value;
    for (auto* owner : loaded)
        if (owner == this) xsetbv0(value);
}

void ExtendedState::save()
{
    if (info.xsave) {
        xsetbv0(info.xcr0_all); // every component, whatever the guest had enabled
        asm volatile("xsave64 (%0)" ::"r"(area_pa_), "a"(static_cast<uint32_t>(info.xcr0_all)),
                     "d"(static_cast<uint32_t>(info.xcr0_all >> 32))
                     : "memory");
    } else {
        asm volatile("fxsave64 (%0)" ::"r"(area_pa_) : "memory");
    }
}

void ExtendedState::restore()
{
    if (info.xsave) {
        xsetbv0(info.xcr0_all);
        asm volatile("xrstor64 (%0)" ::"r"(area_pa_), "a"(static_cast<uint32_t>(info.xcr0_all)),
                     "d"(static_cast<uint32_t>(info.xcr0_all >> 32))
                     : "memory");
        xsetbv0(xcr0_);
    } else {
        asm volatile("fxrstor64 (%0)" ::"r"(area_pa_) : "memory");
    }
}

void ExtendedState::load(unsigned cpu)
{
    SP_ASSERT(cpu < kMaxCpus && area_pa_);
    ExtendedState*& owner = loaded[cpu];
    if (owner == this) return;
    if (owner) owner->save();
    restore();
    owner = this;
}

void ExtendedState::note_exit()
{
    if (info.xsave) xcr0_ = xgetbv0();
}

} // namespace sp::x86
