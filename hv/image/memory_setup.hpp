// Brings up the memory core in the image: the frame allocator from the firmware's final memory
// map, then the hypervisor's own page tables (identity map), after which the firmware's tables
// are given back to the allocator.
#pragma once
#include "hv/lib/sink.hpp"
#include "hv/platform/boot_info.hpp"
#include "mm/frame_allocator.hpp"

namespace sp {

void setup_memory(const BootInfo& info, Sink& log);

mm::FrameAllocator& frame_allocator();

struct HostPagingStats {
    uint64_t table_pages = 0;
    uint64_t mapped_bytes = 0;
    uint64_t firmware_table_pages_freed = 0;
    uint64_t cr3 = 0;
};
HostPagingStats host_paging_stats();

} // namespace sp
