// Small string helpers for the console. The image has no libc beyond mem*/strlen (and the
// console includes no libc headers): the console calls those through __builtin_memcpy,
// __builtin_memcmp and __builtin_strlen, and the few other helpers it needs live here.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace sp::console {

inline bool same_text(const char* a, const char* b)
{
    while (*a && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

// Printable ASCII: the only bytes the console echoes or prints as they are.
inline bool is_printable(uint8_t c) { return c >= 0x20 && c < 0x7f; }

inline bool is_space(char c) { return c == ' ' || c == '\t'; }

} // namespace sp::console
