// Memory-core benchmark: page-table operations on fake physical memory, with a 4 KiB memcpy
// measured in the same run as the yardstick. Prints figures; not a test.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "mm/ept_format.hpp"
#include "mm/frame_allocator.hpp"
#include "mm/page_table.hpp"
#include "mm/reverse_map.hpp"
#include "mm/x86_paging_format.hpp"

using namespace sp::mm;

namespace {

constexpr uint64_t KiB4 = 4096, MiB2 = 2ull << 20, GiB = 1ull << 30;

struct FakeMemory {
    uint64_t base;
    std::vector<uint64_t> words;
    void* to_virt(uint64_t pa) { return reinterpret_cast<uint8_t*>(words.data()) + (pa - base); }
};

struct CountingTlb {
    uint64_t requests = 0;
    void invalidate(const TlbInvalidation&) { ++requests; }
};

double now_ns()
{
    return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

double g_memcpy_ns = 1;

void row(const char* what, double ns_per_op, const char* extra = "")
{
    std::printf("  %-44s %10.1f ns/op  %8.2fx memcpy  %s\n", what, ns_per_op, ns_per_op / g_memcpy_ns, extra);
}

double measure_memcpy()
{
    std::vector<uint8_t> src(KiB4 * 64), dst(KiB4 * 64);
    std::memset(src.data(), 0x5a, src.size());
    const int rounds = 200000;
    double best = 1e18;
    for (int trial = 0; trial < 5; ++trial) {
        double t0 = now_ns();
        for (int i = 0; i < rounds; ++i) {
            size_t slot = static_cast<size_t>(i % 64) * KiB4;
            std::memcpy(dst.data() + slot, src.data() + slot, KiB4);
            asm volatile("" : : "r"(dst.data()) : "memory");
        }
        double ns = (now_ns() - t0) / rounds;
        if (ns < best) best = ns;
    }
    return best;
}

template <typename Format>
void bench_format(const char* name)
{
    // Only table pages need real memory: 64 MiB of fake RAM for them; guest frames are numbers.
    const uint64_t base = 1ull << 20, bytes = 64ull << 20;
    std::vector<MemoryRegion> map = {{base, bytes / KiB4, MemoryKind::usable}};
    FrameAllocatorLayout layout = FrameAllocator::plan(map.data(), map.size()).value;
    std::vector<uint64_t> meta(layout.metadata_bytes / 8 + 1);
    FrameAllocator frames;
    if (frames.init(map.data(), map.size(), meta.data(), meta.size() * 8) != MmError::ok) std::abort();
    FakeMemory memory{base, std::vector<uint64_t>(bytes / 8)};
    CountingTlb tlb;
    PageTable<Format, FakeMemory, CountingTlb> table(frames, Owner::vm(0), memory, tlb, {AddressSpaceKind::ept, 1});
    if (table.init() != MmError::ok) std::abort();
    table.cpus().add(0);
    const Attributes rw{Access::rw, MemoryType::write_back, false};
    char extra[96];

    std::printf("\n%s: 4 GiB of guest memory\n", name);
    struct Size { PageSize size; const char* label; int repeat; };
    for (Size s : {Size{PageSize::size_1g, "map 4 GiB with 1G pages (per page)", 2000},
                   Size{PageSize::size_2m, "map 4 GiB with 2M pages (per page)", 20},
                   Size{PageSize::size_4k, "map 4 GiB with 4K pages (per page)", 2}}) {
        double best = 1e18, unmap_best = 1e18;
        uint64_t tables = 0;
        for (int r = 0; r < s.repeat; ++r) {
            double t0 = now_ns();
            if (table.map(0, 8 * GiB, 4 * GiB, rw, s.size) != MmError::ok) std::abort();
            double t1 = now_ns();
            tables = table.table_pages();
            if (table.unmap(0, 4 * GiB) != MmError::ok) std::abort();
            double t2 = now_ns();
            double pages = static_cast<double>(4 * GiB / page_bytes(s.size));
            if ((t1 - t0) / pages < best) best = (t1 - t0) / pages;
            if ((t2 - t1) / pages < unmap_best) unmap_best = (t2 - t1) / pages;
        }
        std::snprintf(extra, sizeof extra, "tables %llu pages = %llu KiB",
                      static_cast<unsigned long long>(tables), static_cast<unsigned long long>(tables * 4));
        row(s.label, best, extra);
        std::snprintf(extra, sizeof extra, "(%s)", "unmap of the same, incl. flush + table frees");
        row("  unmap (per page)", unmap_best, extra);
    }

    // Split every 2M page of a 2M-mapped 4 GiB into 4K pages.
    if (table.map(0, 8 * GiB, 4 * GiB, rw, PageSize::size_2m) != MmError::ok) std::abort();
    double t0 = now_ns();
    for (uint64_t va = 0; va < 4 * GiB; va += MiB2)
        if (table.split(va) != MmError::ok) std::abort();
    double split_ns = (now_ns() - t0) / 2048;
    std::snprintf(extra, sizeof extra, "tables after: %llu pages = %llu KiB",
                  static_cast<unsigned long long>(table.table_pages()),
                  static_cast<unsigned long long>(table.table_pages() * 4));
    row("split 2M -> 512 x 4K (per split)", split_ns, extra);

    // Translate 10^6 random addresses on the 4K-mapped space.
    std::mt19937_64 rng(42);
    std::vector<uint64_t> addrs(1000000);
    for (uint64_t& a : addrs) a = rng() % (4 * GiB);
    uint64_t sum = 0;
    t0 = now_ns();
    for (uint64_t a : addrs) sum += table.translate(a).value.pa;
    double tr_ns = (now_ns() - t0) / static_cast<double>(addrs.size());
    if (sum == 42) std::printf(" ");
    row("translate, 4K-mapped, 10^6 random addresses", tr_ns);

    t0 = now_ns();
    for (uint64_t va = 0; va < 4 * GiB; va += MiB2)
        if (table.merge(va, PageSize::size_2m) != MmError::ok) std::abort();
    row("merge 512 x 4K -> 2M (per merge)", (now_ns() - t0) / 2048);

    t0 = now_ns();
    for (uint64_t a : addrs) sum += table.translate(a).value.pa;
    row("translate, 2M-mapped, 10^6 random addresses", (now_ns() - t0) / static_cast<double>(addrs.size()));
    table.unmap(0, 4 * GiB);

    // 4K protect (write-protect one page for sharing) and restore, on a 4K-mapped region.
    table.map(0, 8 * GiB, 64 * MiB2, rw, PageSize::size_4k);
    t0 = now_ns();
    for (uint64_t va = 0; va < 64 * MiB2; va += KiB4) table.protect(va, KiB4, Access::r);
    row("protect one 4K page read-only (flush request)", (now_ns() - t0) / (64.0 * 512));
    t0 = now_ns();
    for (uint64_t va = 0; va < 64 * MiB2; va += KiB4) table.remap(va, 16 * GiB + va, rw);
    row("remap one 4K page to another frame", (now_ns() - t0) / (64.0 * 512));
    table.destroy();
}

void bench_allocator()
{
    std::printf("\nFrame allocator\n");
    const uint64_t bytes = 4 * GiB;
    std::vector<MemoryRegion> map = {{0, 256, MemoryKind::reserved}, {1ull << 20, (bytes - (1ull << 20)) / KiB4, MemoryKind::usable}};
    FrameAllocatorLayout layout = FrameAllocator::plan(map.data(), map.size()).value;
    std::vector<uint64_t> meta(layout.metadata_bytes / 8 + 1);
    FrameAllocator frames;
    if (frames.init(map.data(), map.size(), meta.data(), meta.size() * 8) != MmError::ok) std::abort();
    std::vector<uint64_t> held(100000);
    double t0 = now_ns();
    for (uint64_t& pa : held) pa = frames.alloc(kOrder4K, Owner::vm(0)).value;
    double alloc_ns = (now_ns() - t0) / static_cast<double>(held.size());
    t0 = now_ns();
    for (uint64_t pa : held) frames.free(pa, kOrder4K, Owner::vm(0));
    double free_ns = (now_ns() - t0) / static_cast<double>(held.size());
    row("alloc 4K (4 GiB pool)", alloc_ns);
    row("free 4K with coalescing", free_ns);
    t0 = now_ns();
    for (int i = 0; i < 1000; ++i) {
        uint64_t pa = frames.alloc(kOrder2M, Owner::vm(0)).value;
        frames.free(pa, kOrder2M, Owner::vm(0));
    }
    row("alloc + free 2M", (now_ns() - t0) / 1000);

    for (uint64_t gib : {4ull, 64ull, 256ull}) {
        std::vector<MemoryRegion> m = {{0, gib * GiB / KiB4, MemoryKind::usable}};
        FrameAllocatorLayout l = FrameAllocator::plan(m.data(), m.size()).value;
        std::printf("  metadata for %4llu GiB: %9.2f MiB = %.3f bytes per 4 KiB frame\n",
                    static_cast<unsigned long long>(gib), static_cast<double>(l.metadata_bytes) / (1 << 20),
                    static_cast<double>(l.metadata_bytes) / static_cast<double>(l.frames));
    }
}

struct HostPages final : PageProvider {
    std::vector<void*> pages;
    void* get_page() override
    {
        pages.push_back(std::aligned_alloc(4096, 4096));
        return pages.back();
    }
    ~HostPages()
    {
        for (void* p : pages) std::free(p);
    }
};

void bench_rmap()
{
    std::printf("\nReverse map (bytes per guest page = slot array + node pages / mappings)\n");
    const uint64_t frames = 1 << 18; // 1 GiB of host frames
    for (uint32_t sharers : {1u, 2u, 7u, 32u}) {
        std::vector<uint64_t> storage(frames);
        HostPages pages;
        ReverseMap rmap;
        rmap.init(0, frames, storage.data(), storage.size() * 8, pages);
        double t0 = now_ns();
        for (uint32_t vm = 0; vm < sharers; ++vm)
            for (uint64_t f = 0; f < frames; ++f) rmap.add(f << 12, vm, f);
        double add_ns = (now_ns() - t0) / static_cast<double>(frames * sharers);
        ReverseMapStats s = rmap.stats();
        char extra[96];
        std::snprintf(extra, sizeof extra, "%.2f bytes per guest page",
                      static_cast<double>(s.bytes) / static_cast<double>(s.mappings));
        char label[64];
        std::snprintf(label, sizeof label, "rmap add, every frame mapped by %u", sharers);
        row(label, add_ns, extra);
    }
}

} // namespace

int main()
{
    g_memcpy_ns = measure_memcpy();
    std::printf("Samepage memory core benchmark (host, fake physical memory)\n");
    std::printf("  %-44s %10.1f ns/op  (yardstick)\n", "memcpy 4 KiB", g_memcpy_ns);
    bench_format<EptFormat<4>>("EPT");
    bench_format<NptFormat<4>>("NPT");
    bench_allocator();
    bench_rmap();
    return 0;
}
