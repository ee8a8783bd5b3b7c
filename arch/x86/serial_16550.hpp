// Our own 16550 UART driver (COM1 by default): polled, never blocking. Callers that must wait
// (panic, boot) loop on try_send themselves.
#pragma once
#include <stdint.h>

namespace sp::x86 {

class Serial16550 {
public:
    static constexpr uint16_t com1 = 0x3f8;

    explicit Serial16550(uint16_t base = com1) : base_(base) {}
    // 115200 baud, 8 data bits, no parity, 1 stop bit, FIFOs on, interrupts off (we poll).
    void init();
    bool try_send(uint8_t byte);
    // Returns the next received byte, or -1 when none is waiting.
    int try_receive();
    bool transmitter_idle();

private:
    uint16_t base_;
};

} // namespace sp::x86
