// Translates the firmware's memory map into the memory core's regions: which RAM the frame
// allocator may hand out after ExitBootServices, which Samepage already holds, which stays the
// firmware's.
#pragma once
#include <stddef.h>

#include "hv/platform/firmware_memory.hpp"
#include "mm/memory_map.hpp"

namespace sp {

mm::MemoryKind memory_kind_of(uint32_t firmware_type);

// Writes one MemoryRegion per firmware region into `out` (capacity `max`); returns the count,
// or 0 when `max` is too small.
size_t to_memory_regions(const FirmwareRegion* map, size_t count, mm::MemoryRegion* out, size_t max);

} // namespace sp
