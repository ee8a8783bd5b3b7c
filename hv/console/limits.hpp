// Sizes shared by the console's parts.
#pragma once
#include <stddef.h>

namespace sp::console {

inline constexpr size_t kMaxLineLength = 240; // characters in one command line
inline constexpr size_t kMaxTokens = 32;      // words in one command line
inline constexpr size_t kMaxFlags = 16;       // flags in one command line

} // namespace sp::console
