#pragma once
#include <stdint.h>

namespace sp::x86 {
// Mnemonic and description of an exception vector (0-31), e.g. {"#PF", "page fault"}.
struct ExceptionName {
    const char* mnemonic;
    const char* description;
};
ExceptionName exception_name(uint64_t vector);
} // namespace sp::x86
