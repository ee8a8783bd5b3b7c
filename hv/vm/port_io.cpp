#include "hv/vm/port_io.hpp"

namespace sp::vm {
namespace {

// Ports guests (firmware-less kernels, Linux drivers probing) touch that need no model: the
// answer "nothing here" (all ones) is what real machines give for absent devices.
const PortRange kIgnored[] = {
    {0x0060, 0x0060, "i8042 data"},
    {0x0064, 0x0064, "i8042 status/command"}, // 0xfe written here is a reset, seen first
    {0x0070, 0x0071, "CMOS/RTC (not modelled yet)"},
    {0x0080, 0x0080, "POST code"},
    {0x0087, 0x0087, "DMA page"},
    {0x0092, 0x0092, "system control port A"}, // bit 0 written here is a reset, seen first
    {0x002e, 0x002f, "Super I/O config"},
    {0x004e, 0x004f, "Super I/O config"},
    {0x02e8, 0x02ef, "COM4"},
    {0x02f8, 0x02ff, "COM2"},
    {0x03e8, 0x03ef, "COM3"},
    {0x0cf8, 0x0cff, "PCI config (no PCI offered)"}, // 0xcf9 byte writes are checked for reset first
};

constexpr uint16_t kKbcCommand = 0x64, kResetControl = 0xcf9, kSystemControlA = 0x92;
constexpr uint8_t kKbcPulseReset = 0xfe, kCf9ResetCpu = 0x04, kPort92FastReset = 0x01;

const PortRange* find_ignored(uint16_t port)
{
    for (const PortRange& r : kIgnored)
        if (port >= r.first && port <= r.last) return &r;
    return nullptr;
}

uint32_t all_ones(uint8_t size) { return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1; }

// Reset requests: byte writes only, like the chipset registers they model.
const char* reset_request(const IoExit& io)
{
    if (io.in || io.size != 1) return nullptr;
    uint8_t v = static_cast<uint8_t>(io.value);
    if (io.port == kKbcCommand && v == kKbcPulseReset) return "keyboard controller reset (port 0x64)";
    if (io.port == kResetControl && (v & kCf9ResetCpu)) return "reset control register (port 0xcf9)";
    if (io.port == kSystemControlA && (v & kPort92FastReset)) return "fast reset (port 0x92)";
    return nullptr;
}

} // namespace

const PortRange* ignored_ports(size_t& count)
{
    count = sizeof kIgnored / sizeof kIgnored[0];
    return kIgnored;
}

IoOutcome handle_port_io(Vm& vm, const IoExit& io, uint64_t rip)
{
    if (const char* reset = reset_request(io)) return {IoEffect::restart, 0, reset};

    if (Uart16550::owns(io.port)) {
        // Wider accesses touch consecutive registers, one byte each.
        uint32_t value = 0;
        for (uint8_t i = 0; i < io.size; ++i) {
            uint16_t port = static_cast<uint16_t>(io.port + i);
            if (io.in) {
                uint8_t b = Uart16550::owns(port) ? vm.uart().read(port) : 0xff;
                value |= static_cast<uint32_t>(b) << (8 * i);
            } else if (Uart16550::owns(port)) {
                vm.uart().write(port, static_cast<uint8_t>(io.value >> (8 * i)), vm.log());
            }
        }
        return {IoEffect::done, value, nullptr};
    }

    // Reads that must not look like "all ones": a guest's read-modify-write would reset itself.
    if (io.in && io.size == 1 && io.port == kSystemControlA) return {IoEffect::done, 0x02, nullptr}; // A20 on
    if (io.in && io.size == 1 && io.port == kResetControl) return {IoEffect::done, 0x00, nullptr};

    if (find_ignored(io.port)) {
        ++vm.counters.io_ignored;
        return {IoEffect::done, all_ones(io.size), nullptr};
    }

    ++vm.counters.io_unhandled;
    if (io.in)
        vm.diagnose_limited("unhandled port read 0x%x (%u bytes) at rip 0x%llx", io.port, io.size,
                            static_cast<unsigned long long>(rip));
    else
        vm.diagnose_limited("unhandled port write 0x%x <- 0x%x (%u bytes) at rip 0x%llx", io.port,
                            io.value & all_ones(io.size), io.size, static_cast<unsigned long long>(rip));
    return {IoEffect::done, all_ones(io.size), nullptr};
}

} // namespace sp::vm
