#include "hv/vm/guest_log.hpp"

namespace sp::vm {

static_assert((GuestLog::kBytes & (GuestLog::kBytes - 1)) == 0);

void GuestLog::clear()
{
    total_ = 0;
    line_length_ = 0;
}

void GuestLog::put(uint8_t byte)
{
    if (byte == '\r') return;
    ring_[total_ % kBytes] = static_cast<char>(byte);
    ++total_;
    if (byte == '\n') {
        end_line();
        return;
    }
    line_[line_length_++] = static_cast<char>(byte);
    if (line_length_ == kLineBytes) end_line();
}

void GuestLog::write(const char* text, size_t length)
{
    for (size_t i = 0; i < length; ++i) put(static_cast<uint8_t>(text[i]));
}

char GuestLog::at(size_t index) const
{
    uint64_t oldest = total_ - size();
    return ring_[(oldest + index) % kBytes];
}

void GuestLog::end_line()
{
    if (listener_) listener_(listener_context_, line_, line_length_);
    line_length_ = 0;
}

} // namespace sp::vm
