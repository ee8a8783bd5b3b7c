// The reviewed intercept set of every SVM guest: each row is one intercept bit in the VMCB,
// why it is on, and what the exit decoder turns it into (tests/unit/svm/intercepts_test.cpp
// checks every row both ways). Port I/O and MSRs are intercepted in full through the
// permission maps; the common exit handling (hv/vm) holds the allow-lists. Not intercepted on
// purpose: ICEBP (its #DB reaches the #DB intercept with RIP already past it), FERR_FREEZE
// (legacy FPU error mode), RDTSC/RDTSCP/RDPMC/PAUSE (no reason to pay an exit).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/vm/exit.hpp"

namespace sp::svm {

enum class InterceptWord : uint8_t { exceptions, misc1, misc2 };

struct Intercept {
    const char* name;
    InterceptWord word;
    uint32_t bit;
    uint64_t exit_code;
    vm::ExitKind decoded_as;
    const char* why;
};

const Intercept* intercepts(size_t& count);

} // namespace sp::svm
