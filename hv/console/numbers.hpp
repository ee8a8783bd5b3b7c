// Parsing of numbers typed on the console: unsigned integers in decimal or 0x hex, and memory
// sizes (such a number with an optional K, M or G suffix, powers of 1024). No sign, no spaces,
// no other suffixes: anything else is rejected rather than guessed at.
#pragma once
#include <stdint.h>

namespace sp::console {

enum class NumberError : uint8_t {
    None,
    Empty,      // ""
    Malformed,  // not digits (or not a size)
    OutOfRange, // does not fit in 64 bits (or, for callers, outside their range)
};

NumberError parse_unsigned(const char* text, uint64_t& out);
NumberError parse_size(const char* text, uint64_t& out);

} // namespace sp::console
