// The guest's view of a 16550 UART at COM1: an idle device that transmits instantly (LSR
// always says "transmitter empty") and never receives anything. Transmitted bytes go to the
// VM's GuestLog. No interrupts are raised yet (IER is stored, IIR says "none pending").
#pragma once
#include <stdint.h>

#include "hv/vm/guest_log.hpp"

namespace sp::vm {

class Uart16550 {
public:
    static constexpr uint16_t kBase = 0x3f8; // COM1: 0x3f8..0x3ff
    static constexpr uint16_t kPorts = 8;

    static bool owns(uint16_t port) { return port >= kBase && port < kBase + kPorts; }

    void reset();
    uint8_t read(uint16_t port);
    // Transmitted bytes go to `log` (loopback mode swallows them, as the wire would not see them).
    void write(uint16_t port, uint8_t value, GuestLog& log);

    uint64_t transmitted() const { return transmitted_; }

private:
    bool dlab() const { return (lcr_ & 0x80) != 0; }

    uint8_t ier_ = 0, fcr_ = 0, lcr_ = 0, mcr_ = 0, scratch_ = 0;
    uint8_t divisor_low_ = 1, divisor_high_ = 0; // 115200 baud
    uint64_t transmitted_ = 0;
};

} // namespace sp::vm
