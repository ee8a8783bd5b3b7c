#pragma once
#include "boot/uefi.hpp"

namespace sp::boot {
// Sizes the frame allocator's metadata from the current memory map and takes that much (with
// room for the map to change before ExitBootServices) from the firmware as loader data, so
// that the hypervisor owns it from the start. Panics with the reason when it cannot.
void allocate_frame_allocator_storage(EFI_BOOT_SERVICES* bs, uint64_t& base, uint64_t& size);
} // namespace sp::boot
