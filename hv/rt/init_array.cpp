#include "hv/rt/init_array.hpp"

using Constructor = void (*)();
extern "C" Constructor __init_array_start[];
extern "C" Constructor __init_array_end[];

namespace sp::rt {
namespace {
// In .data, not .bss: it is set before anything else runs and must not depend on zeroing.
size_t constructors_run __attribute__((section(".data"))) = 0;
} // namespace

size_t run_global_constructors()
{
    for (Constructor* c = __init_array_start; c != __init_array_end; ++c) {
        (*c)();
        ++constructors_run;
    }
    return constructors_run;
}

size_t global_constructors_run() { return constructors_run; }

} // namespace sp::rt
