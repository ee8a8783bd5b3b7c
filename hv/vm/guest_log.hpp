// A VM's console output (its serial port and print hypercalls): the newest 16 KiB are kept
// (older bytes are overwritten, counted), and each completed line can be handed to a listener
// (the "log follow" path to the host console). CR is dropped: guests end lines with CR LF.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace sp::vm {

class GuestLog {
public:
    static constexpr size_t kBytes = 16384;  // power of two
    static constexpr size_t kLineBytes = 160; // longer lines reach the listener in pieces
    using LineListener = void (*)(void* context, const char* line, size_t length);

    void set_listener(LineListener listener, void* context)
    {
        listener_ = listener;
        listener_context_ = context;
    }
    void clear();

    void put(uint8_t byte);
    void write(const char* text, size_t length);

    size_t size() const { return total_ < kBytes ? static_cast<size_t>(total_) : kBytes; }
    // Byte `index` of the kept text, 0 = oldest kept.
    char at(size_t index) const;
    uint64_t total() const { return total_; }
    uint64_t overwritten() const { return total_ - size(); }

private:
    void end_line();

    char ring_[kBytes];
    uint64_t total_ = 0; // bytes ever kept; the write position is total_ % kBytes
    char line_[kLineBytes];
    size_t line_length_ = 0;
    LineListener listener_ = nullptr;
    void* listener_context_ = nullptr;
};

} // namespace sp::vm
