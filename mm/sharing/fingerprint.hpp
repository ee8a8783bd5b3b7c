// XXH3-64 fingerprint of one 4 KiB page. Kept in its own translation unit so the image can build
// just this file with vector instructions enabled (the rest uses -mgeneral-regs-only); the image
// calls it only while the guest's vector state is saved.
#pragma once
#include <stdint.h>

namespace sp::sharing {

uint64_t fingerprint_page(const void* page);

} // namespace sp::sharing
