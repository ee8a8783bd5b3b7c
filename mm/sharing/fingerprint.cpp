#include "mm/sharing/fingerprint.hpp"

// Header-only and freestanding: no libc calls beyond memcpy.
#define XXH_INLINE_ALL
#define XXH_NO_STDLIB
#include <xxhash.h>

namespace sp::sharing {

uint64_t fingerprint_page(const void* page) { return XXH3_64bits(page, 4096); }

} // namespace sp::sharing
