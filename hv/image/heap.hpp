// The hypervisor's heap in the image: one SmallHeap over the region boot took from the firmware
// (heap_mib). operator new/delete (hv/rt/new_delete.cpp) allocate from it.
#pragma once
#include "mm/small_heap.hpp"

namespace sp::image {
SmallHeap& heap();
} // namespace sp::image
