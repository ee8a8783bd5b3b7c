// A VM's RAM: frames from the allocator, charged to the VM, mapped at guest-physical [0, size)
// in its nested page table (EPT or NPT: the format is a parameter) with the largest pages
// alignment allows: 1 GiB pages where the CPU supports them in the nested table and the
// allocator has an aligned free GiB, 2 MiB pages otherwise. Every frame is zeroed before the
// guest can read it, so nothing of another VM or the hypervisor leaks through.
//
// Backing is eager (all RAM at start) or lazy (overcommit: a 2 MiB block, or under memory
// pressure a 4 KiB page, on the guest's first touch). Every mapped frame is recorded in the
// reverse map; once the VM is handed to the sharing engine (share()), the engine owns the
// mappings: it shares, splits and collapses them, resolves copy-on-write faults and frees the
// frames when the VM ends. Host code reads and writes guest RAM a 4 KiB page at a time, through
// the nested table, so it never assumes RAM is contiguous in host memory.
#pragma once
#include <stdint.h>
#include <string.h>

#include "hv/guest/guest_ram_writer.hpp"
#include "mm/frame_allocator.hpp"
#include "mm/page_table.hpp"
#include "mm/physical_memory.hpp"
#include "mm/reverse_map.hpp"
#include "mm/sharing/engine.hpp"

namespace sp {

// What a VM's RAM uses of the page-sharing side (both nullptr when sharing is off), and the
// free frames guests must leave: `reserve_frames` to the hypervisor (no copy-on-write below
// it), `growth_reserve_frames` (more) to copy-on-write: a VM touching new memory stops there, so
// VMs already running can still break their shares while the scanner merges pages again.
struct GuestSharing {
    mm::ReverseMap* rmap = nullptr;
    sharing::Engine* engine = nullptr;
    uint64_t reserve_frames = 0;
    uint64_t growth_reserve_frames = 0;
};

enum class GuestFault : uint8_t {
    resolved,     // the guest may retry the access
    no_memory,    // no frame for it now: the VM waits until memory is freed
    unresolvable, // the nested table is broken for this address: stop the VM
};

template <typename Format, typename Tlb>
class GuestMemory final : public GuestRamWriter {
public:
    using Table = mm::PageTable<Format, mm::IdentityMemory, Tlb>;
    static constexpr uint64_t block_bytes = 2ull << 20;

    GuestMemory(mm::FrameAllocator& frames, mm::Owner owner, Tlb& tlb, mm::AddressSpaceTag tag, GuestSharing sharing)
        : frames_(frames), owner_(owner), sharing_(sharing), table_(frames, owner, identity_, tlb, tag), space_(table_)
    {
    }
    ~GuestMemory() { release(); }

    // RAM [0, bytes) (a multiple of 2 MiB). Eager: backed now, with 1 GiB pages where `use_1g`
    // and possible. Lazy: backed on first touch. On failure everything taken is given back.
    mm::MmError init(uint64_t bytes, bool use_1g, bool lazy)
    {
        if (bytes == 0 || bytes % block_bytes) return mm::MmError::unaligned;
        if (mm::MmError e = table_.init(); e != mm::MmError::ok) return e;
        size_ = bytes;
        if (lazy) return mm::MmError::ok;
        for (uint64_t gpa = 0; gpa < bytes;) {
            bool giant = use_1g && gpa % giant_bytes == 0 && bytes - gpa >= giant_bytes;
            if (giant && back(gpa, mm::kOrder1G, mm::PageSize::size_1g) == mm::MmError::ok) {
                gpa += giant_bytes;
                continue;
            }
            if (mm::MmError e = back(gpa, mm::kOrder2M, mm::PageSize::size_2m); e != mm::MmError::ok) {
                release();
                return e;
            }
            gpa += block_bytes;
        }
        return mm::MmError::ok;
    }

    // Hands the RAM to the sharing engine, in the named sharing group (nullptr: none). nullptr
    // or why not (the VM then runs unshared).
    const char* share(uint32_t vm_id, const char* group)
    {
        if (!sharing_.engine) return "page sharing is off";
        if (sharing_.engine->register_vm(vm_id, space_, size_) != sharing::SharingError::ok)
            return "the sharing engine has no room for the VM";
        registered_vm_ = vm_id;
        registered_ = true;
        if (group && *group && sharing_.engine->set_vm_group(vm_id, group) != sharing::SharingError::ok)
            return "no room for another sharing group";
        return nullptr;
    }
    bool shared_with_engine() const { return registered_; }

    // A nested page fault inside RAM: backs a page never touched, or gives a write to a shared
    // page its private copy.
    GuestFault resolve_fault(uint64_t gpa, bool write)
    {
        if (gpa >= size_) return GuestFault::unresolvable;
        mm::Result<mm::Translation> t = table_.translate(gpa);
        if (!t.ok()) return back_on_touch(gpa);
        if (!write || has_write(t.value)) return GuestFault::resolved; // another path fixed it meanwhile
        if (!registered_) return GuestFault::unresolvable; // read-only RAM nobody shares
        if (frames_.free_frames() <= sharing_.reserve_frames) return GuestFault::no_memory;
        sharing::SharingError e = sharing_.engine->handle_write_fault(registered_vm_, gpa);
        if (e == sharing::SharingError::ok) return GuestFault::resolved;
        return e == sharing::SharingError::no_memory ? GuestFault::no_memory : GuestFault::unresolvable;
    }

    uint8_t* writable_page(uint64_t gpa) override
    {
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (gpa >= size_) return nullptr;
            mm::Result<mm::Translation> t = table_.translate(gpa & ~(kPage - 1));
            if (t.ok() && has_write(t.value)) return reinterpret_cast<uint8_t*>(t.value.pa);
            if (resolve_fault(gpa, true) != GuestFault::resolved) return nullptr;
        }
        return nullptr;
    }

    // Copies guest-physical [gpa, gpa + length) out; false when any of it is not RAM. A page
    // never touched reads as zeros (what the guest would see) without being backed.
    bool read(uint64_t gpa, void* out, size_t length) const
    {
        auto* dst = static_cast<uint8_t*>(out);
        if (gpa >= size_ || length > size_ - gpa) return false;
        while (length > 0) {
            size_t offset = gpa % kPage, chunk = kPage - offset;
            if (chunk > length) chunk = length;
            mm::Result<mm::Translation> t = table_.translate(gpa & ~(kPage - 1));
            if (t.ok()) memcpy(dst, reinterpret_cast<const uint8_t*>(t.value.pa) + offset, chunk);
            else memset(dst, 0, chunk);
            dst += chunk;
            gpa += chunk;
            length -= chunk;
        }
        return true;
    }

    uint64_t giant_pages() const { return giant_pages_; }

    // Unmaps and frees every frame of this VM's RAM (the engine's, once shared), then the tables.
    void release()
    {
        if (registered_) {
            sharing_.engine->unregister_vm(registered_vm_);
            registered_ = false;
        }
        for (uint64_t gpa = 0; gpa < size_;) {
            mm::Result<mm::Translation> t = table_.translate(gpa);
            if (!t.ok()) {
                gpa += kPage;
                continue;
            }
            uint64_t bytes = mm::page_bytes(t.value.size);
            uint64_t base = t.value.pa - (gpa - t.value.page_base);
            table_.unmap(t.value.page_base, bytes);
            for (uint64_t off = 0; off < bytes; off += kPage) forget(base + off, (t.value.page_base + off) / kPage);
            frames_.free(base, order_of(t.value.size), owner_);
            gpa = t.value.page_base + bytes;
        }
        size_ = 0;
        giant_pages_ = 0;
        table_.destroy();
    }

    uint64_t size() const { return size_; }
    Table& table() { return table_; }
    const Table& table() const { return table_; }
    uint64_t nested_root() const { return table_.root(); }

private:
    static constexpr uint64_t giant_bytes = 1ull << 30;

    static bool has_write(const mm::Translation& t) { return mm::has(t.attributes.access, mm::Access::w); }
    static unsigned order_of(mm::PageSize size)
    {
        return size == mm::PageSize::size_1g ? mm::kOrder1G : size == mm::PageSize::size_2m ? mm::kOrder2M : mm::kOrder4K;
    }

    // Lazy backing: the whole 2 MiB block while memory is plentiful (the guest keeps large
    // mappings), else, or where part of the block is already mapped, just the 4 KiB page. (Eager
    // backing at start-up ignores the reserves: admission checked that the VM fits.)
    GuestFault back_on_touch(uint64_t gpa)
    {
        if (frames_.free_frames() <= sharing_.growth_reserve_frames) return GuestFault::no_memory;
        uint64_t block = gpa & ~(block_bytes - 1);
        if (frames_.pressure() == mm::PressureState::high) {
            mm::MmError e = back(block, mm::kOrder2M, mm::PageSize::size_2m);
            if (e == mm::MmError::ok) return GuestFault::resolved;
            if (e != mm::MmError::already_mapped && e != mm::MmError::no_memory) return GuestFault::unresolvable;
        }
        mm::MmError e = back(gpa & ~(kPage - 1), mm::kOrder4K, mm::PageSize::size_4k);
        if (e == mm::MmError::ok) return GuestFault::resolved;
        return e == mm::MmError::no_memory ? GuestFault::no_memory : GuestFault::unresolvable;
    }

    // Backs one page of `size` at gpa with a zeroed block, recorded in the reverse map.
    mm::MmError back(uint64_t gpa, unsigned order, mm::PageSize size)
    {
        const mm::Attributes ram{mm::Access::rwx, mm::MemoryType::write_back};
        const uint64_t bytes = mm::page_bytes(size);
        auto block = frames_.alloc(order, owner_);
        if (!block.ok()) return block.error;
        memset(reinterpret_cast<void*>(block.value), 0, bytes);
        uint64_t recorded = 0;
        mm::MmError e = mm::MmError::ok;
        for (; recorded < bytes && sharing_.rmap; recorded += kPage) {
            e = sharing_.rmap->add(block.value + recorded, owner_.vm_id(), (gpa + recorded) / kPage);
            if (e != mm::MmError::ok) break;
        }
        if (e == mm::MmError::ok) e = table_.map(gpa, block.value, bytes, ram, size);
        if (e != mm::MmError::ok) {
            for (uint64_t off = 0; off < recorded && sharing_.rmap; off += kPage)
                sharing_.rmap->remove(block.value + off, owner_.vm_id(), (gpa + off) / kPage);
            frames_.free(block.value, order, owner_);
            return e;
        }
        if (size == mm::PageSize::size_1g) ++giant_pages_;
        return mm::MmError::ok;
    }

    void forget(uint64_t pa, uint64_t gfn)
    {
        if (sharing_.rmap) sharing_.rmap->remove(pa, owner_.vm_id(), gfn);
    }

    mm::FrameAllocator& frames_;
    mm::Owner owner_;
    GuestSharing sharing_;
    mm::IdentityMemory identity_;
    Table table_;
    sharing::TableSpace<Table> space_;
    uint64_t size_ = 0;
    uint64_t giant_pages_ = 0;
    bool registered_ = false;
    uint32_t registered_vm_ = 0;
};

} // namespace sp
