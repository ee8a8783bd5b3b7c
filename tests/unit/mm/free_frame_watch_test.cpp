#include <catch2/catch.hpp>

#include <map>
#include <vector>

#include "mm/frame_allocator.hpp"
#include "mm_test_support.hpp"

using namespace sp::mm;

namespace {

// Records which bytes carry the canary (by 4 KiB frame) and lets a test spoil one.
struct CanaryRecorder {
    std::map<uint64_t, bool> canary; // frame address -> still intact
    std::vector<std::pair<uint64_t, uint64_t>> changes;

    static void fill(void* self, uint64_t pa, uint64_t bytes)
    {
        auto* r = static_cast<CanaryRecorder*>(self);
        for (uint64_t at = pa; at < pa + bytes; at += kPageSize) r->canary[at] = true;
    }
    static uint64_t first_change(void* self, uint64_t pa, uint64_t bytes)
    {
        auto* r = static_cast<CanaryRecorder*>(self);
        for (uint64_t at = pa; at < pa + bytes; at += kPageSize) {
            auto it = r->canary.find(at);
            if (it == r->canary.end() || !it->second) return at - pa;
        }
        return FreeFrameWatch::kIntact;
    }
    static void changed(void* self, uint64_t pa, uint64_t offset)
    {
        static_cast<CanaryRecorder*>(self)->changes.push_back({pa, offset});
    }
    FreeFrameWatch watch() { return {this, fill, first_change, changed}; }
};

} // namespace

TEST_CASE("Watching free frames fills every free block at once, then each block as it is freed", "[mm]")
{
    test::TestMachine machine(64ull << 20);
    FrameAllocator& a = machine.allocator;
    auto held = a.alloc(kOrder2M, Owner::vm(1));
    REQUIRE(held.ok());
    CanaryRecorder recorder;
    uint64_t filled = a.watch_free_frames(recorder.watch());
    CHECK(filled == a.free_frames());
    CHECK(recorder.canary.size() == a.free_frames());
    CHECK(recorder.canary.count(held.value) == 0); // allocated memory is left alone

    REQUIRE(a.free(held.value, kOrder2M, Owner::vm(1)) == MmError::ok);
    CHECK(recorder.canary.count(held.value) == 1);
    CHECK(recorder.canary.count(held.value + (2ull << 20) - kPageSize) == 1);
    CHECK(recorder.changes.empty());
}

TEST_CASE("A block changed while free is reported when it is handed out, naming the first changed byte", "[mm]")
{
    test::TestMachine machine(16ull << 20);
    FrameAllocator& a = machine.allocator;
    CanaryRecorder recorder;
    a.watch_free_frames(recorder.watch());
    for (auto& [frame, intact] : recorder.canary) intact = frame % (2ull << 20) != 3 * kPageSize;
    // Take every 2 MiB block: the spoiled frame is at offset 3 pages of one of them.
    std::vector<uint64_t> blocks;
    for (;;) {
        auto b = a.alloc(kOrder2M, Owner::hypervisor());
        if (!b.ok()) break;
        blocks.push_back(b.value);
    }
    REQUIRE(!blocks.empty());
    REQUIRE(recorder.changes.size() == blocks.size());
    for (auto& [pa, offset] : recorder.changes) CHECK(offset == 3 * kPageSize);
}

TEST_CASE("Intact blocks are handed out without a report", "[mm]")
{
    test::TestMachine machine(16ull << 20);
    FrameAllocator& a = machine.allocator;
    CanaryRecorder recorder;
    a.watch_free_frames(recorder.watch());
    for (int i = 0; i < 100; ++i) {
        auto f = a.alloc(kOrder4K, Owner::vm(2));
        REQUIRE(f.ok());
        REQUIRE(a.free(f.value, kOrder4K, Owner::vm(2)) == MmError::ok);
    }
    CHECK(recorder.changes.empty());
}
