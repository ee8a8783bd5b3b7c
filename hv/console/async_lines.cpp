#include "hv/console/async_lines.hpp"

namespace sp::console {

void AsyncLines::write(const char* data, size_t length)
{
    for (size_t i = 0; i < length; ++i) {
        line_[length_++] = data[i];
        if (data[i] == '\n' || length_ == sizeof line_) flush(); // an over-long line goes in pieces
    }
}

void AsyncLines::flush()
{
    if (shell_) shell_->begin_async_output();
    out_.write(line_, length_);
    if (length_ && line_[length_ - 1] != '\n') out_.write("\n", 1);
    if (shell_) shell_->end_async_output();
    length_ = 0;
}

} // namespace sp::console
