#include "arch/x86/lapic_timer.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/descriptors.hpp"
#include "arch/x86/io.hpp"

namespace sp::x86 {
namespace {

constexpr uint32_t msr_apic_base = 0x1b;
constexpr uint64_t apic_base_enable = 1ull << 11, apic_base_x2apic = 1ull << 10;
// xAPIC register offsets (Intel SDM vol. 3, 11.4.1; AMD APM vol. 2, 16.3).
constexpr uint32_t reg_eoi = 0xb0, reg_svr = 0xf0, reg_lvt_timer = 0x320, reg_initial_count = 0x380,
                   reg_current_count = 0x390, reg_divide = 0x3e0;
constexpr uint32_t svr_enable = 1u << 8, lvt_masked = 1u << 16, lvt_periodic = 1u << 17;
constexpr uint32_t divide_by_16 = 0x3;
constexpr uint32_t pit_hz = 1193182;

volatile uint32_t* lapic = nullptr;
volatile uint64_t ticks = 0;
LapicTimerInfo timer_info;

uint32_t read_reg(uint32_t offset) { return lapic[offset / 4]; }
void write_reg(uint32_t offset, uint32_t value) { lapic[offset / 4] = value; }

// Counts the LAPIC timer makes in `ms` milliseconds of PIT channel 2 (gate via port 0x61).
uint32_t calibrate(uint32_t ms, uint64_t& tsc_elapsed)
{
    uint32_t pit_count = pit_hz * ms / 1000;
    uint8_t port61 = inb(0x61);
    outb(0x61, static_cast<uint8_t>((port61 & ~0x02) | 0x01)); // gate on, speaker off
    outb(0x43, 0xb0);                                           // channel 2, lo/hi, mode 0
    outb(0x42, static_cast<uint8_t>(pit_count));
    outb(0x42, static_cast<uint8_t>(pit_count >> 8));
    // Restart the count: mode 0 starts counting when the gate rises.
    outb(0x61, static_cast<uint8_t>(inb(0x61) & ~0x01));
    outb(0x61, static_cast<uint8_t>(inb(0x61) | 0x01));
    write_reg(reg_divide, divide_by_16);
    write_reg(reg_lvt_timer, lvt_masked | vector::timer);
    write_reg(reg_initial_count, 0xffffffffu);
    uint64_t tsc_start = rdtsc();
    for (uint64_t spins = 0; !(inb(0x61) & 0x20); ++spins) // OUT2 goes high at terminal count
        if (spins > 100000000ull) return 0;
    uint32_t elapsed = 0xffffffffu - read_reg(reg_current_count);
    tsc_elapsed = rdtsc() - tsc_start;
    write_reg(reg_initial_count, 0);
    outb(0x61, port61);
    return elapsed;
}

} // namespace

void on_timer_interrupt()
{
    ticks = ticks + 1;
    write_reg(reg_eoi, 0);
}

const char* start_lapic_timer(uint32_t period_ms, LapicTimerInfo& info)
{
    uint64_t base = rdmsr(msr_apic_base);
    if (base & apic_base_x2apic) return "the firmware left the local APIC in x2APIC mode";
    if (!(base & apic_base_enable)) wrmsr(msr_apic_base, base | apic_base_enable);
    info.mmio_base = base & 0x000ffffffffff000ull;
    lapic = reinterpret_cast<volatile uint32_t*>(info.mmio_base);
    write_reg(reg_svr, svr_enable | vector::spurious);
    constexpr uint32_t calibration_ms = 10;
    uint64_t tsc = 0;
    uint32_t counts = calibrate(calibration_ms, tsc);
    info.tsc_per_ms = tsc / calibration_ms;
    if (counts < calibration_ms) return "the LAPIC timer did not count during PIT calibration";
    info.counts_per_ms = counts / calibration_ms;
    info.period_ms = period_ms;
    write_reg(reg_lvt_timer, lvt_periodic | vector::timer);
    write_reg(reg_initial_count, info.counts_per_ms * period_ms);
    timer_info = info;
    return nullptr;
}

uint64_t timer_ticks() { return ticks; }
const LapicTimerInfo& lapic_timer_info() { return timer_info; }

void wait_for_interrupt() { asm volatile("sti; hlt; cli" ::: "memory"); }

} // namespace sp::x86

extern "C" __attribute__((used)) void lapic_timer_interrupt() { sp::x86::on_timer_interrupt(); }
