// Byte-level helpers on 4 KiB pages (no libc beyond memcmp).
#pragma once
#include <stdint.h>
#include <string.h>

namespace sp::sharing {

inline bool page_is_zero(const void* page)
{
    const uint64_t* w = static_cast<const uint64_t*>(page);
    uint64_t acc = 0;
    for (unsigned i = 0; i < 512; i += 8)
        acc |= w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7];
    return acc == 0;
}

inline bool pages_equal(const void* a, const void* b) { return memcmp(a, b, 4096) == 0; }

} // namespace sp::sharing
