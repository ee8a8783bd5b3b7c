#include "arch/x86/serial_16550.hpp"

#include "arch/x86/io.hpp"

namespace sp::x86 {
namespace {
// Register offsets and bits from the 16550 data sheet.
constexpr uint16_t data = 0, interrupt_enable = 1, fifo_control = 2, line_control = 3,
                   modem_control = 4, line_status = 5;
constexpr uint8_t lsr_data_ready = 0x01, lsr_thr_empty = 0x20, lsr_idle = 0x40;
constexpr uint8_t lcr_dlab = 0x80, lcr_8n1 = 0x03;
} // namespace

void Serial16550::init()
{
    outb(base_ + interrupt_enable, 0x00);
    outb(base_ + line_control, lcr_dlab);
    outb(base_ + data, 1); // divisor 1: 115200 baud
    outb(base_ + interrupt_enable, 0);
    outb(base_ + line_control, lcr_8n1);
    outb(base_ + fifo_control, 0xc7); // enable, clear both FIFOs, 14-byte threshold
    outb(base_ + modem_control, 0x03); // DTR + RTS
}

bool Serial16550::try_send(uint8_t byte)
{
    if (!(inb(base_ + line_status) & lsr_thr_empty)) return false;
    outb(base_ + data, byte);
    return true;
}

int Serial16550::try_receive()
{
    if (!(inb(base_ + line_status) & lsr_data_ready)) return -1;
    return inb(base_ + data);
}

bool Serial16550::transmitter_idle() { return inb(base_ + line_status) & lsr_idle; }

} // namespace sp::x86
