// The guest's view of a 16550 UART at COM1. Transmitting is instant (LSR always says
// "transmitter empty") and transmitted bytes go to the VM's GuestLog. Received bytes (typed on
// the host console while it is attached with `vm console`) wait in a 16-byte FIFO like the real
// chip's: RBR pops one, LSR bit 0 says data is ready, IIR reports "received data available"
// while IER enables it. No interrupts are delivered yet: guests poll LSR.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/vm/guest_log.hpp"

namespace sp::vm {

class Uart16550 {
public:
    static constexpr uint16_t kBase = 0x3f8; // COM1: 0x3f8..0x3ff
    static constexpr uint16_t kPorts = 8;
    static constexpr size_t kFifoBytes = 16;

    static bool owns(uint16_t port) { return port >= kBase && port < kBase + kPorts; }

    void reset();
    uint8_t read(uint16_t port);
    // Transmitted bytes go to `log` (loopback mode sends them to the receive FIFO instead, as
    // the chip does).
    void write(uint16_t port, uint8_t value, GuestLog& log);

    // A byte arriving on the wire. False when the FIFO is full (the caller keeps the byte).
    bool receive(uint8_t byte);
    size_t receive_room() const { return kFifoBytes - rx_count_; }

    uint64_t transmitted() const { return transmitted_; }
    uint64_t received() const { return received_; }

private:
    bool dlab() const { return (lcr_ & 0x80) != 0; }
    int pop();

    uint8_t ier_ = 0, fcr_ = 0, lcr_ = 0, mcr_ = 0, scratch_ = 0;
    uint8_t divisor_low_ = 1, divisor_high_ = 0; // 115200 baud
    uint8_t rx_[kFifoBytes] = {};
    size_t rx_head_ = 0, rx_count_ = 0;
    bool overrun_ = false; // a loopback byte found the FIFO full; LSR reports it once
    uint64_t transmitted_ = 0;
    uint64_t received_ = 0;
};

} // namespace sp::vm
