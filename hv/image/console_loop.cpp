#include "hv/image/console_loop.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/lapic_timer.hpp"
#include "arch/x86/test_exit.hpp"
#include "hv/console/log_command.hpp"
#include "hv/console/shell.hpp"
#include "hv/image/console.hpp"
#include "hv/image/diagnostics.hpp"
#include "hv/image/memory_setup.hpp"
#include "hv/image/platform.hpp"
#include "hv/image/platform_commands.hpp"
#include "hv/image/selftest_commands.hpp"
#include "hv/image/sharing_host.hpp"
#include "hv/image/vm_host.hpp"
#include "hv/lib/format.hpp"
#include "hv/vm/guest_console.hpp"
#include "hv/vm/vm_commands.hpp"

#include <new>

namespace sp {
namespace {

Platform platform;

// Input bytes taken per turn of the loop: a pasted line need not wait one guest time slice
// per byte, and guests still get their turn.
constexpr int kInputBurst = 64;

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

// Memory-pressure changes go to the diagnostic log (`log` shows them).
void note_pressure_change(mm::PressureState& last)
{
    mm::PressureState now = frame_allocator().pressure();
    if (now == last) return;
    mm::FrameStats frames = frame_allocator().stats();
    format(image::diagnostics(), "memory: pressure %s -> %s (%llu free frames, min_free %llu)\n",
           mm::to_string(last), mm::to_string(now), static_cast<unsigned long long>(frames.free_frames),
           static_cast<unsigned long long>(frames.min_free_frames));
    last = now;
}

} // namespace

void run_console_loop(const BootInfo& info)
{
    platform.boot = &info;
    auto& con = image::console();
    image::diagnostics_init();
    // On the heap: the shell holds its reply arena and history (tens of KiB).
    auto* shell = new console::Shell(con, &platform);
    add_platform_commands(*shell);
    if (info.config.test_exit != TestExit::none) add_selftest_commands(*shell);
    vm_host_init(info, *shell, x86::lapic_timer_info().tsc_per_ms);
    auto* guest_console = new vm::GuestConsole(con);
    vm::add_vm_console_command(*shell, *guest_console);
    console::add_log_command(*shell, image::diagnostics());
    mm::PressureState pressure = frame_allocator().pressure();
    // The configuration's start lines run as if typed, so they get the same checks and replies.
    for (uint32_t i = 0; i < info.config.start_count; ++i) {
        char line[BootConfig::kStartChars + 16];
        format_to(line, sizeof line, "vm start %s", info.config.start[i]);
        format(con, "start: %s\n", line);
        shell->execute(line);
    }
    format(con, "ready: type 'help' for the commands\n");
    shell->start();
    image::attach_shell(*shell);
    for (;;) {
        bool input = false;
        for (int n = 0; n < kInputBurst; ++n) {
            int c = con.receive();
            if (c < 0) break;
            input = true;
            // While `vm console` has the terminal, typed bytes belong to the guest.
            if (guest_console->attached()) {
                if (!guest_console->feed(static_cast<uint8_t>(c))) shell->start();
            } else {
                shell->feed(static_cast<uint8_t>(c));
            }
        }
        if (guest_console->attached() && !guest_console->pump()) shell->start();
        note_pressure_change(pressure);
        con.pump();
        act_on_requests(con);
        bool guests_ran = run_vms_once();
        bool scanned = sharing_turn(); // the page-sharing scanner's turn, paced by its tunables
        // Idle: sleep until the next timer tick (at most 10 ms of input latency) instead of
        // spinning; keep pumping while output is queued so the UART stays busy.
        if (!guests_ran && !scanned && !input && con.pending() == 0) x86::wait_for_interrupt();
    }
}

} // namespace sp
