#include "hv/platform/firmware_memory.hpp"

namespace sp {

const char* firmware_memory_type_name(uint32_t type)
{
    static const char* const names[] = {
        "reserved", "loader-code", "loader-data", "boot-services-code", "boot-services-data",
        "runtime-services-code", "runtime-services-data", "conventional", "unusable",
        "acpi-reclaim", "acpi-nvs", "mmio", "mmio-port-space", "pal-code", "persistent",
        "unaccepted",
    };
    static_assert(sizeof names / sizeof names[0] == static_cast<size_t>(FirmwareMemoryType::count));
    return type < static_cast<uint32_t>(FirmwareMemoryType::count) ? names[type] : "other";
}

bool usable_after_exit_boot_services(uint32_t type)
{
    auto t = static_cast<FirmwareMemoryType>(type);
    return t == FirmwareMemoryType::conventional || t == FirmwareMemoryType::boot_services_code ||
           t == FirmwareMemoryType::boot_services_data;
}

FirmwareMemorySummary summarize_firmware_memory(const FirmwareRegion* regions, size_t count)
{
    FirmwareMemorySummary s;
    s.regions = count;
    for (size_t i = 0; i < count; ++i) {
        const FirmwareRegion& r = regions[i];
        size_t slot = r.type < FirmwareMemorySummary::other_type ? r.type : FirmwareMemorySummary::other_type;
        s.pages_by_type[slot] += r.pages;
        s.regions_by_type[slot] += 1;
        auto t = static_cast<FirmwareMemoryType>(r.type);
        bool io = t == FirmwareMemoryType::mmio || t == FirmwareMemoryType::mmio_port_space;
        // Reserved and unusable ranges are often address space (e.g. PCIe ECAM), not RAM.
        bool ram = !io && t != FirmwareMemoryType::reserved && t != FirmwareMemoryType::unusable;
        if (ram) s.total_pages += r.pages;
        if (usable_after_exit_boot_services(r.type)) s.usable_pages += r.pages;
        uint64_t end = r.base + r.pages * 4096;
        if (ram && end > s.highest_address) s.highest_address = end;
    }
    return s;
}

} // namespace sp
