#include "hv/image/hypervisor_main.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/svm/svm_cpu.hpp"
#include "arch/vmx/vmx_cpu.hpp"
#include "arch/x86/descriptors.hpp"
#include "arch/x86/extended_state.hpp"
#include "arch/x86/lapic_timer.hpp"
#include "hv/image/banner.hpp"
#include "hv/image/console.hpp"
#include "hv/image/console_loop.hpp"
#include "hv/image/free_canary.hpp"
#include "hv/image/memory_setup.hpp"
#include "hv/lib/format.hpp"
#include "hv/lib/panic.hpp"

namespace sp {
namespace {

// Switches the boot CPU's virtualization extension on where the CPU offers it.
void enable_virtualization(const BootInfo& info, Sink& out)
{
    if (x86::virtualization_problem(info.cpu)) return; // the banner said why
    if (info.cpu.svm.supported) {
        if (const char* problem = svm::enable_on_this_cpu(0, frame_allocator()))
            format(out, "svm: not enabled: %s\n", problem);
        else
            format(out, "svm: enabled on CPU 0 (host save area at 0x%llx)\n",
                   (unsigned long long)svm::per_cpu(0).host_save_area_pa);
        return;
    }
    if (const char* problem = vmx::enable_on_this_cpu(0, frame_allocator())) {
        format(out, "vmx: not enabled: %s\n", problem);
        return;
    }
    const vmx::PerCpu& pc = vmx::per_cpu(0);
    auto yn = [](bool b) { return b ? "yes" : "no"; };
    format(out, "vmx: enabled on CPU 0 (VMXON region at 0x%llx; VPID %s, unrestricted guest %s, %s controls)\n",
           (unsigned long long)pc.vmxon_pa, yn(pc.controls.secondary & vmx::secondary::vpid),
           yn(pc.controls.secondary & vmx::secondary::unrestricted_guest),
           pc.caps.has_true_controls() ? "TRUE" : "default1");
}

// Periodic ticks: they bound guests' time slices and wake the idle loop.
void start_timer(Sink& out)
{
    constexpr uint32_t tick_ms = 10;
    x86::LapicTimerInfo timer;
    if (const char* problem = x86::start_lapic_timer(tick_ms, timer))
        panic("timer: %s", problem);
    format(out, "timer: LAPIC at 0x%llx, %u counts per ms (PIT-calibrated), %u ms ticks\n",
           (unsigned long long)timer.mmio_base, timer.counts_per_ms, timer.period_ms);
}

} // namespace

void hypervisor_main(const BootInfo& info)
{
    x86::disable_interrupts();
    x86::install_descriptor_tables();
    Sink& out = image::console();
    print_banner(out, info);
    setup_memory(info, out);
    if (info.config.test_exit != TestExit::none) start_free_canaries(frame_allocator(), out);
    const x86::ExtendedStateInfo& xstate = x86::enable_extended_state();
    if (xstate.xsave)
        format(out, "guest registers: XSAVE, components 0x%llx, %u-byte save areas\n",
               (unsigned long long)xstate.xcr0_all, xstate.area_bytes);
    else
        format(out, "guest registers: FXSAVE (no XSAVE on this CPU), 512-byte save areas\n");
    enable_virtualization(info, out);
    start_timer(out);
    run_console_loop(info);
}

} // namespace sp
