// A VM's RAM: zeroed frames from the allocator, charged to the VM, mapped at guest-physical
// [0, size) in its nested page table (EPT or NPT: the format is a parameter) with the largest
// pages alignment allows: 1 GiB pages where the CPU supports them in the nested table and the
// allocator has an aligned free GiB, 2 MiB pages otherwise. Every frame is zeroed before the guest can read it, so nothing of
// another VM or the hypervisor leaks through.
#pragma once
#include <stdint.h>
#include <string.h>

#include "mm/frame_allocator.hpp"
#include "mm/page_table.hpp"
#include "mm/physical_memory.hpp"

namespace sp {

template <typename Format, typename Tlb>
class GuestMemory {
public:
    using Table = mm::PageTable<Format, mm::IdentityMemory, Tlb>;
    static constexpr uint64_t block_bytes = 2ull << 20;

    GuestMemory(mm::FrameAllocator& frames, mm::Owner owner, Tlb& tlb, mm::AddressSpaceTag tag)
        : frames_(frames), owner_(owner), table_(frames, owner, identity_, tlb, tag)
    {
    }
    ~GuestMemory() { release(); }

    // Backs [0, bytes) (a multiple of 2 MiB), with 1 GiB pages where `use_1g` and possible. On
    // failure everything taken is given back.
    mm::MmError init(uint64_t bytes, bool use_1g = false)
    {
        if (bytes == 0 || bytes % block_bytes) return mm::MmError::unaligned;
        if (mm::MmError e = table_.init(); e != mm::MmError::ok) return e;
        for (uint64_t gpa = 0; gpa < bytes;) {
            bool giant = use_1g && gpa % giant_bytes == 0 && bytes - gpa >= giant_bytes;
            if (giant && back(gpa, mm::kOrder1G, giant_bytes, mm::PageSize::size_1g) == mm::MmError::ok) {
                gpa += giant_bytes;
                continue;
            }
            if (mm::MmError e = back(gpa, mm::kOrder2M, block_bytes, mm::PageSize::size_2m); e != mm::MmError::ok) {
                release();
                return e;
            }
            gpa += block_bytes;
        }
        return mm::MmError::ok;
    }

    uint64_t giant_pages() const { return giant_pages_; }

    // Host pointer to guest-physical [gpa, gpa + len), or nullptr when any of it is not RAM.
    void* host_pointer(uint64_t gpa, uint64_t len)
    {
        if (gpa >= size_ || len > size_ - gpa) return nullptr;
        auto t = table_.translate(gpa);
        if (!t.ok()) return nullptr;
        // Blocks are 2 MiB and contiguous inside: a range may not cross a block boundary.
        if ((gpa % block_bytes) + len > block_bytes) return nullptr;
        return reinterpret_cast<void*>(t.value.pa);
    }

    // Unmaps and frees every frame of this VM's RAM, then the tables.
    void release()
    {
        for (uint64_t gpa = 0; gpa < size_;) {
            auto t = table_.translate(gpa);
            if (!t.ok()) {
                gpa += block_bytes;
                continue;
            }
            bool giant = t.value.size == mm::PageSize::size_1g;
            uint64_t bytes = giant ? giant_bytes : block_bytes;
            table_.unmap(t.value.page_base, bytes);
            frames_.free(t.value.pa - (gpa - t.value.page_base), giant ? mm::kOrder1G : mm::kOrder2M, owner_);
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

    mm::MmError back(uint64_t gpa, unsigned order, uint64_t bytes, mm::PageSize size)
    {
        const mm::Attributes ram{mm::Access::rwx, mm::MemoryType::write_back};
        auto block = frames_.alloc(order, owner_);
        if (!block.ok()) return block.error;
        memset(reinterpret_cast<void*>(block.value), 0, bytes);
        if (mm::MmError e = table_.map(gpa, block.value, bytes, ram, size); e != mm::MmError::ok) {
            frames_.free(block.value, order, owner_);
            return e;
        }
        size_ = gpa + bytes;
        if (size == mm::PageSize::size_1g) ++giant_pages_;
        return mm::MmError::ok;
    }

    mm::FrameAllocator& frames_;
    mm::Owner owner_;
    mm::IdentityMemory identity_;
    Table table_;
    uint64_t size_ = 0;
    uint64_t giant_pages_ = 0;
};

} // namespace sp
