// The local APIC timer of this CPU: periodic ticks on vector::timer, calibrated against the
// PIT so that ticks mean milliseconds. It bounds every guest's time slice (a guest that spins
// forever is interrupted: #VMEXIT for the interrupt) and wakes the idle loop from HLT.
#pragma once
#include <stdint.h>

namespace sp::x86 {

struct LapicTimerInfo {
    uint64_t mmio_base = 0;
    uint32_t counts_per_ms = 0; // LAPIC timer counts (divide by 16) per millisecond
    uint32_t period_ms = 0;
    uint64_t tsc_per_ms = 0; // time-stamp counter ticks per millisecond, measured alongside
};

// Enables the local APIC (xAPIC mode), calibrates its timer over 10 ms of PIT channel 2 and
// starts it periodic. Returns nullptr on success, else why not.
const char* start_lapic_timer(uint32_t period_ms, LapicTimerInfo& info);

// What start_lapic_timer measured.
const LapicTimerInfo& lapic_timer_info();

// Ticks since start (each period_ms long).
uint64_t timer_ticks();

// Waits for the next interrupt with interrupts briefly enabled (HLT), then disables them again.
void wait_for_interrupt();

// Called by the interrupt stub: counts the tick and signals end of interrupt.
void on_timer_interrupt();

} // namespace sp::x86
