#include "hv/vm/uart16550.hpp"

namespace sp::vm {
namespace {
// Register bits (PC16550D data sheet).
constexpr uint8_t kLsrDataReady = 0x01, kLsrOverrun = 0x02, kLsrThre = 0x20, kLsrTemt = 0x40;
constexpr uint8_t kIirNoInterrupt = 0x01, kIirReceivedData = 0x04, kIirFifosEnabled = 0xc0;
constexpr uint8_t kIerReceivedData = 0x01;
constexpr uint8_t kFcrClearReceive = 0x02;
constexpr uint8_t kMcrLoopback = 0x10;
constexpr uint8_t kMsrCts = 0x10, kMsrDsr = 0x20, kMsrDcd = 0x80;
} // namespace

void Uart16550::reset()
{
    ier_ = fcr_ = lcr_ = mcr_ = scratch_ = 0;
    divisor_low_ = 1;
    divisor_high_ = 0;
    rx_head_ = rx_count_ = 0;
    overrun_ = false;
}

bool Uart16550::receive(uint8_t byte)
{
    if (rx_count_ == kFifoBytes) return false;
    rx_[(rx_head_ + rx_count_) % kFifoBytes] = byte;
    ++rx_count_;
    ++received_;
    return true;
}

int Uart16550::pop()
{
    if (rx_count_ == 0) return -1;
    uint8_t byte = rx_[rx_head_];
    rx_head_ = (rx_head_ + 1) % kFifoBytes;
    --rx_count_;
    return byte;
}

uint8_t Uart16550::read(uint16_t port)
{
    switch (port - kBase) {
    case 0: {
        if (dlab()) return divisor_low_;
        int byte = pop();
        return byte < 0 ? 0 : static_cast<uint8_t>(byte); // an empty FIFO reads as 0
    }
    case 1: return dlab() ? divisor_high_ : ier_;
    case 2: {
        uint8_t fifos = (fcr_ & 1) ? kIirFifosEnabled : 0;
        if ((ier_ & kIerReceivedData) && rx_count_ > 0) return kIirReceivedData | fifos;
        return kIirNoInterrupt | fifos;
    }
    case 3: return lcr_;
    case 4: return mcr_;
    case 5: {
        uint8_t lsr = kLsrThre | kLsrTemt; // the transmitter is always idle
        if (rx_count_ > 0) lsr |= kLsrDataReady;
        if (overrun_) lsr |= kLsrOverrun;
        overrun_ = false; // reading LSR clears the error bits
        return lsr;
    }
    case 6:
        // Loopback ties the modem outputs to the inputs; drivers probe for a UART this way
        // (Linux expects RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD).
        if (mcr_ & kMcrLoopback)
            return static_cast<uint8_t>(((mcr_ & 0x02) << 3) | ((mcr_ & 0x01) << 5) |
                                        ((mcr_ & 0x04) << 4) | ((mcr_ & 0x08) << 4));
        return kMsrCts | kMsrDsr | kMsrDcd; // a terminal is attached and ready
    case 7: return scratch_;
    default: return 0xff;
    }
}

void Uart16550::write(uint16_t port, uint8_t value, GuestLog& log)
{
    switch (port - kBase) {
    case 0:
        if (dlab()) {
            divisor_low_ = value;
        } else if (mcr_ & kMcrLoopback) {
            if (!receive(value)) overrun_ = true;
        } else {
            log.put(value);
            ++transmitted_;
        }
        break;
    case 1:
        if (dlab()) divisor_high_ = value;
        else ier_ = value & 0x0f;
        break;
    case 2:
        if (value & kFcrClearReceive) rx_head_ = rx_count_ = 0;
        fcr_ = value & 0xc9; // FIFO enable, DMA mode, trigger level; the reset bits self-clear
        break;
    case 3: lcr_ = value; break;
    case 4: mcr_ = value & 0x1f; break;
    case 7: scratch_ = value; break;
    default: break; // LSR and MSR are read-only
    }
}

} // namespace sp::vm
