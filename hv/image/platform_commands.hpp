#pragma once
#include "hv/console/shell.hpp"

namespace sp {
// cpu, mem, reboot, poweroff. The shell's context must be a Platform.
void add_platform_commands(console::Shell& shell);
} // namespace sp
