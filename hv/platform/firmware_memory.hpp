// The firmware's memory map in a neutral form, and its summary by type for the `mem` command.
// Types are UEFI's (UEFI spec 2.10, 7.2 EFI_MEMORY_TYPE); boot/ copies the map into this form.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace sp {

enum class FirmwareMemoryType : uint32_t {
    reserved = 0, loader_code, loader_data, boot_services_code, boot_services_data,
    runtime_services_code, runtime_services_data, conventional, unusable, acpi_reclaim,
    acpi_nvs, mmio, mmio_port_space, pal_code, persistent, unaccepted,
    count // number of known types; larger raw values are reported as "other"
};

struct FirmwareRegion {
    uint64_t base;
    uint64_t pages; // 4 KiB pages
    uint32_t type;  // raw EFI_MEMORY_TYPE
    uint64_t attributes;
};

const char* firmware_memory_type_name(uint32_t type);

// After ExitBootServices these types are free for the hypervisor (UEFI spec 7.4): conventional
// memory and boot-services code/data. Loader types hold Samepage itself and stay in use.
bool usable_after_exit_boot_services(uint32_t type);

struct FirmwareMemorySummary {
    static constexpr size_t other_type = static_cast<size_t>(FirmwareMemoryType::count);
    uint64_t pages_by_type[other_type + 1] = {};
    uint64_t regions_by_type[other_type + 1] = {};
    uint64_t total_pages = 0;   // RAM: every type but reserved, unusable and MMIO
    uint64_t usable_pages = 0;  // usable after ExitBootServices
    uint64_t highest_address = 0;
    size_t regions = 0;
};

FirmwareMemorySummary summarize_firmware_memory(const FirmwareRegion* regions, size_t count);

} // namespace sp
