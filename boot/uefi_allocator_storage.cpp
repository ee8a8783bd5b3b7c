#include "boot/uefi_allocator_storage.hpp"

#include "boot/uefi_exit.hpp"

#include "hv/lib/panic.hpp"
#include "hv/platform/memory_regions.hpp"
#include "mm/frame_allocator.hpp"

namespace sp::boot {
namespace {
constexpr size_t max_regions = 2048;
mm::MemoryRegion regions[max_regions];
FirmwareRegion firmware[max_regions];
} // namespace

void allocate_frame_allocator_storage(EFI_BOOT_SERVICES* bs, uint64_t& base, uint64_t& size)
{
    UINTN map_size = 0, key = 0, desc_size = 0;
    UINT32 version = 0;
    bs->GetMemoryMap(&map_size, nullptr, &key, &desc_size, &version);
    map_size += 16 * desc_size;
    void* raw = nullptr;
    EFI_STATUS status = bs->AllocatePool(EfiLoaderData, map_size, &raw);
    if (EFI_ERROR(status)) panic("no pool memory for the memory map (EFI status 0x%llx)", (unsigned long long)status);
    status = bs->GetMemoryMap(&map_size, static_cast<EFI_MEMORY_DESCRIPTOR*>(raw), &key, &desc_size, &version);
    if (EFI_ERROR(status)) panic("GetMemoryMap failed (EFI status 0x%llx)", (unsigned long long)status);
    size_t count = map_size / desc_size;
    if (count > max_regions) panic("the memory map has %zu regions; at most %zu are supported", count, max_regions);
    to_firmware_regions(raw, map_size, desc_size, firmware, max_regions);
    bs->FreePool(raw);
    to_memory_regions(firmware, count, regions, max_regions);
    auto layout = mm::FrameAllocator::plan(regions, count);
    if (!layout.ok()) panic("the firmware memory map is unusable: %s", mm::to_string(layout.error));
    // The span is fixed by the RAM present, so the final map needs the same storage.
    UINTN pages = (layout.value.metadata_bytes + 4095) / 4096;
    EFI_PHYSICAL_ADDRESS pa = 0;
    status = bs->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &pa);
    if (EFI_ERROR(status))
        panic("cannot allocate %llu KiB for the frame allocator (EFI status 0x%llx)",
              (unsigned long long)pages * 4, (unsigned long long)status);
    base = pa;
    size = pages * 4096ull;
}

} // namespace sp::boot
