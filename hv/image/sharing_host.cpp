#include "hv/image/sharing_host.hpp"

#include <string.h>

#include "arch/x86/cpu.hpp"
#include "hv/image/memory_setup.hpp"
#include "hv/lib/format.hpp"
#include "mm/physical_memory.hpp"
#include "mm/sharing/scan_pacer.hpp"

namespace sp {
namespace {

constexpr uint64_t k4K = 4096;
// Pages per scanner turn: about a guest time slice's worth under emulation, so neither the
// console nor the guests wait long behind a large batch.
constexpr uint64_t kMaxChunk = 1024;

uint64_t pages_for(size_t bytes) { return (bytes + k4K - 1) / k4K; }

unsigned order_for(uint64_t pages)
{
    unsigned order = 0;
    while ((1ull << order) < pages) ++order;
    return order;
}

// Allocates `pages` contiguous frames to the hypervisor: the smallest block that holds them,
// with its tail given back page by page.
void* take_frames(uint64_t pages)
{
    mm::FrameAllocator& frames = frame_allocator();
    unsigned order = order_for(pages);
    if (order > mm::kMaxOrder) return nullptr;
    mm::Result<uint64_t> block = frames.alloc(order, mm::Owner::hypervisor());
    if (!block.ok()) return nullptr;
    for (uint64_t i = pages; i < (1ull << order); ++i) frames.free(block.value + i * k4K, mm::kOrder4K, mm::Owner::hypervisor());
    memset(reinterpret_cast<void*>(block.value), 0, pages * k4K);
    return reinterpret_cast<void*>(block.value);
}

void give_frames(void* p, uint64_t pages)
{
    uint64_t pa = reinterpret_cast<uint64_t>(p);
    for (uint64_t i = 0; i < pages; ++i) frame_allocator().free(pa + i * k4K, mm::kOrder4K, mm::Owner::hypervisor());
}

class FrameMetadata final : public sharing::MetadataMemory {
public:
    void* allocate(size_t bytes) override { return take_frames(pages_for(bytes ? bytes : 1)); }
    void release(void* p, size_t bytes) override
    {
        if (p) give_frames(p, pages_for(bytes ? bytes : 1));
    }
};

class ReverseMapPages final : public mm::PageProvider {
public:
    void* get_page() override { return take_frames(1); }
};

class TscClock final : public sharing::Clock {
public:
    explicit TscClock(uint64_t tsc_per_ms) : tsc_per_ms_(tsc_per_ms ? tsc_per_ms : 1) {}
    uint64_t now_ms() override { return x86::rdtsc() / tsc_per_ms_; }
    uint64_t now_us() const
    {
        uint64_t tsc = x86::rdtsc(); // split so that tsc * 1000 cannot overflow on a long uptime
        return tsc / tsc_per_ms_ * 1000 + tsc % tsc_per_ms_ * 1000 / tsc_per_ms_;
    }

private:
    uint64_t tsc_per_ms_;
};

struct Parts {
    mm::IdentityMemory identity;
    sharing::FrameMemoryOf<mm::IdentityMemory> frame_memory{identity};
    FrameMetadata metadata;
    ReverseMapPages rmap_pages;
    mm::ReverseMap rmap;
    TscClock clock;
    sharing::Engine engine;
    SharingHost host{rmap, engine};
    sharing::ScanPacer pacer;
    mm::PressureState pressure = mm::PressureState::high;

    explicit Parts(uint64_t tsc_per_ms)
        : clock(tsc_per_ms), engine(sharing::EngineDeps{frame_allocator(), rmap, frame_memory, clock, metadata})
    {
    }
};

Parts* parts = nullptr;

} // namespace

bool sharing_init(uint64_t tsc_per_ms, Sink& log)
{
    const mm::FrameAllocatorLayout& span = frame_allocator().layout();
    uint64_t storage_pages = pages_for(mm::ReverseMap::storage_bytes(span.frames));
    void* storage = take_frames(storage_pages);
    if (!storage) {
        format(log, "sharing: off: no %llu KiB for the reverse map\n", (unsigned long long)(storage_pages * 4));
        return false;
    }
    auto* p = new Parts(tsc_per_ms); // a few KiB of the heap, which start-up has plenty of
    mm::MmError e = p->rmap.init(span.base_frame, span.frames, storage, storage_pages * k4K, p->rmap_pages);
    if (e != mm::MmError::ok) {
        format(log, "sharing: off: reverse map: %s\n", mm::to_string(e));
        give_frames(storage, storage_pages);
        return false; // the engine object is left unused; it owns nothing yet
    }
    parts = p;
    format(log, "sharing: engine ready (reverse map %llu KiB for %llu frames)\n",
           (unsigned long long)(storage_pages * 4), (unsigned long long)span.frames);
    return true;
}

SharingHost* sharing_host() { return parts ? &parts->host : nullptr; }

bool sharing_turn()
{
    if (!parts) return false;
    // The engine plans splits on every change of state, so it hears of changes only.
    mm::PressureState now_pressure = frame_allocator().pressure();
    if (now_pressure != parts->pressure) {
        parts->pressure = now_pressure;
        parts->engine.set_pressure(now_pressure);
    }
    const sharing::Tunables& tunables = parts->engine.tunables();
    uint64_t started = parts->clock.now_us();
    uint64_t pages = parts->pacer.due(started, tunables, kMaxChunk);
    if (pages == 0) return false;
    uint64_t looked = parts->engine.scan(pages);
    // No VM to scan: the batch counts as done.
    parts->pacer.scanned(looked ? looked : pages, started, parts->clock.now_us(), tunables);
    return looked != 0;
}

} // namespace sp
