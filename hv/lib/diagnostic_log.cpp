#include "hv/lib/diagnostic_log.hpp"

namespace sp {

void DiagnosticLog::write(const char* data, size_t len)
{
    for (size_t i = 0; i < len; ++i) {
        char c = data[i];
        if (c == '\n') {
            end_line();
            continue;
        }
        if (c == '\r') continue;
        if (length_ < kLineBytes) line_[length_++] = c;
        else cut_ = true;
    }
}

void DiagnosticLog::end_line()
{
    if (cut_) for (size_t i = kLineBytes - 3; i < kLineBytes; ++i) line_[i] = '.';
    line_[length_] = '\0';
    Entry& e = entries_[count_ % kEntries];
    e.seq = count_ + 1;
    e.ms = clock_ms_ ? clock_ms_() : 0;
    __builtin_memcpy(e.text, line_, length_ + 1);
    ++count_;
    if (forward_) {
        forward_->write(line_, length_);
        forward_->put('\n');
    }
    length_ = 0;
    cut_ = false;
}

const DiagnosticLog::Entry& DiagnosticLog::at(size_t index) const
{
    uint64_t oldest = count_ - size();
    return entries_[(oldest + index) % kEntries];
}

} // namespace sp
