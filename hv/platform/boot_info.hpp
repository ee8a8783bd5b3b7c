// Everything the boot code learned from the firmware, handed to the hypervisor proper after
// ExitBootServices. No UEFI types: boot/ is the only part that knows UEFI.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/cpu_features.hpp"
#include "hv/platform/acpi_rsdp.hpp"
#include "hv/platform/boot_config.hpp"
#include "hv/platform/firmware_memory.hpp"

namespace sp {

enum class ResetKind { cold_reboot, power_off };

struct BootInfo {
    uint64_t image_base = 0;
    uint64_t image_size = 0;
    const FirmwareRegion* memory_map = nullptr; // the final map, taken just before exit
    size_t memory_map_count = 0;
    uint32_t exit_boot_services_attempts = 0;
    uint64_t rsdp_address = 0;
    RsdpInfo rsdp;
    BootConfig config;
    x86::CpuFeatures cpu;
    uint64_t allocator_storage_base = 0; // for the frame allocator's metadata (loader data)
    uint64_t allocator_storage_size = 0;
    uint64_t heap_base = 0;
    uint64_t heap_size = 0;
    char firmware_vendor[48] = {};
    uint32_t firmware_revision = 0;
    char load_options[256] = {};
    size_t global_constructors = 0;
    // Resets or powers off the machine through the firmware's runtime services; returns only
    // if the firmware did not do it.
    void (*firmware_reset)(ResetKind kind) = nullptr;
};

} // namespace sp
