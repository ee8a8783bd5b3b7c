// Shared fixtures for the memory-core tests: a machine with a synthetic memory map, a frame
// allocator over it, fake physical memory backing its usable RAM, and a TLB that records.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "mm/frame_allocator.hpp"
#include "mm/memory_map.hpp"
#include "mm/tlb.hpp"

namespace sp::mm::test {

// Backs physical addresses [base, base + bytes) with host memory; anything else is a bug in
// the code under test (it would be a wild access on real hardware), so it aborts.
class FakeMemory {
public:
    FakeMemory(uint64_t base, uint64_t bytes) : base_(base), words_(bytes / 8) {}
    void* to_virt(uint64_t pa)
    {
        if (pa < base_ || pa - base_ >= words_.size() * 8 || (pa & 7)) {
            std::fprintf(stderr, "fake memory: access to unbacked physical address %#llx\n",
                         static_cast<unsigned long long>(pa));
            std::abort();
        }
        return reinterpret_cast<uint8_t*>(words_.data()) + (pa - base_);
    }
    uint64_t base() const { return base_; }
    uint64_t bytes() const { return words_.size() * 8; }

private:
    uint64_t base_;
    std::vector<uint64_t> words_;
};

struct RecordingTlb {
    std::vector<TlbInvalidation> requests;
    void invalidate(const TlbInvalidation& r) { requests.push_back(r); }
    void clear() { requests.clear(); }

    // Some request since `from` covers [base, base + size) in `space`, for all of `cpus`.
    bool covers(uint64_t base, uint64_t size, AddressSpaceTag space, const CpuSet& cpus, size_t from = 0) const
    {
        // Union of matching requests, checked page by page would be slow; ranges suffice here
        // because every operation issues one request for its whole range.
        uint64_t end = base + size;
        uint64_t at = base;
        bool progress = true;
        while (at < end && progress) {
            progress = false;
            for (size_t i = from; i < requests.size(); ++i) {
                const TlbInvalidation& r = requests[i];
                if (!(r.space == space) || (r.cpus | cpus) != r.cpus) continue;
                uint64_t r_end = r.all ? ~0ull : r.base + r.size;
                if ((r.all || r.base <= at) && at < r_end) {
                    at = r_end < end ? r_end : end;
                    progress = true;
                }
            }
        }
        return at >= end;
    }
};

// A machine whose usable RAM is one window [base, base + bytes), backed by FakeMemory, plus a
// reserved firmware region in front of it so the allocator's span has a non-RAM part.
struct TestMachine {
    explicit TestMachine(uint64_t bytes, uint64_t base = 1ull << 20)
        : memory(base, bytes)
    {
        map.push_back({base, bytes / kPageSize, MemoryKind::usable});
        map.push_back({base - (1ull << 20), 256, MemoryKind::reserved});
        Result<FrameAllocatorLayout> plan = FrameAllocator::plan(map.data(), map.size());
        if (!plan.ok()) std::abort();
        metadata.resize(plan.value.metadata_bytes / 8 + 1);
        if (allocator.init(map.data(), map.size(), metadata.data(), metadata.size() * 8) != MmError::ok) std::abort();
    }
    std::vector<MemoryRegion> map;
    std::vector<uint64_t> metadata;
    FrameAllocator allocator;
    FakeMemory memory;
};

} // namespace sp::mm::test
