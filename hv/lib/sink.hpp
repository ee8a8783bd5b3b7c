// Where text goes: the serial console, a reply buffer, a test's string. Plain interface so that
// formatting code is the same in the image and in host tests.
#pragma once
#include <stddef.h>

namespace sp {

class Sink {
public:
    virtual void write(const char* data, size_t len) = 0;
    void put(char c) { write(&c, 1); }

protected:
    ~Sink() = default;
};

// Writes into a caller-owned buffer, always NUL-terminated; remembers when text was cut off.
class BufferSink final : public Sink {
public:
    BufferSink(char* buffer, size_t capacity) : buf_(buffer), cap_(capacity) { clear(); }
    void write(const char* data, size_t len) override;
    void clear();
    const char* c_str() const { return buf_; }
    size_t size() const { return len_; }
    bool truncated() const { return truncated_; }

private:
    char* buf_;
    size_t cap_;
    size_t len_ = 0;
    bool truncated_ = false;
};

// Counts what would be written; lets callers size output without a buffer.
class CountingSink final : public Sink {
public:
    void write(const char*, size_t len) override { count_ += len; }
    size_t count() const { return count_; }

private:
    size_t count_ = 0;
};

} // namespace sp
