// Sharing benchmark, part 1: Samepage's engine alone on the reference workload (4 VMs x 256 MiB,
// seeded: tests/bench/sharing_workload.hpp), on fake physical memory with a counting TLB.
// Prints flat-out merge speed, saving against the ideal, metadata per page, the cost of a COW
// break against a 4 KiB copy, and fingerprint bandwidth against a read sweep. Not a test.
// Part 2 (Linux KSM on the same bytes, side by side) is still to come.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "mm/ept_format.hpp"
#include "mm/frame_allocator.hpp"
#include "mm/page_table.hpp"
#include "mm/reverse_map.hpp"
#include "mm/sharing/engine.hpp"
#include "mm/sharing/fingerprint.hpp"
#include "sharing_workload.hpp"

using namespace sp::mm;
using namespace sp::sharing;

namespace {

constexpr uint64_t k4K = 4096, kBase = 1ull << 30;

struct Memory {
    uint8_t* bytes;
    void* to_virt(uint64_t pa) { return bytes + (pa - kBase); }
};
struct CountingTlb {
    uint64_t requests = 0;
    void invalidate(const TlbInvalidation&) { ++requests; }
};
struct Pages final : PageProvider {
    void* get_page() override { return std::aligned_alloc(4096, 4096); } // leaked at exit
};
struct Metadata final : MetadataMemory {
    void* allocate(size_t n) override { return std::calloc(1, n ? n : 1); }
    void release(void* p, size_t) override { std::free(p); }
};
struct WallClock final : Clock {
    uint64_t now_ms() override
    {
        return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now().time_since_epoch()).count());
    }
};

double now_s()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

using Table = PageTable<EptFormat<4>, Memory, CountingTlb>;

struct Machine {
    explicit Machine(uint64_t ram) : ram_bytes(ram)
    {
        raw = static_cast<uint8_t*>(std::aligned_alloc(1 << 21, ram));
        memory.bytes = raw;
        map = {{kBase, ram / k4K, MemoryKind::usable}};
        auto plan = FrameAllocator::plan(map.data(), map.size());
        meta.resize(plan.value.metadata_bytes / 8 + 1);
        if (frames.init(map.data(), map.size(), meta.data(), meta.size() * 8) != MmError::ok) std::abort();
        frames.set_min_free(1024);
        rmap_slots.resize(ram / k4K);
        if (rmap.init(kBase / k4K, ram / k4K, rmap_slots.data(), rmap_slots.size() * 8, pages) != MmError::ok) std::abort();
        engine = std::make_unique<Engine>(EngineDeps{frames, rmap, frame_memory, clock, metadata});
    }
    ~Machine()
    {
        for (uint32_t vm = 1; vm <= tables.size(); ++vm) engine->unregister_vm(vm);
        engine.reset();
        spaces.clear();
        tables.clear();
        std::free(raw);
    }

    void add_vm(uint32_t vm, const sp::bench::WorkloadShape& shape)
    {
        tables.push_back(std::make_unique<Table>(frames, Owner::vm(vm), memory, tlb, AddressSpaceTag{AddressSpaceKind::ept, vm}));
        Table& t = *tables.back();
        t.cpus().add(0);
        t.init();
        auto seeds = sp::bench::workload_seeds(shape, vm);
        for (uint64_t p = 0; p < shape.pages_per_vm; ++p) {
            auto f = frames.alloc(kOrder4K, Owner::vm(vm));
            if (!f.ok()) std::abort();
            sp::bench::fill_from_seed(memory.to_virt(f.value), seeds[p]);
            rmap.add(f.value, vm, p);
            t.map(p * k4K, f.value, k4K, Attributes{}, PageSize::size_4k);
        }
        spaces.push_back(std::make_unique<TableSpace<Table>>(t));
        if (engine->register_vm(vm, *spaces.back(), shape.pages_per_vm * k4K) != SharingError::ok) std::abort();
    }

    uint64_t ram_bytes;
    uint8_t* raw;
    Memory memory;
    FrameMemoryOf<Memory> frame_memory{memory};
    CountingTlb tlb;
    std::vector<MemoryRegion> map;
    std::vector<uint64_t> meta;
    FrameAllocator frames;
    Pages pages;
    std::vector<uint64_t> rmap_slots;
    ReverseMap rmap;
    Metadata metadata;
    WallClock clock;
    std::unique_ptr<Engine> engine;
    std::vector<std::unique_ptr<Table>> tables;
    std::vector<std::unique_ptr<TableSpace<Table>>> spaces;
};

void run(bool one_domain)
{
    sp::bench::WorkloadShape shape;
    Machine m(shape.vms * shape.pages_per_vm * k4K + (256ull << 20));
    if (one_domain) m.engine->set_tunable("domain_mode", "host");
    for (uint32_t vm = 1; vm <= shape.vms; ++vm) m.add_vm(vm, shape);
    uint64_t ideal = shape.ideal_saving(one_domain);

    // Flat out: full passes until the saving stops growing.
    double t0 = now_s();
    uint64_t looked = 0, saving = 0;
    for (int pass = 0; pass < 8; ++pass) {
        uint64_t before = m.engine->full_scans();
        while (m.engine->full_scans() == before) looked += m.engine->scan(1 << 16);
        SharingStats s = m.engine->stats();
        uint64_t now = s.saving - (s.ksm_zero_pages ? 1 : 0);
        if (pass >= 2 && now == saving) break;
        saving = now;
    }
    double secs = now_s() - t0;
    SharingStats s = m.engine->stats();
    std::printf("%-15s saved %7llu of ideal %7llu frames (%6.2f%%), %.2f s flat out, %.0f pages/s, %llu TLB flushes\n",
                one_domain ? "one domain" : "per-VM domains", (unsigned long long)saving, (unsigned long long)ideal,
                100.0 * static_cast<double>(saving) / static_cast<double>(ideal), secs, static_cast<double>(looked) / secs,
                (unsigned long long)m.tlb.requests);
    std::printf("%-15s metadata %.2f B/page (state %llu, index %llu, rmap %llu bytes), general_profit %lld bytes\n", "",
                static_cast<double>(s.metadata.milli_bytes_per_page) / 1000, (unsigned long long)s.metadata.page_state_bytes,
                (unsigned long long)s.metadata.index_bytes, (unsigned long long)s.metadata.rmap_bytes, (long long)s.general_profit);

    if (!one_domain) return;
    // COW break on shared pages vs a plain 4 KiB copy.
    std::vector<uint8_t> a(k4K, 1), b(k4K);
    double c0 = now_s();
    for (int i = 0; i < 200000; ++i) {
        a[static_cast<size_t>(i) & 4095] = static_cast<uint8_t>(i);
        std::memcpy(b.data(), a.data(), k4K);
        asm volatile("" ::"r"(b.data()) : "memory");
    }
    double copy_ns = (now_s() - c0) / 200000 * 1e9;
    uint64_t breaks = 0;
    double w0 = now_s();
    for (uint32_t vm = 1; vm <= shape.vms && breaks < 20000; ++vm)
        for (uint64_t p = 0; p < shape.pages_per_vm && breaks < 20000; ++p) {
            auto t = m.tables[vm - 1]->translate(p * k4K);
            if (!t.ok() || has(t.value.attributes.access, Access::w) || m.frames.owner_of(t.value.pa) != Owner::shared()) continue;
            if (m.engine->handle_write_fault(vm, p * k4K) == SharingError::ok) ++breaks;
        }
    double cow_ns = (now_s() - w0) / static_cast<double>(breaks) * 1e9;
    std::printf("COW break      %.0f ns (%llu breaks, incl. finding the page) vs 4 KiB copy %.0f ns: %.2fx\n", cow_ns,
                (unsigned long long)breaks, copy_ns, cow_ns / copy_ns);
}

void bandwidth()
{
    const uint64_t pages = 65536;
    std::vector<uint8_t> buf(pages * k4K);
    for (uint64_t p = 0; p < pages; ++p) sp::bench::fill_from_seed(&buf[p * k4K], p + 1);
    uint64_t sum = 0;
    double r0 = now_s();
    for (int rep = 0; rep < 4; ++rep)
        for (uint64_t i = 0; i < buf.size(); i += 8) sum += *reinterpret_cast<uint64_t*>(&buf[i]);
    double read_s = now_s() - r0;
    double f0 = now_s();
    for (int rep = 0; rep < 4; ++rep)
        for (uint64_t p = 0; p < pages; ++p) sum ^= fingerprint_page(&buf[p * k4K]);
    double hash_s = now_s() - f0;
    double gib = 4.0 * static_cast<double>(buf.size()) / (1 << 30);
    std::printf("read sweep %.1f GiB/s, XXH3 fingerprint %.1f GiB/s (%.0f%% of the sweep) [%llu]\n", gib / read_s,
                gib / hash_s, 100.0 * read_s / hash_s, (unsigned long long)(sum & 1));
}

} // namespace

int main()
{
    std::printf("Samepage sharing engine, reference workload 4 VMs x 256 MiB (Linux KSM side: not yet)\n");
    bandwidth();
    run(true);
    run(false);
    return 0;
}
