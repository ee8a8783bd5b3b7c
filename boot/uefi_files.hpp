#pragma once
#include <stddef.h>

#include "boot/uefi.hpp"

namespace sp::boot {

struct FileData {
    char* data = nullptr; // pool memory, NUL-terminated; stays allocated
    size_t size = 0;
    EFI_STATUS status = EFI_NOT_FOUND;
};

// Reads a whole file from the volume the image was loaded from. `path` is a UEFI path
// (backslashes), e.g. L"\\EFI\\BOOT\\samepage.cfg".
FileData read_file(EFI_BOOT_SERVICES* bs, EFI_HANDLE device, const CHAR16* path);

// The directory of the running image (from its device path), with a trailing backslash, as
// UCS-2; "\\" when unknown.
void image_directory(EFI_LOADED_IMAGE* image, CHAR16* out, size_t out_chars);

} // namespace sp::boot
