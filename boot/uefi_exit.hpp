#pragma once
#include "boot/uefi.hpp"
#include "hv/platform/firmware_memory.hpp"

namespace sp::boot {

struct ExitResult {
    EFI_STATUS status = EFI_SUCCESS;
    FirmwareRegion* regions = nullptr; // the final memory map in neutral form
    size_t region_count = 0;
    uint32_t attempts = 0;
};

// Copies raw UEFI descriptors (`map_size` bytes, each `desc_size` long: the firmware's size,
// not sizeof) into neutral regions; returns how many, at most `max`.
size_t to_firmware_regions(const void* raw, UINTN map_size, UINTN desc_size, FirmwareRegion* out, size_t max);

// Takes the memory map and exits boot services with it, taking a fresh map and retrying when
// the firmware reports that the map changed in between (UEFI spec 7.4). After success no boot
// service may be called.
ExitResult exit_boot_services(EFI_HANDLE image, EFI_SYSTEM_TABLE* st);

} // namespace sp::boot
