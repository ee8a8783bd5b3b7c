// panic(): the hypervisor cannot go on. The image prints the reason and a register dump on the
// serial console and halts (in test mode it also ends the emulator with a failure status); host
// builds print to stderr and abort, so a test sees the failure at once.
#pragma once

namespace sp {

[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

} // namespace sp

// Checks an internal invariant in every build. Use for bugs, never for bad input: bad input gets
// an error result.
#define SP_ASSERT(cond)                                                                    \
    do {                                                                                   \
        if (__builtin_expect(!(cond), 0))                                                  \
            ::sp::panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__);         \
    } while (0)
