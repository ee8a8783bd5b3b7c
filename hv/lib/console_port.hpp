// The console's output path: text is queued in a ring and moved to the device by pump(), which
// sends only what the device takes right now, so writers never busy-wait. LF becomes CR LF for
// serial terminals. When the ring is full the excess is counted and reported once there is
// room again, never silently lost. flush() waits, for boot and panic only.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/lib/byte_ring.hpp"
#include "hv/lib/format.hpp"
#include "hv/lib/sink.hpp"

namespace sp {

// Device: bool try_send(uint8_t), int try_receive() (-1 when nothing waits).
template <typename Device, size_t RingBytes = 65536>
class ConsolePort final : public Sink {
public:
    explicit ConsolePort(Device& device) : device_(device) {}

    void write(const char* data, size_t len) override
    {
        for (size_t i = 0; i < len; ++i) {
            if (data[i] == '\n') queue('\r');
            queue(static_cast<uint8_t>(data[i]));
        }
    }

    // Moves queued bytes to the device while it accepts them; returns how many moved.
    size_t pump()
    {
        size_t moved = 0;
        while (!tx_.empty() && device_.try_send(static_cast<uint8_t>(tx_.peek()))) {
            tx_.pop();
            ++moved;
        }
        if (dropped_ && tx_.size() + 64 < tx_.capacity()) report_dropped();
        return moved;
    }

    void flush()
    {
        while (!tx_.empty()) pump();
    }

    int receive() { return device_.try_receive(); }
    size_t pending() const { return tx_.size(); }
    uint64_t dropped_total() const { return dropped_total_; }

private:
    void queue(uint8_t byte)
    {
        if (!tx_.push(byte)) {
            ++dropped_;
            ++dropped_total_;
        }
    }

    void report_dropped()
    {
        char note[64];
        format_to(note, sizeof note, "\r\n[console: %llu bytes dropped]\r\n",
                  static_cast<unsigned long long>(dropped_));
        dropped_ = 0;
        for (const char* p = note; *p; ++p) tx_.push(static_cast<uint8_t>(*p));
    }

    Device& device_;
    ByteRing<RingBytes> tx_;
    uint64_t dropped_ = 0;
    uint64_t dropped_total_ = 0;
};

} // namespace sp
