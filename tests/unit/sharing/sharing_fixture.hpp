// A host with fake physical memory, a frame allocator, a reverse map and the sharing engine,
// plus guests whose accesses go through their nested tables the way hardware does:
//  - a simulated TLB (the tables' Tlb policy) caches translations and serves later accesses
//    from the cache until a flush drops them, so a missing flush shows up as a stale access;
//  - a write through a read-only translation is a nested page fault: the driver calls
//    engine.handle_write_fault(vm, gpa) and retries.
#pragma once
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../mm/mm_test_support.hpp"
#include "mm/ept_format.hpp"
#include "mm/page_table.hpp"
#include "mm/reverse_map.hpp"
#include "mm/sharing/engine.hpp"
#include "mm/x86_paging_format.hpp"

namespace sp::sharing::test {

using namespace sp::mm;
using sp::mm::test::FakeMemory;
using sp::mm::test::TestMachine;

constexpr uint64_t k4K = 4096, k2M = 2ull << 20, k1G = 1ull << 30;

// Hardware TLB model shared by all guests: (space id, guest page) -> (frame, writable).
struct SimTlb {
    struct Entry {
        uint64_t pa;
        bool writable;
    };
    std::map<std::pair<uint64_t, uint64_t>, Entry> entries;
    uint64_t flushes = 0;

    void invalidate(const TlbInvalidation& r)
    {
        ++flushes;
        for (auto it = entries.begin(); it != entries.end();) {
            bool hit = it->first.first == r.space.id &&
                       (r.all || (it->first.second >= r.base && it->first.second < r.base + r.size));
            it = hit ? entries.erase(it) : std::next(it);
        }
    }
};

struct HostPages final : PageProvider {
    std::vector<void*> pages;
    void* get_page() override
    {
        pages.push_back(std::aligned_alloc(4096, 4096));
        std::memset(pages.back(), 0, 4096);
        return pages.back();
    }
    ~HostPages()
    {
        for (void* p : pages) std::free(p);
    }
};

struct HostMetadata final : MetadataMemory {
    int64_t live_bytes = 0;
    void* allocate(size_t bytes) override
    {
        live_bytes += static_cast<int64_t>(bytes);
        return std::calloc(1, bytes ? bytes : 1);
    }
    void release(void* p, size_t bytes) override
    {
        live_bytes -= static_cast<int64_t>(bytes);
        std::free(p);
    }
};

struct ManualClock final : Clock {
    uint64_t ms = 1000;
    uint64_t now_ms() override { return ms; }
};

template <typename Format = EptFormat<4>>
struct Host {
    using Table = PageTable<Format, FakeMemory, SimTlb>;

    struct Guest {
        uint32_t vm;
        uint64_t bytes;
        std::unique_ptr<Table> table;
        std::unique_ptr<TableSpace<Table>> space;
    };

    explicit Host(uint64_t ram_bytes)
        : machine(ram_bytes, 1ull << 30), frame_memory(machine.memory),
          rmap_storage(ram_bytes / k4K),
          engine(EngineDeps{machine.allocator, rmap, frame_memory, clock, metadata})
    {
        if (rmap.init((1ull << 30) >> 12, ram_bytes / k4K, rmap_storage.data(), rmap_storage.size() * 8, node_pages) != MmError::ok)
            std::abort();
    }
    ~Host()
    {
        for (auto& g : guests)
            if (g.table) destroy_vm(g.vm);
    }

    Guest& guest(uint32_t vm)
    {
        for (auto& g : guests)
            if (g.vm == vm) return g;
        std::abort();
    }

    // A VM of `bytes` guest memory mapped with pages of up to `max_page`, backed by frames of
    // the VM and recorded in the reverse map, then registered with the engine.
    Guest& create_vm(uint32_t vm, uint64_t bytes, PageSize max_page = PageSize::size_4k, uint64_t mapped_bytes = ~0ull)
    {
        guests.push_back(Guest{vm, bytes, nullptr, nullptr});
        Guest& g = guests.back();
        g.table = std::make_unique<Table>(machine.allocator, Owner::vm(vm), machine.memory, tlb,
                                          AddressSpaceTag{AddressSpaceKind::ept, vm});
        g.table->cpus().add(0);
        if (g.table->init() != MmError::ok) std::abort();
        if (mapped_bytes > bytes) mapped_bytes = bytes;
        uint64_t step = page_bytes(max_page);
        for (uint64_t gpa = 0; gpa < mapped_bytes; gpa += step) {
            unsigned order = max_page == PageSize::size_4k ? kOrder4K : max_page == PageSize::size_2m ? kOrder2M : kOrder1G;
            Result<uint64_t> block = machine.allocator.alloc(order, Owner::vm(vm));
            if (!block.ok()) std::abort();
            for (uint64_t off = 0; off < step; off += k4K) {
                std::memset(machine.memory.to_virt(block.value + off), 0, k4K);
                if (rmap.add(block.value + off, vm, (gpa + off) / k4K) != MmError::ok) std::abort();
            }
            if (g.table->map(gpa, block.value, step, Attributes{}, max_page) != MmError::ok) std::abort();
        }
        g.space = std::make_unique<TableSpace<Table>>(*g.table);
        if (engine.register_vm(vm, *g.space, bytes) != SharingError::ok) std::abort();
        return g;
    }

    void destroy_vm(uint32_t vm)
    {
        Guest& g = guest(vm);
        if (engine.unregister_vm(vm) != SharingError::ok) std::abort();
        g.table.reset();
        g.space.reset();
    }

    // The guest's view: served from the TLB when cached, else walked and cached.
    uint64_t frame_for(uint32_t vm, uint64_t gpa, bool write)
    {
        Guest& g = guest(vm);
        uint64_t page = gpa & ~(k4K - 1);
        for (int attempt = 0; attempt < 3; ++attempt) {
            auto it = tlb.entries.find({vm, page});
            if (it != tlb.entries.end() && (!write || it->second.writable)) return it->second.pa;
            if (it != tlb.entries.end()) tlb.entries.erase(it); // the fault drops the stale entry
            Result<Translation> t = g.table->translate(page);
            if (!t.ok()) return ~0ull;
            bool writable = has(t.value.attributes.access, Access::w);
            if (write && !writable) {
                ++write_faults;
                if (engine.handle_write_fault(vm, gpa) != SharingError::ok) return ~0ull;
                continue;
            }
            tlb.entries[{vm, page}] = SimTlb::Entry{t.value.pa, writable};
            return t.value.pa;
        }
        return ~0ull;
    }

    bool write(uint32_t vm, uint64_t gpa, const void* data, size_t size)
    {
        uint64_t pa = frame_for(vm, gpa, true);
        if (pa == ~0ull) return false;
        pa += gpa & (k4K - 1);
        std::memcpy(static_cast<uint8_t*>(machine.memory.to_virt(pa & ~7ull)) + (pa & 7), data, size);
        return true;
    }
    bool fill_page(uint32_t vm, uint64_t gpa, const uint8_t* page) { return write(vm, gpa & ~(k4K - 1), page, k4K); }
    bool read_page(uint32_t vm, uint64_t gpa, uint8_t* out)
    {
        uint64_t pa = frame_for(vm, gpa & ~(k4K - 1), false);
        if (pa == ~0ull) return false;
        std::memcpy(out, machine.memory.to_virt(pa), k4K);
        return true;
    }

    // Every cached translation still matches the table and is no more permissive: otherwise a
    // mapping was downgraded or moved without a flush. Returns "" when all hold.
    std::string stale_tlb_entry()
    {
        for (auto& [key, e] : tlb.entries) {
            Guest& g = guest(static_cast<uint32_t>(key.first));
            if (!g.table) return "TLB entry of a destroyed VM";
            Result<Translation> t = g.table->translate(key.second);
            if (!t.ok()) return "TLB entry for an unmapped page";
            if (t.value.pa != e.pa) return "TLB entry points at the old frame";
            if (e.writable && !has(t.value.attributes.access, Access::w)) return "TLB entry still writable";
        }
        return "";
    }

    uint64_t vm_frames(uint32_t vm) const { return machine.allocator.count(Owner::vm(vm)); }
    uint64_t shared_frames() const { return machine.allocator.count(Owner::shared()); }

    TestMachine machine;
    FrameMemoryOf<FakeMemory> frame_memory;
    SimTlb tlb;
    HostPages node_pages;
    std::vector<uint64_t> rmap_storage;
    ReverseMap rmap;
    HostMetadata metadata;
    ManualClock clock;
    Engine engine;
    std::vector<Guest> guests;
    uint64_t write_faults = 0;
};

// Runs the scanner until exactly `passes` more full scans have ended.
template <typename H>
void full_scans(H& h, unsigned passes)
{
    for (unsigned i = 0; i < passes; ++i) {
        uint64_t before = h.engine.full_scans();
        while (h.engine.full_scans() == before)
            if (h.engine.scan(1) == 0) break;
    }
}

// Page contents by pattern number: 0 is the zero page, others differ from each other.
inline std::vector<uint8_t> pattern_page(uint32_t pattern)
{
    std::vector<uint8_t> p(k4K, 0);
    if (pattern == 0) return p;
    uint64_t x = pattern * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < k4K; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::memcpy(&p[i], &x, 8);
    }
    return p;
}

} // namespace sp::sharing::test
