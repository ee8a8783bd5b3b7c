// The physical memory map the frame allocator is built from. boot/ translates the UEFI memory
// descriptors into MemoryRegion entries; host tests feed synthetic maps. Entries may come in any
// order and may overlap or be empty: scan_memory_map() says what is wrong, the allocator repairs
// overlaps by letting the more restrictive kind win (see MemoryKind order) and skips empty ones.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "mm/mm_error.hpp"

namespace sp::mm {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr unsigned kPageShift = 12;

// Ordered by precedence: where entries overlap, the larger value wins.
enum class MemoryKind : uint8_t {
    usable = 0,          // free RAM for the hypervisor and guests
    hypervisor_image,    // RAM already holding Samepage (image, early heap): owned by the hypervisor
    acpi_reclaim,        // ACPI tables; kept, the hypervisor does not reclaim them
    acpi_nvs,
    firmware_runtime,    // UEFI runtime services code/data
    persistent,          // NVDIMM and the like: not general-purpose RAM
    reserved,
    unusable,            // RAM with errors
    mmio,                // not RAM at all; never part of the allocator's span
};

const char* memory_kind_name(MemoryKind kind);

struct MemoryRegion {
    uint64_t base;  // physical address, 4 KiB aligned
    uint64_t pages; // 4 KiB pages
    MemoryKind kind;
};

// What scan_memory_map() found. error != ok means the map cannot be used at all.
struct MemoryMapReport {
    MmError error = MmError::ok;
    size_t bad_entry = 0;          // index of the first unusable entry when error != ok
    size_t zero_length = 0;        // skipped entries
    size_t overlaps = 0;           // pairs of overlapping entries (repaired by precedence)
    size_t unsorted = 0;           // entries that start below their predecessor (harmless)
    uint64_t usable_pages = 0;     // usable RAM counted once, after overlap repair is NOT applied
    uint64_t lowest_ram = ~0ull;   // lowest address of any non-MMIO entry
    uint64_t highest_ram = 0;      // end (exclusive) of the highest non-MMIO entry
};

// Checks every entry: base aligned to 4 KiB, base + pages * 4 KiB without wrap-around and below
// 2^52 (the architectural physical-address limit). O(n^2) overlap check: maps have at most a few
// hundred entries.
MemoryMapReport scan_memory_map(const MemoryRegion* regions, size_t count);

} // namespace sp::mm
