// Zeroed frames for hardware structures (VMCB, VMCS, VMXON region, permission bitmaps).
#pragma once
#include <stdint.h>
#include <string.h>

#include "mm/frame_allocator.hpp"

namespace sp::x86 {

// 2^order zeroed 4 KiB frames charged to `owner`; 0 when memory is out.
inline uint64_t alloc_zeroed(mm::FrameAllocator& frames, unsigned order, mm::Owner owner)
{
    auto r = frames.alloc(order, owner);
    if (!r.ok()) return 0;
    memset(reinterpret_cast<void*>(r.value), 0, 4096ull << order);
    return r.value;
}

} // namespace sp::x86
