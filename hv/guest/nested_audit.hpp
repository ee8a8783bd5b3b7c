// The isolation audit of one VM's nested page table: every leaf must map guest RAM (below the
// VM's size) to frames that VM owns, or, read-only, to frames of the shared pool. Run after
// each VM start and stop in test mode (`mem audit`) and by the model tests.
#pragma once
#include <stdint.h>

#include "hv/lib/format.hpp"
#include "mm/frame_allocator.hpp"
#include "mm/page_table.hpp"

namespace sp {

struct NestedAudit {
    uint64_t leaves = 0;
    uint64_t frames = 0; // 4 KiB frames checked
    bool ok = true;
    char problem[160] = {}; // the first violation when !ok
};

template <typename Table>
void audit_nested_table(const Table& table, const mm::FrameAllocator& frames, mm::Owner owner,
                        uint64_t ram_bytes, NestedAudit& out)
{
    using ull = unsigned long long;
    table.walk([&](const mm::Leaf& leaf) {
        ++out.leaves;
        const uint64_t bytes = mm::page_bytes(leaf.size);
        if (!out.ok) return;
        if (leaf.va >= ram_bytes || bytes > ram_bytes - leaf.va) {
            out.ok = false;
            format_to(out.problem, sizeof out.problem, "gpa 0x%llx maps 0x%llx beyond the VM's RAM",
                      (ull)leaf.va, (ull)leaf.pa);
            return;
        }
        const bool writable = static_cast<unsigned>(leaf.attributes.access) & static_cast<unsigned>(mm::Access::w);
        for (uint64_t off = 0; off < bytes; off += mm::kPageSize) {
            ++out.frames;
            mm::Owner holder = frames.owner_of(leaf.pa + off);
            if (holder == owner || (holder == mm::Owner::shared() && !writable)) continue;
            out.ok = false;
            char whose[32];
            if (holder.is_vm()) format_to(whose, sizeof whose, "vm %u", holder.vm_id());
            else format_to(whose, sizeof whose, "%s", holder == mm::Owner::free()       ? "nobody (free)"
                                                      : holder == mm::Owner::shared()   ? "the shared pool, writable"
                                                      : holder == mm::Owner::hypervisor() ? "the hypervisor"
                                                                                          : "firmware (reserved)");
            format_to(out.problem, sizeof out.problem, "gpa 0x%llx maps frame 0x%llx of %s",
                      (ull)(leaf.va + off), (ull)(leaf.pa + off), whose);
            return;
        }
    });
}

} // namespace sp
