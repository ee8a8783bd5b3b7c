// Copy-on-write. The hypervisor calls handle_write_fault(vm, gpa) from a nested page fault
// caused by a write to a read-only page. A shared page gets a private copy and a writable
// mapping; the last mapper of a shared frame gets the frame back writable without a copy; a
// zero page gets a fresh zeroed frame; a write into a 2 MiB zero mapping gets a fresh zeroed
// 2 MiB block while memory allows, otherwise a split and one private 4 KiB page.
#include <string.h>

#include "hv/lib/panic.hpp"
#include "mm/sharing/engine.hpp"

namespace sp::sharing {

using mm::Access;
using mm::MmError;
using mm::Owner;

namespace {
constexpr uint64_t k4K = 4096, k2M = 2ull << 20;
}

SharingError Engine::handle_write_fault(uint32_t vm, uint64_t gpa)
{
    SpinGuard guard(lock_);
    Vm* v = find_vm(vm);
    if (v == nullptr) return SharingError::unknown_vm;
    if (gpa >= v->pages * k4K) return SharingError::bad_range;
    mm::Result<mm::Translation> t = v->space->translate(gpa & ~(k4K - 1));
    if (!t.ok()) return SharingError::not_mapped;
    if (mm::has(t.value.attributes.access, Access::w)) return SharingError::ok; // another CPU fixed it
    return break_cow(*v, gpa / k4K, t.value);
}

SharingError Engine::break_cow(Vm& v, uint64_t i, const mm::Translation& t)
{
    uint64_t gpa = i * k4K;
    mm::Attributes rw = t.attributes;
    rw.access = rw.access | Access::w;
    if (t.size != mm::PageSize::size_4k) {
        if (is_zero_frame(t.pa)) return break_zero_2m(v, i, t);
        // A private large page left read-only: give the write back.
        SP_ASSERT(v.space->protect(t.page_base, mm::page_bytes(t.size), rw.access) == MmError::ok);
        return SharingError::ok;
    }
    PageWord& st = v.state[i];
    if (is_zero_frame(t.pa)) {
        mm::Result<uint64_t> f = frames_.alloc(mm::kOrder4K, Owner::vm(v.id));
        if (!f.ok()) return SharingError::no_memory;
        memset(frame_bytes(f.value), 0, k4K);
        if (rmap_.add(f.value, v.id, i) != MmError::ok) {
            SP_ASSERT(frames_.free(f.value, mm::kOrder4K, Owner::vm(v.id)) == MmError::ok);
            return SharingError::no_memory;
        }
        SP_ASSERT(v.space->remap(gpa, f.value, rw) == MmError::ok);
        --zero_pages_;
        st = PageState::make(PageKind::unseen, 0, 0);
        ++cow_breaks_;
        return SharingError::ok;
    }
    if (frames_.owner_of(t.pa) == Owner::shared()) {
        uint32_t id = node_of_frame(t.pa);
        SP_ASSERT(id != StableNodes::kNone);
        if (nodes_[id].mappers == 1) {
            // The last mapper: the frame becomes private again, no copy. Raising rights needs
            // no flush.
            remove_node(id);
            SP_ASSERT(frames_.transfer(t.pa, mm::kOrder4K, Owner::shared(), Owner::vm(v.id)) == MmError::ok);
            SP_ASSERT(v.space->protect(gpa, k4K, rw.access) == MmError::ok);
        } else {
            mm::Result<uint64_t> f = frames_.alloc(mm::kOrder4K, Owner::vm(v.id));
            if (!f.ok()) return SharingError::no_memory;
            memcpy(frame_bytes(f.value), frame_bytes(t.pa), k4K);
            if (rmap_.move(t.pa, f.value, v.id, i) != MmError::ok) {
                SP_ASSERT(frames_.free(f.value, mm::kOrder4K, Owner::vm(v.id)) == MmError::ok);
                return SharingError::no_memory;
            }
            SP_ASSERT(v.space->remap(gpa, f.value, rw) == MmError::ok);
            --nodes_[id].mappers;
            --sharing_mappers_;
        }
        st = PageState::make(PageKind::unseen, 0, 0);
        ++cow_breaks_;
        return SharingError::ok;
    }
    // A private page a merge left read-only: give the write back.
    SP_ASSERT(v.space->protect(gpa, k4K, rw.access) == MmError::ok);
    return SharingError::ok;
}

SharingError Engine::break_zero_2m(Vm& v, uint64_t i, const mm::Translation& t)
{
    uint64_t base = t.page_base, first = base / k4K;
    SP_ASSERT(t.size == mm::PageSize::size_2m);
    if (memory_allows_large()) {
        mm::Result<uint64_t> block = frames_.alloc(mm::kOrder2M, Owner::vm(v.id));
        if (block.ok()) {
            for (uint64_t off = 0; off < k2M; off += k4K) memset(frame_bytes(block.value + off), 0, k4K);
            for (uint64_t k = 0; k < 512; ++k) SP_ASSERT(rmap_.add(block.value + k * k4K, v.id, first + k) == MmError::ok);
            mm::Attributes rw = t.attributes;
            rw.access = rw.access | Access::w;
            SP_ASSERT(v.space->remap(base, block.value, rw) == MmError::ok);
            for (uint64_t k = 0; k < 512; ++k) v.state[first + k] = PageState::make(PageKind::unseen, 0, 0);
            zero_pages_ -= 512;
            ++cow_breaks_;
            return SharingError::ok;
        }
    }
    // Memory is short: split into 512 read-only pieces of the zero frame, copy just one.
    if (v.space->split(base) != MmError::ok) return SharingError::no_memory;
    for (uint64_t k = 0; k < 512; ++k) v.state[first + k] = PageState::make(PageKind::zero, 0, 0);
    Range& r = v.ranges[first / 512];
    r.flags = static_cast<uint8_t>((r.flags & ~kRangeLarge) | kRangeSplitByUs);
    mm::Result<mm::Translation> piece = v.space->translate(i * k4K);
    SP_ASSERT(piece.ok());
    return break_cow(v, i, piece.value);
}

void Engine::unmerge_all()
{
    for (unsigned vi = 0; vi < vm_count_; ++vi) {
        Vm& v = vms_[vi];
        for (uint64_t i = 0; i < v.pages; ++i) {
            mm::Result<mm::Translation> t = v.space->translate(i * k4K);
            if (!t.ok() || mm::has(t.value.attributes.access, Access::w)) continue;
            if (!is_zero_frame(t.value.pa) && frames_.owner_of(t.value.pa) != Owner::shared()) continue;
            if (break_cow(v, i, t.value) != SharingError::ok) return; // out of memory: stop here
        }
    }
}

} // namespace sp::sharing
