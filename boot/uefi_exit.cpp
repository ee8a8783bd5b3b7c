#include "boot/uefi_exit.hpp"

namespace sp::boot {

size_t to_firmware_regions(const void* raw, UINTN map_size, UINTN desc_size, FirmwareRegion* out, size_t max)
{
    size_t count = map_size / desc_size;
    if (count > max) count = max;
    for (size_t i = 0; i < count; ++i) {
        auto d = reinterpret_cast<const EFI_MEMORY_DESCRIPTOR*>(static_cast<const uint8_t*>(raw) + i * desc_size);
        out[i] = {d->PhysicalStart, d->NumberOfPages, d->Type, d->Attribute};
    }
    return count;
}

ExitResult exit_boot_services(EFI_HANDLE image, EFI_SYSTEM_TABLE* st)
{
    EFI_BOOT_SERVICES* bs = st->BootServices;
    ExitResult result;
    UINTN map_size = 0, key = 0, desc_size = 0;
    UINT32 desc_version = 0;
    bs->GetMemoryMap(&map_size, nullptr, &key, &desc_size, &desc_version);
    // Room for the map to grow by our own allocations and by the firmware between attempts:
    // after a failed ExitBootServices only GetMemoryMap may be called, not AllocatePool.
    UINTN capacity = map_size + 64 * (desc_size ? desc_size : 48);
    void* raw = nullptr;
    void* neutral = nullptr;
    size_t max_regions = capacity / (desc_size ? desc_size : 48) + 1;
    result.status = bs->AllocatePool(EfiLoaderData, capacity, &raw);
    if (EFI_ERROR(result.status)) return result;
    result.status = bs->AllocatePool(EfiLoaderData, max_regions * sizeof(FirmwareRegion), &neutral);
    if (EFI_ERROR(result.status)) return result;

    for (result.attempts = 1; result.attempts <= 8; ++result.attempts) {
        map_size = capacity;
        result.status = bs->GetMemoryMap(&map_size, static_cast<EFI_MEMORY_DESCRIPTOR*>(raw), &key,
                                         &desc_size, &desc_version);
        if (EFI_ERROR(result.status)) return result;
        result.status = bs->ExitBootServices(image, key);
        if (result.status == EFI_SUCCESS) break;
        if (result.status != EFI_INVALID_PARAMETER) return result; // not "map changed"
    }
    if (result.status != EFI_SUCCESS) return result;

    auto regions = static_cast<FirmwareRegion*>(neutral);
    result.regions = regions;
    result.region_count = to_firmware_regions(raw, map_size, desc_size, regions, max_regions);
    return result;
}

} // namespace sp::boot
