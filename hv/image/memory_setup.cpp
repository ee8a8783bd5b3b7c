#include "hv/image/memory_setup.hpp"

#include <new>

#include "arch/x86/cpu.hpp"
#include "arch/x86/host_tlb.hpp"
#include "arch/x86/io.hpp"
#include "arch/x86/paging_walk.hpp"
#include "hv/lib/format.hpp"
#include "hv/lib/panic.hpp"
#include "hv/platform/memory_regions.hpp"
#include "mm/page_table.hpp"
#include "mm/physical_memory.hpp"
#include "mm/x86_paging_format.hpp"

namespace sp {
namespace {

using HostTable = mm::PageTable<mm::HostFormat<4>, mm::IdentityMemory, x86::HostTlb>;

constexpr size_t max_regions = 2048;
mm::MemoryRegion regions[max_regions];
mm::FrameAllocator allocator;
mm::IdentityMemory identity;
x86::HostTlb host_tlb;
HostTable* host_table = nullptr;
HostPagingStats paging_stats;
// Frames of the firmware's page tables held while they are live, freed after the switch.
constexpr size_t max_firmware_tables = 4096;
uint64_t firmware_tables[max_firmware_tables];

constexpr uint32_t msr_pat = 0x277, msr_efer = 0xc0000080;
constexpr uint64_t efer_nxe = 1ull << 11;
constexpr uint64_t cr0_wp = 1ull << 16;

// Identity-maps [0, top): write-back by default, MMIO regions of the firmware map uncacheable.
// Pages stay at most 2 MiB (4 KiB in the first 2 MiB), so no page spans MTRR ranges of
// different types, which the SDM leaves undefined.
void map_identity(const FirmwareRegion* map, size_t count, uint64_t top)
{
    const mm::Attributes wb{mm::Access::rwx, mm::MemoryType::write_back};
    const mm::Attributes uc{mm::Access::rw, mm::MemoryType::uncacheable};
    uint64_t cursor = 0;
    auto map_range = [&](uint64_t base, uint64_t end, const mm::Attributes& attrs) {
        while (base < end) {
            uint64_t piece_end = base < (2ull << 20) ? (end < (2ull << 20) ? end : (2ull << 20)) : end;
            mm::PageSize cap = base < (2ull << 20) ? mm::PageSize::size_4k : mm::PageSize::size_2m;
            mm::MmError e = host_table->map(base, base, piece_end - base, attrs, cap);
            if (e != mm::MmError::ok)
                panic("cannot identity-map 0x%llx-0x%llx: %s", (unsigned long long)base,
                      (unsigned long long)piece_end, mm::to_string(e));
            paging_stats.mapped_bytes += piece_end - base;
            base = piece_end;
        }
    };
    // Walk the address space in order; the firmware map is not necessarily sorted.
    // The IOAPIC and local APIC registers are uncacheable whether or not the map lists them.
    constexpr uint64_t apic_base = 0xfec00000, apic_end = 0xff000000;
    while (cursor < top) {
        uint64_t next_mmio = top, next_mmio_end = top;
        for (size_t i = 0; i <= count; ++i) {
            bool apic = i == count;
            if (!apic && memory_kind_of(map[i].type) != mm::MemoryKind::mmio) continue;
            uint64_t b = apic ? apic_base : map[i].base;
            uint64_t e = apic ? apic_end : map[i].base + map[i].pages * 4096;
            if (e <= cursor || b >= next_mmio) continue;
            next_mmio = b < cursor ? cursor : b;
            next_mmio_end = e;
        }
        if (next_mmio > cursor) map_range(cursor, next_mmio, wb);
        if (next_mmio < top) map_range(next_mmio, next_mmio_end < top ? next_mmio_end : top, uc);
        cursor = next_mmio_end;
    }
}

} // namespace

mm::FrameAllocator& frame_allocator() { return allocator; }
HostPagingStats host_paging_stats() { return paging_stats; }

void setup_memory(const BootInfo& info, Sink& log)
{
    size_t n = to_memory_regions(info.memory_map, info.memory_map_count, regions, max_regions);
    if (n == 0) panic("the firmware memory map has %zu regions; at most %zu are supported", info.memory_map_count, max_regions);
    mm::MemoryMapReport report;
    mm::MmError e = allocator.init(regions, n, reinterpret_cast<void*>(info.allocator_storage_base),
                                   info.allocator_storage_size, &report);
    if (e != mm::MmError::ok)
        panic("frame allocator: %s (map entry %zu; %llu bytes of metadata storage)", mm::to_string(e),
              report.bad_entry, (unsigned long long)info.allocator_storage_size);
    // Physical page 0 is never handed out: the sharing engine and the reverse map use frame
    // number 0 as "no frame", and a null pointer into it would go unnoticed.
    allocator.reserve(0, 1, mm::Owner::hypervisor()); // (an error: frame 0 is not free RAM anyway)
    if (report.overlaps || report.zero_length)
        format(log, "memory map: repaired %zu overlapping and skipped %zu empty entries\n", report.overlaps,
               report.zero_length);

    // The firmware's page tables are boot-services data, i.e. free RAM to the allocator, but
    // the CPU walks them until CR3 changes: hold them until then.
    uint64_t fw_cr3 = x86::read_cr3();
    size_t held = 0;
    uint64_t not_tracked = 0;
    x86::for_each_table_page(fw_cr3, [&](uint64_t pa) {
        if (allocator.reserve(pa, 1, mm::Owner::hypervisor()) != mm::MmError::ok) return; // not free RAM
        if (held < max_firmware_tables) firmware_tables[held++] = pa;
        else ++not_tracked;
    });

    uint64_t top = 4ull << 30; // at least the 32-bit MMIO window (LAPIC, IOAPIC, flash)
    for (size_t i = 0; i < info.memory_map_count; ++i) {
        uint64_t end = info.memory_map[i].base + info.memory_map[i].pages * 4096;
        if (end > top) top = end;
    }
    top = (top + (2ull << 20) - 1) & ~((2ull << 20) - 1);

    // The firmware maps some free-after-exit RAM read-only (its code, with memory protection
    // on); the new tables are written there. Supervisor writes ignore read-only pages while
    // CR0.WP is clear: clear it until our own tables are live.
    uint64_t cr0 = x86::read_cr0();
    asm volatile("mov %0, %%cr0" ::"r"(cr0 & ~cr0_wp) : "memory");
    host_table = new HostTable(allocator, mm::Owner::hypervisor(), identity, host_tlb, mm::AddressSpaceTag{});
    host_table->cpus().add(x86::HostTlb::boot_cpu);
    if (host_table->init() != mm::MmError::ok) panic("no frame for the host page-table root");
    map_identity(info.memory_map, info.memory_map_count, top);

    // The PAT layout the formats assume; NX so that non-executable mappings are legal.
    x86::wrmsr(msr_pat, mm::kSamepagePat);
    if (info.cpu.nx) x86::wrmsr(msr_efer, x86::rdmsr(msr_efer) | efer_nxe);
    asm volatile("mov %0, %%cr3" ::"r"(host_table->root()) : "memory");
    asm volatile("mov %0, %%cr0" ::"r"(cr0) : "memory");
    paging_stats.cr3 = host_table->root();
    paging_stats.table_pages = host_table->table_pages();

    for (size_t i = 0; i < held; ++i) {
        mm::MmError fe = allocator.free(firmware_tables[i], 0, mm::Owner::hypervisor());
        if (fe != mm::MmError::ok) panic("freeing firmware table page 0x%llx: %s", (unsigned long long)firmware_tables[i], mm::to_string(fe));
        ++paging_stats.firmware_table_pages_freed;
    }
    if (const char* broken = allocator.check_invariants()) panic("frame allocator after boot: %s", broken);
    format(log, "paging: own identity map of %llu GiB in %llu table pages; %llu firmware table pages freed\n",
           (unsigned long long)(top >> 30), (unsigned long long)paging_stats.table_pages,
           (unsigned long long)paging_stats.firmware_table_pages_freed);
    if (not_tracked)
        format(log, "paging: %llu more firmware table pages stay reserved\n", (unsigned long long)not_tracked);
}

} // namespace sp
