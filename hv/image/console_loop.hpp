#pragma once
#include "hv/platform/boot_info.hpp"

namespace sp {
// The hypervisor's idle loop for now: serve the management shell on the serial console.
[[noreturn]] void run_console_loop(const BootInfo& info);
} // namespace sp
