#include "hv/image/diagnostics.hpp"

#include <new>

#include "arch/x86/cpu.hpp"
#include "arch/x86/lapic_timer.hpp"
#include "hv/image/console.hpp"

namespace sp::image {
namespace {
// In place, like the console: no dependence on global constructors or their order.
alignas(DiagnosticLog) unsigned char storage[sizeof(DiagnosticLog)];
DiagnosticLog* instance = nullptr;
alignas(console::AsyncLines) unsigned char async_storage[sizeof(console::AsyncLines)];
console::AsyncLines* async_instance = nullptr;

uint64_t start_tsc = 0;

// The TSC, not the tick count: ticks are only counted while interrupts are open.
uint64_t milliseconds()
{
    uint64_t per_ms = x86::lapic_timer_info().tsc_per_ms;
    return per_ms ? (x86::rdtsc() - start_tsc) / per_ms : 0;
}
} // namespace

void diagnostics_init()
{
    start_tsc = x86::rdtsc();
    if (!async_instance) async_instance = new (async_storage) console::AsyncLines(console());
    if (!instance) instance = new (storage) DiagnosticLog(async_instance, milliseconds);
}

DiagnosticLog& diagnostics() { return *instance; }
console::AsyncLines& async_output() { return *async_instance; }
void attach_shell(console::Shell& shell) { async_instance->attach(&shell); }

} // namespace sp::image
