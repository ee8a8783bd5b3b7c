// Ends the emulator from inside, for boot tests: QEMU's isa-debug-exit device (port 0xf4,
// QEMU exits with status (value << 1) | 1) or Bochs' shutdown port (0x8900; Bochs always exits
// with status 1, so there the verdict comes from serial lines). Off unless the configuration
// names a device: a real machine has neither.
#pragma once

namespace sp::x86 {

enum class TestExitDevice { none, qemu_debug_exit, bochs_shutdown_port };

void set_test_exit_device(TestExitDevice device);
TestExitDevice test_exit_device();

// Status values written to isa-debug-exit: QEMU then exits with 33 (pass) or 35 (fail).
constexpr unsigned test_exit_pass = 0x10;
constexpr unsigned test_exit_fail = 0x11;

// Ends the emulator when a test device is configured; returns only when none is.
void test_exit(bool passed);

} // namespace sp::x86
