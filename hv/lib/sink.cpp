#include "hv/lib/sink.hpp"

namespace sp {

void BufferSink::clear()
{
    len_ = 0;
    truncated_ = false;
    if (cap_ > 0) buf_[0] = '\0';
}

void BufferSink::write(const char* data, size_t len)
{
    if (cap_ == 0) {
        truncated_ = truncated_ || len > 0;
        return;
    }
    size_t room = cap_ - 1 - len_;
    size_t n = len < room ? len : room;
    for (size_t i = 0; i < n; ++i) buf_[len_ + i] = data[i];
    len_ += n;
    buf_[len_] = '\0';
    if (n < len) truncated_ = true;
}

} // namespace sp
