#pragma once
#include "hv/platform/boot_info.hpp"

namespace sp {
// The hypervisor after ExitBootServices: its own descriptor tables, the banner, the console.
[[noreturn]] void hypervisor_main(const BootInfo& info);
} // namespace sp
