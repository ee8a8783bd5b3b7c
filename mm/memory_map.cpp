#include "mm/memory_map.hpp"

namespace sp::mm {

namespace {
constexpr uint64_t kPhysLimit = 1ull << 52;

bool region_end(const MemoryRegion& r, uint64_t& end)
{
    if (r.pages > (kPhysLimit >> kPageShift)) return false;
    end = r.base + (r.pages << kPageShift);
    return end >= r.base && end <= kPhysLimit;
}
} // namespace

const char* memory_kind_name(MemoryKind kind)
{
    switch (kind) {
    case MemoryKind::usable: return "usable";
    case MemoryKind::hypervisor_image: return "hypervisor";
    case MemoryKind::acpi_reclaim: return "acpi";
    case MemoryKind::acpi_nvs: return "acpi-nvs";
    case MemoryKind::firmware_runtime: return "firmware-runtime";
    case MemoryKind::persistent: return "persistent";
    case MemoryKind::reserved: return "reserved";
    case MemoryKind::unusable: return "unusable";
    case MemoryKind::mmio: return "mmio";
    }
    return "unknown";
}

MemoryMapReport scan_memory_map(const MemoryRegion* regions, size_t count)
{
    MemoryMapReport report;
    uint64_t previous_base = 0;
    bool have_previous = false;
    for (size_t i = 0; i < count; ++i) {
        const MemoryRegion& r = regions[i];
        uint64_t end = 0;
        if ((r.base & (kPageSize - 1)) != 0 || r.kind > MemoryKind::mmio) {
            report.error = (r.base & (kPageSize - 1)) ? MmError::unaligned : MmError::bad_memory_map;
            report.bad_entry = i;
            return report;
        }
        if (!region_end(r, end)) {
            report.error = MmError::overflow;
            report.bad_entry = i;
            return report;
        }
        if (r.pages == 0) {
            ++report.zero_length;
            continue;
        }
        if (have_previous && r.base < previous_base) ++report.unsorted;
        previous_base = r.base;
        have_previous = true;
        if (r.kind == MemoryKind::usable) report.usable_pages += r.pages;
        if (r.kind != MemoryKind::mmio) {
            if (r.base < report.lowest_ram) report.lowest_ram = r.base;
            if (end > report.highest_ram) report.highest_ram = end;
        }
        for (size_t j = 0; j < i; ++j) {
            const MemoryRegion& o = regions[j];
            uint64_t o_end = 0;
            if (o.pages == 0 || !region_end(o, o_end)) continue;
            if (r.base < o_end && o.base < end) ++report.overlaps;
        }
    }
    if (report.highest_ram == 0) report.lowest_ram = 0;
    return report;
}

} // namespace sp::mm
