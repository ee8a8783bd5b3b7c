// The one place that includes GNU-EFI's headers. Calls go straight through the service tables
// (GNU_EFI_USE_MS_ABI makes EFIAPI the Microsoft calling convention), so libefi is not linked.
#pragma once
#include <stddef.h>

extern "C" {
#include <efi.h>
}

namespace sp::boot {

// Copies a UCS-2 string to ASCII ('?' for anything else), always terminated.
void ucs2_to_ascii(const CHAR16* in, size_t in_chars, char* out, size_t out_size);

} // namespace sp::boot
