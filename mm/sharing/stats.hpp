// What the engine reports, with Linux KSM's names where KSM has the figure.
// Saving = pages_sharing + ksm_zero_pages (frames freed, as KSM counts them);
// general_profit = saving in bytes minus the engine's metadata. Ratios are integers in permille
// (no floating point in the hypervisor).
#pragma once
#include <stdint.h>

#include "mm/memory_pressure.hpp"

namespace sp::sharing {

struct MetadataUsage {
    uint64_t page_state_bytes = 0;   // 4 B per registered guest page + large-range records
    uint64_t index_bytes = 0;        // unstable + stable index slots + stable nodes
    uint64_t rmap_bytes = 0;         // reverse-map slots of frames guests map + chain nodes in use
    uint64_t total_bytes = 0;
    uint64_t guest_pages = 0;        // registered (scanned) guest pages
    uint64_t milli_bytes_per_page = 0; // total_bytes * 1000 / guest_pages
};

struct SharingStats {
    uint64_t pages_shared = 0;      // shared frames in use (stable nodes)
    uint64_t pages_sharing = 0;     // extra mappers of them = frames saved by sharing
    uint64_t pages_unshared = 0;    // unique pages in the unstable index (last full scan)
    uint64_t pages_volatile = 0;    // pages that changed since the last look (last full scan)
    uint64_t pages_skipped = 0;     // smart_scan skips (last full scan)
    uint64_t full_scans = 0;
    uint64_t ksm_zero_pages = 0;    // guest pages mapped to a zero frame
    int64_t general_profit = 0;     // bytes
    uint64_t stable_node_chains = 0; // contents held by more than one stable node (max_page_sharing)
    uint64_t pages_shared_across_vms = 0; // shared frames with mappers in more than one VM
    uint64_t saving = 0;            // pages_sharing + ksm_zero_pages
    uint64_t split_saving = 0;      // frames splitting the sharable large mappings would save
    uint64_t large_split = 0;       // large mappings split by the engine
    uint64_t large_collapsed = 0;   // split ranges collapsed back (in place or by copy)
    uint64_t large_collapsed_by_copy = 0;
    uint64_t large_zero_reclaimed = 0; // all-zero large mappings pointed at the zero frame (in 2 MiB)
    uint64_t cow_breaks = 0;
    uint64_t merges = 0;
    mm::PressureState pressure = mm::PressureState::high;
    MetadataUsage metadata;
};

struct VmSharingStats {
    uint64_t pages = 0;    // registered guest pages
    uint64_t mapped = 0;
    uint64_t private_pages = 0; // own frames (4 KiB or large)
    uint64_t shared = 0;        // mapped to a shared frame
    uint64_t zero = 0;          // mapped to a zero frame
    uint64_t saved = 0;         // zero + shared pages, minus this VM's part of the shared frames
    uint64_t on_large_permille = 0; // mapped pages on 2 MiB / 1 GiB mappings
    uint16_t domain = 0;
};

} // namespace sp::sharing
