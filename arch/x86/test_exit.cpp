#include "arch/x86/test_exit.hpp"

#include "arch/x86/io.hpp"

namespace sp::x86 {
namespace {
TestExitDevice device = TestExitDevice::none;
}

void set_test_exit_device(TestExitDevice d) { device = d; }
TestExitDevice test_exit_device() { return device; }

void test_exit(bool passed)
{
    switch (device) {
    case TestExitDevice::none: return;
    case TestExitDevice::qemu_debug_exit: outb(0xf4, passed ? test_exit_pass : test_exit_fail); break;
    case TestExitDevice::bochs_shutdown_port:
        for (const char* p = "Shutdown"; *p; ++p) outb(0x8900, static_cast<uint8_t>(*p));
        break;
    }
}

} // namespace sp::x86
