#pragma once
#include "hv/console/shell.hpp"

namespace sp {
// Commands that deliberately break the hypervisor, so boot tests can prove that exceptions and
// panics end in a clear report. Added only in test mode (test_exit set in samepage.cfg).
void add_selftest_commands(console::Shell& shell);
} // namespace sp
