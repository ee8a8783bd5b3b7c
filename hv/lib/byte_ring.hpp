// Fixed-capacity FIFO of bytes (capacity a power of two). Single producer, single consumer;
// the caller serialises access.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace sp {

template <size_t Capacity>
class ByteRing {
    static_assert(Capacity > 0 && (Capacity & (Capacity - 1)) == 0, "capacity must be a power of two");

public:
    bool push(uint8_t byte)
    {
        if (full()) return false;
        data_[head_++ & (Capacity - 1)] = byte;
        return true;
    }
    // Oldest byte, or -1 when empty.
    int peek() const { return empty() ? -1 : data_[tail_ & (Capacity - 1)]; }
    void pop()
    {
        if (!empty()) ++tail_;
    }
    bool empty() const { return head_ == tail_; }
    bool full() const { return head_ - tail_ == Capacity; }
    size_t size() const { return head_ - tail_; }
    static constexpr size_t capacity() { return Capacity; }

private:
    uint8_t data_[Capacity];
    size_t head_ = 0; // free-running counters: size is head - tail
    size_t tail_ = 0;
};

} // namespace sp
