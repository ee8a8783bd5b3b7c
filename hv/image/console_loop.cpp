#include "hv/image/console_loop.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/lapic_timer.hpp"
#include "arch/x86/test_exit.hpp"
#include "hv/console/shell.hpp"
#include "hv/image/console.hpp"
#include "hv/image/platform.hpp"
#include "hv/image/platform_commands.hpp"
#include "hv/image/selftest_commands.hpp"
#include "hv/image/vm_host.hpp"
#include "hv/lib/format.hpp"

#include <new>

namespace sp {
namespace {

Platform platform;

// Carries out a reboot or power-off once its reply has reached the wire.
void act_on_requests(image::Console& con)
{
    if (!platform.reboot_requested && !platform.poweroff_requested) return;
    con.flush();
    ResetKind kind = platform.poweroff_requested ? ResetKind::power_off : ResetKind::cold_reboot;
    platform.reboot_requested = platform.poweroff_requested = false;
    if (kind == ResetKind::power_off) x86::test_exit(true); // boot tests: ends the emulator
    platform.boot->firmware_reset(kind);
    format(con, "error: the firmware did not %s the machine\n",
           kind == ResetKind::power_off ? "power off" : "reboot");
}

} // namespace

void run_console_loop(const BootInfo& info)
{
    platform.boot = &info;
    auto& con = image::console();
    // On the heap: the shell holds its reply arena and history (tens of KiB).
    auto* shell = new console::Shell(con, &platform);
    add_platform_commands(*shell);
    if (info.config.test_exit != TestExit::none) add_selftest_commands(*shell);
    vm_host_init(info, *shell, x86::lapic_timer_info().tsc_per_ms);
    // The configuration's start lines run as if typed, so they get the same checks and replies.
    for (uint32_t i = 0; i < info.config.start_count; ++i) {
        char line[BootConfig::kStartChars + 16];
        format_to(line, sizeof line, "vm start %s", info.config.start[i]);
        format(con, "start: %s\n", line);
        shell->execute(line);
    }
    format(con, "ready: type 'help' for the commands\n");
    shell->start();
    for (;;) {
        int c = con.receive();
        if (c >= 0) shell->feed(static_cast<uint8_t>(c));
        con.pump();
        act_on_requests(con);
        bool guests_ran = run_vms_once();
        // Idle: sleep until the next timer tick (at most 10 ms of input latency) instead of
        // spinning; keep pumping while output is queued so the UART stays busy.
        if (!guests_ran && c < 0 && con.pending() == 0) x86::wait_for_interrupt();
    }
}

} // namespace sp
