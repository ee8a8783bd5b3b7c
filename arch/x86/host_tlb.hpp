// The memory core's TLB policy for the hypervisor's own page tables: INVLPG for a few pages,
// a CR3 reload for more, for page-size changes and for freed tables (which may sit in
// paging-structure caches). Only the boot CPU runs code yet: a flush aimed at any other CPU is
// a bug until inter-processor shoot-down exists, and panics rather than leaving stale entries.
#pragma once
#include <stdint.h>

#include "hv/lib/panic.hpp"
#include "mm/tlb.hpp"

namespace sp::x86 {

// Panics when `cpus` names any CPU but the boot CPU: shoot-down by IPI does not exist yet, and
// a flush that silently skipped a CPU would leave stale translations there.
inline void require_boot_cpu_only(const mm::CpuSet& cpus, const char* what)
{
    mm::CpuSet others = cpus;
    others.remove(0);
    if (others.count() != 0) panic("%s TLB flush for CPUs other than the boot CPU: shoot-down is not supported yet", what);
}

class HostTlb {
public:
    static constexpr unsigned boot_cpu = 0;
    static constexpr uint64_t invlpg_limit_pages = 32;

    void invalidate(const mm::TlbInvalidation& request)
    {
        require_boot_cpu_only(request.cpus, "host");
        if (!request.cpus.contains(boot_cpu)) return;
        ++flushes_;
        uint64_t pages = (request.size + 4095) / 4096;
        if (request.all || request.tables_freed || request.page_size_changed || pages > invlpg_limit_pages) {
            uint64_t cr3;
            asm volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
            return;
        }
        for (uint64_t i = 0; i < pages; ++i)
            asm volatile("invlpg (%0)" ::"r"(request.base + i * 4096) : "memory");
    }

    uint64_t flushes() const { return flushes_; }

private:
    uint64_t flushes_ = 0;
};

} // namespace sp::x86
