#include "hv/image/free_canary.hpp"

#include "hv/guest/test_guest_image.hpp"
#include "hv/lib/format.hpp"
#include "hv/lib/panic.hpp"

namespace sp {
namespace {

// Physical memory is identity-mapped in the hypervisor.
void fill(void*, uint64_t pa, uint64_t bytes)
{
    auto* w = reinterpret_cast<volatile uint64_t*>(pa);
    for (uint64_t i = 0; i < bytes / 8; ++i) w[i] = test_mode_free_canary;
}

uint64_t first_change(void*, uint64_t pa, uint64_t bytes)
{
    auto* w = reinterpret_cast<const volatile uint64_t*>(pa);
    for (uint64_t i = 0; i < bytes / 8; ++i)
        if (w[i] != test_mode_free_canary) return i * 8;
    return mm::FreeFrameWatch::kIntact;
}

void changed(void*, uint64_t pa, uint64_t offset)
{
    panic("free-frame canary: the block at 0x%llx was written while free (first change at +0x%llx)",
          static_cast<unsigned long long>(pa), static_cast<unsigned long long>(offset));
}

} // namespace

void start_free_canaries(mm::FrameAllocator& frames, Sink& out)
{
    uint64_t filled = frames.watch_free_frames({nullptr, fill, first_change, changed});
    format(out, "test mode: %llu free frames carry the canary, checked when handed out\n",
           static_cast<unsigned long long>(filled));
}

} // namespace sp
