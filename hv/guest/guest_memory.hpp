// A VM's RAM: zeroed frames from the allocator, charged to the VM, mapped at guest-physical
// [0, size) in its nested page table (EPT or NPT: the format is a parameter) with the largest
// pages alignment allows. Every frame is zeroed before the guest can read it, so nothing of
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

    // Backs [0, bytes) (a multiple of 2 MiB). On failure everything taken is given back.
    mm::MmError init(uint64_t bytes)
    {
        if (bytes == 0 || bytes % block_bytes) return mm::MmError::unaligned;
        if (mm::MmError e = table_.init(); e != mm::MmError::ok) return e;
        const mm::Attributes ram{mm::Access::rwx, mm::MemoryType::write_back};
        for (uint64_t gpa = 0; gpa < bytes; gpa += block_bytes) {
            auto block = frames_.alloc(mm::kOrder2M, owner_);
            if (!block.ok()) {
                release();
                return block.error;
            }
            memset(reinterpret_cast<void*>(block.value), 0, block_bytes);
            if (mm::MmError e = table_.map(gpa, block.value, block_bytes, ram, mm::PageSize::size_2m);
                e != mm::MmError::ok) {
                frames_.free(block.value, mm::kOrder2M, owner_);
                release();
                return e;
            }
            size_ = gpa + block_bytes;
        }
        return mm::MmError::ok;
    }

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
        for (uint64_t gpa = 0; gpa < size_; gpa += block_bytes) {
            auto t = table_.translate(gpa);
            if (t.ok()) {
                table_.unmap(gpa, block_bytes);
                frames_.free(t.value.pa, mm::kOrder2M, owner_);
            }
        }
        size_ = 0;
        table_.destroy();
    }

    uint64_t size() const { return size_; }
    Table& table() { return table_; }
    const Table& table() const { return table_; }
    uint64_t nested_root() const { return table_.root(); }

private:
    mm::FrameAllocator& frames_;
    mm::Owner owner_;
    mm::IdentityMemory identity_;
    Table table_;
    uint64_t size_ = 0;
};

} // namespace sp
