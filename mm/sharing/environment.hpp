// What the engine is given instead of touching hardware: physical memory access, a clock and
// metadata memory. The image backs them with identity-mapped frames and the TSC; host tests and
// benchmarks with fake physical memory and a manual clock, so both run the same engine code.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace sp::sharing {

// Where the bytes of a host frame can be read and written (identity map in the image).
class FrameMemory {
public:
    virtual void* frame(uint64_t pa) = 0;

protected:
    ~FrameMemory() = default;
};

class Clock {
public:
    virtual uint64_t now_ms() = 0;

protected:
    ~Clock() = default;
};

// Zeroed, 8-byte aligned metadata arrays (per-page state, indexes). Sized per registered VM, so
// a large host gets it from frames rather than the small heap.
class MetadataMemory {
public:
    virtual void* allocate(size_t bytes) = 0; // zeroed, or nullptr
    virtual void release(void* p, size_t bytes) = 0;

protected:
    ~MetadataMemory() = default;
};

// Adapts any object with to_virt(pa) (IdentityMemory, the tests' FakeMemory) to FrameMemory.
template <typename Memory>
class FrameMemoryOf final : public FrameMemory {
public:
    explicit FrameMemoryOf(Memory& memory) : memory_(memory) {}
    void* frame(uint64_t pa) override { return memory_.to_virt(pa); }

private:
    Memory& memory_;
};

} // namespace sp::sharing
