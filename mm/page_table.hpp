// One page-table engine for every entry format: the host's x86-64 tables (HostFormat), Intel
// EPT (EptFormat) and AMD NPT (NptFormat). Depth comes from Format::levels.
//
//   Format  static entry codec (present, is_leaf, make_leaf, attributes, ...), see *_format.hpp
//   Memory  void* to_virt(uint64_t pa): where a table page can be read and written
//   Tlb     void invalidate(const TlbInvalidation&): see tlb.hpp
//
// Table pages come from the FrameAllocator, charged to `owner` (hypervisor for host tables,
// the VM for its EPT/NPT). Invariant: every table page except the root holds at least one
// present entry; unmap() prunes tables that become empty.
//
// Flush rules (what is requested, and why):
//  - unmap, permission reduction, remap to another frame: always, before freed table pages go
//    back to the allocator (paging-structure caches may still point into them).
//  - map into empty entries and pure permission upgrades: no flush. x86 caches no not-present
//    entries, and a stale stricter entry only causes a fault or EPT violation, which makes the
//    CPU drop that translation (SDM 4.10.4.3, 29.4.3.1; APM 15.25.x).
//  - split and merge keep every translation but change the page size. Both vendors require
//    invalidation after changing the page size of a translation (SDM 4.10.4.2 "Recommended
//    Invalidation", AMD APM 5.5.3 and erratum 383), so both flush with page_size_changed set.
//
// All public operations take the table's spinlock.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/lib/panic.hpp"
#include "hv/lib/spinlock.hpp"
#include "mm/attributes.hpp"
#include "mm/frame_allocator.hpp"
#include "mm/mm_error.hpp"
#include "mm/owner.hpp"
#include "mm/tlb.hpp"

namespace sp::mm {

struct Translation {
    uint64_t pa = 0;        // the translated address (page base + offset)
    uint64_t page_base = 0; // input address where the leaf's page starts
    PageSize size = PageSize::size_4k;
    Attributes attributes;
    uint64_t entry = 0;     // raw leaf entry
};

struct Leaf {
    uint64_t va;
    uint64_t pa;
    PageSize size;
    Attributes attributes;
    uint64_t entry;
};

template <typename Format, typename Memory, typename Tlb>
class PageTable {
public:
    static constexpr unsigned kLevels = Format::levels;
    static constexpr unsigned kEntries = 512;
    static constexpr uint64_t kReach = 1ull << (12 + 9 * kLevels); // input addresses covered
    static constexpr uint64_t kPhysLimit = 1ull << 52;

    PageTable(FrameAllocator& frames, Owner owner, Memory& memory, Tlb& tlb, AddressSpaceTag tag)
        : frames_(frames), owner_(owner), memory_(memory), tlb_(tlb), tag_(tag)
    {
    }
    ~PageTable() { destroy(); }
    PageTable(const PageTable&) = delete;
    PageTable& operator=(const PageTable&) = delete;

    // Allocates the root table.
    MmError init()
    {
        SpinGuard guard(lock_);
        if (root_ != kNoPage) return MmError::invalid_argument;
        Result<uint64_t> page = new_table();
        if (!page.ok()) return page.error;
        root_ = page.value;
        return MmError::ok;
    }

    // Removes everything (one flush for the whole space) and frees every table page.
    void destroy()
    {
        SpinGuard guard(lock_);
        if (root_ == kNoPage) return;
        bool had_entries = false;
        uint64_t* root = table(root_);
        for (unsigned i = 0; i < kEntries; ++i)
            if (Format::present(load(root[i]))) had_entries = true;
        if (had_entries) {
            TlbInvalidation request = make_request(0, kReach);
            request.all = true;
            request.tables_freed = true;
            tlb_.invalidate(request);
        }
        free_tree(root_, kLevels - 1);
        root_ = kNoPage;
    }

    uint64_t root() const { return root_; }
    uint64_t table_pages() const { return table_pages_; }
    AddressSpaceTag tag() const { return tag_; }
    // CPUs that may hold translations of this space: the owner of the space adds a CPU before
    // it first runs there (VM entry, CR3 load). Every flush request targets this set.
    CpuSet& cpus() { return cpus_; }

    // Maps [va, va + size) to [pa, pa + size), each piece with the largest page the alignment
    // of both addresses allows, up to max_page. The range must be unmapped.
    MmError map(uint64_t va, uint64_t pa, uint64_t size, const Attributes& attrs,
                PageSize max_page = PageSize::size_1g)
    {
        if (MmError e = check_range(va, size); e != MmError::ok) return e;
        if (pa & (kPageSize - 1)) return MmError::unaligned;
        if (pa + size < pa || pa + size > kPhysLimit) return MmError::overflow;
        if (MmError e = Format::check(attrs); e != MmError::ok) return e;
        unsigned max_level = level_of(max_page) < Format::max_leaf_level ? level_of(max_page) : Format::max_leaf_level;
        SpinGuard guard(lock_);
        if (root_ == kNoPage) return MmError::invalid_argument;
        if (any_mapped(root_, kLevels - 1, va, va + size)) return MmError::already_mapped;
        uint64_t next_pa = pa;
        MmError e = map_level(root_, kLevels - 1, va, va + size, next_pa, attrs, max_level);
        if (e != MmError::ok) clear_range(va, va + size); // the range was empty: back to that
        return e;
    }

    // Removes every mapping in the range; holes are fine. Large pages that stick out of the
    // range are split first so the part outside stays mapped.
    MmError unmap(uint64_t va, uint64_t size)
    {
        if (MmError e = check_range(va, size); e != MmError::ok) return e;
        SpinGuard guard(lock_);
        if (root_ == kNoPage) return MmError::invalid_argument;
        if (MmError e = split_boundaries(va, va + size); e != MmError::ok) return e;
        clear_range(va, va + size);
        return MmError::ok;
    }

    // Sets the access rights of every page in the range (which must be fully mapped), splitting
    // large pages that stick out of it. Flushes when any right is taken away.
    MmError protect(uint64_t va, uint64_t size, Access access)
    {
        if (MmError e = check_range(va, size); e != MmError::ok) return e;
        SpinGuard guard(lock_);
        if (root_ == kNoPage) return MmError::invalid_argument;
        if (!fully_mapped(va, va + size)) return MmError::not_mapped;
        if (MmError e = check_new_access(va, va + size, access); e != MmError::ok) return e;
        if (MmError e = split_boundaries(va, va + size); e != MmError::ok) return e;
        bool reduced = false;
        protect_level(root_, kLevels - 1, va, va + size, access, reduced);
        if (reduced) tlb_.invalidate(make_request(va, size));
        return MmError::ok;
    }

    // Points the existing page at va (which must be its first byte) at another frame, with new
    // attributes, keeping the page size. Always flushes: the old frame may be reused at once.
    MmError remap(uint64_t va, uint64_t pa, const Attributes& attrs)
    {
        if (va & (kPageSize - 1) || pa & (kPageSize - 1)) return MmError::unaligned;
        if (va >= kReach) return MmError::overflow;
        if (MmError e = Format::check(attrs); e != MmError::ok) return e;
        SpinGuard guard(lock_);
        uint64_t* slot = nullptr;
        unsigned level = 0;
        if (root_ == kNoPage || !find_leaf(va, slot, level)) return MmError::not_mapped;
        uint64_t span = level_bytes(level);
        if ((va & (span - 1)) || (pa & (span - 1))) return MmError::unaligned;
        if (pa + span > kPhysLimit) return MmError::overflow;
        __atomic_exchange_n(slot, Format::make_leaf(pa, attrs, level), __ATOMIC_ACQ_REL);
        tlb_.invalidate(make_request(va, span));
        return MmError::ok;
    }

    Result<Translation> translate(uint64_t va) const
    {
        if (va >= kReach) return Result<Translation>::failure(MmError::overflow);
        SpinGuard guard(lock_);
        uint64_t* slot = nullptr;
        unsigned level = 0;
        if (root_ == kNoPage || !find_leaf(va, slot, level)) return Result<Translation>::failure(MmError::not_mapped);
        uint64_t e = load(*slot);
        Translation t;
        t.size = static_cast<PageSize>(level);
        t.page_base = va & ~(level_bytes(level) - 1);
        t.pa = Format::leaf_address(e, level) + (va - t.page_base);
        t.attributes = Format::attributes(e, level);
        t.entry = e;
        return Result<Translation>::success(t);
    }

    // Calls visit(const Leaf&) for every mapping in address order.
    template <typename Visit>
    void walk(Visit&& visit) const
    {
        SpinGuard guard(lock_);
        if (root_ != kNoPage) walk_level(root_, kLevels - 1, 0, visit);
    }

    // Replaces the large page holding va with 512 pages of the next smaller size, keeping the
    // translation and every attribute bit.
    MmError split(uint64_t va)
    {
        if (va >= kReach) return MmError::overflow;
        SpinGuard guard(lock_);
        uint64_t* slot = nullptr;
        unsigned level = 0;
        if (root_ == kNoPage || !find_leaf(va, slot, level)) return MmError::not_mapped;
        if (level == 0) return MmError::not_large_page;
        return split_entry(slot, level, va & ~(level_bytes(level) - 1));
    }

    // Replaces the table under the entry for [va, va + size) with one leaf of that size, when
    // its 512 entries are leaves mapping physically contiguous memory, aligned to the new size,
    // with identical attributes (accessed/dirty, which hardware sets, are OR-ed together).
    MmError merge(uint64_t va, PageSize size)
    {
        unsigned level = level_of(size);
        if (level == 0 || level > Format::max_leaf_level) return MmError::invalid_argument;
        uint64_t span = level_bytes(level);
        if (va & (span - 1)) return MmError::unaligned;
        if (va >= kReach) return MmError::overflow;
        SpinGuard guard(lock_);
        if (root_ == kNoPage) return MmError::invalid_argument;
        uint64_t* slot = entry_at(va, level);
        if (slot == nullptr) return MmError::not_mapped;
        uint64_t parent = load(*slot);
        if (!Format::present(parent)) return MmError::not_mapped;
        if (Format::is_leaf(parent, level)) return MmError::not_mergeable;
        uint64_t child_pa = Format::table_address(parent);
        uint64_t* child = table(child_pa);
        const unsigned child_level = level - 1;
        const uint64_t child_span = level_bytes(child_level);
        uint64_t first = load(child[0]);
        if (!Format::present(first) || !Format::is_leaf(first, child_level)) return MmError::not_mergeable;
        const uint64_t base = Format::leaf_address(first, child_level);
        if (base & (span - 1)) return MmError::not_mergeable;
        const uint64_t flags = (first & ~Format::address_mask(child_level)) & ~Format::kHardwareBits;
        uint64_t hardware = 0;
        for (unsigned i = 0; i < kEntries; ++i) {
            uint64_t e = load(child[i]);
            if (!Format::present(e) || !Format::is_leaf(e, child_level)) return MmError::not_mergeable;
            if (Format::leaf_address(e, child_level) != base + i * child_span) return MmError::not_mergeable;
            if (((e & ~Format::address_mask(child_level)) & ~Format::kHardwareBits) != flags) return MmError::not_mergeable;
            hardware |= e & Format::kHardwareBits;
        }
        // Hardware may still set A/D in the child entries until the flush; they are folded in
        // above as of now, which only loses bits the guest sets during the merge itself.
        store(*slot, Format::leaf_flags_at(flags | hardware, child_level, level) | base);
        TlbInvalidation request = make_request(va, span);
        request.page_size_changed = true;
        request.tables_freed = true;
        tlb_.invalidate(request);
        release_table(child_pa);
        return MmError::ok;
    }

    // Table pages reachable from the root (for leak checks; equals table_pages()).
    uint64_t count_tables() const
    {
        SpinGuard guard(lock_);
        return root_ == kNoPage ? 0 : count_level(root_, kLevels - 1);
    }

private:
    static constexpr uint64_t kNoPage = ~0ull;

    static uint64_t load(const uint64_t& e) { return __atomic_load_n(&e, __ATOMIC_RELAXED); }
    // Release: a new table's zeroed/filled contents are visible before the entry that links it.
    static void store(uint64_t& e, uint64_t v) { __atomic_store_n(&e, v, __ATOMIC_RELEASE); }
    static unsigned index(uint64_t va, unsigned level) { return (va >> (12 + 9 * level)) & (kEntries - 1); }

    uint64_t* table(uint64_t pa) const { return static_cast<uint64_t*>(memory_.to_virt(pa)); }

    static MmError check_range(uint64_t va, uint64_t size)
    {
        if (size == 0) return MmError::invalid_argument;
        if ((va | size) & (kPageSize - 1)) return MmError::unaligned;
        if (va + size < va || va + size > kReach) return MmError::overflow;
        return MmError::ok;
    }

    TlbInvalidation make_request(uint64_t va, uint64_t size) const
    {
        TlbInvalidation r;
        r.cpus = cpus_;
        r.space = tag_;
        r.base = va;
        r.size = size;
        return r;
    }

    Result<uint64_t> new_table()
    {
        Result<uint64_t> page = frames_.alloc(kOrder4K, owner_);
        if (!page.ok()) return page;
        uint64_t* t = table(page.value);
        for (unsigned i = 0; i < kEntries; ++i) t[i] = 0;
        ++table_pages_;
        return page;
    }

    void release_table(uint64_t pa)
    {
        MmError e = frames_.free(pa, kOrder4K, owner_);
        SP_ASSERT(e == MmError::ok);
        --table_pages_;
    }

    // Pointer to the entry that controls va at `level`, or nullptr when a level above is not
    // present or is a leaf.
    uint64_t* entry_at(uint64_t va, unsigned level) const
    {
        uint64_t t = root_;
        for (unsigned l = kLevels - 1;; --l) {
            uint64_t* slot = &table(t)[index(va, l)];
            if (l == level) return slot;
            uint64_t e = load(*slot);
            if (!Format::present(e) || Format::is_leaf(e, l)) return nullptr;
            t = Format::table_address(e);
        }
    }

    bool find_leaf(uint64_t va, uint64_t*& slot, unsigned& level) const
    {
        uint64_t t = root_;
        for (unsigned l = kLevels - 1;; --l) {
            uint64_t* s = &table(t)[index(va, l)];
            uint64_t e = load(*s);
            if (!Format::present(e)) return false;
            if (Format::is_leaf(e, l)) {
                slot = s;
                level = l;
                return true;
            }
            SP_ASSERT(l > 0);
            t = Format::table_address(e);
        }
    }

    bool any_mapped(uint64_t t, unsigned level, uint64_t va, uint64_t end) const
    {
        uint64_t* entries = table(t);
        while (va < end) {
            uint64_t span = level_bytes(level);
            uint64_t chunk_end = (va & ~(span - 1)) + span;
            if (chunk_end > end || chunk_end == 0) chunk_end = end;
            uint64_t e = load(entries[index(va, level)]);
            if (Format::present(e)) {
                if (Format::is_leaf(e, level)) return true;
                if (any_mapped(Format::table_address(e), level - 1, va, chunk_end)) return true;
            }
            va = chunk_end;
        }
        return false;
    }

    bool fully_mapped(uint64_t va, uint64_t end) const
    {
        while (va < end) {
            uint64_t* slot = nullptr;
            unsigned level = 0;
            if (!find_leaf(va, slot, level)) return false;
            va = (va & ~(level_bytes(level) - 1)) + level_bytes(level);
            if (va == 0) break;
        }
        return true;
    }

    // All leaves in the (fully mapped) range must be able to take the new rights.
    MmError check_new_access(uint64_t va, uint64_t end, Access access) const
    {
        while (va < end) {
            uint64_t* slot = nullptr;
            unsigned level = 0;
            SP_ASSERT(find_leaf(va, slot, level));
            Attributes a = Format::attributes(load(*slot), level);
            a.access = access;
            if (MmError e = Format::check(a); e != MmError::ok) return e;
            va = (va & ~(level_bytes(level) - 1)) + level_bytes(level);
        }
        return MmError::ok;
    }

    MmError map_level(uint64_t t, unsigned level, uint64_t va, uint64_t end, uint64_t& pa,
                      const Attributes& attrs, unsigned max_level)
    {
        uint64_t* entries = table(t);
        while (va < end) {
            const uint64_t span = level_bytes(level);
            uint64_t chunk_end = (va & ~(span - 1)) + span;
            if (chunk_end > end) chunk_end = end;
            uint64_t& slot = entries[index(va, level)];
            uint64_t e = load(slot);
            if (level <= max_level && ((va | pa) & (span - 1)) == 0 && chunk_end - va == span) {
                SP_ASSERT(!Format::present(e));
                store(slot, Format::make_leaf(pa, attrs, level));
                pa += span;
            } else {
                SP_ASSERT(level > 0);
                if (!Format::present(e)) {
                    Result<uint64_t> page = new_table();
                    if (!page.ok()) return page.error;
                    e = Format::make_table(page.value);
                    store(slot, e);
                }
                SP_ASSERT(!Format::is_leaf(e, level));
                if (MmError err = map_level(Format::table_address(e), level - 1, va, chunk_end, pa, attrs, max_level);
                    err != MmError::ok)
                    return err;
            }
            va = chunk_end;
        }
        return MmError::ok;
    }

    MmError split_entry(uint64_t* slot, unsigned level, uint64_t va)
    {
        uint64_t e = load(*slot);
        Result<uint64_t> page = new_table();
        if (!page.ok()) return page.error;
        uint64_t* child = table(page.value);
        const uint64_t base = Format::leaf_address(e, level);
        const uint64_t child_span = level_bytes(level - 1);
        const uint64_t flags = Format::leaf_flags_at(e, level, level - 1);
        for (unsigned i = 0; i < kEntries; ++i) child[i] = flags | (base + i * child_span);
        // Exchange so accessed/dirty bits set since the copy are not lost silently.
        uint64_t old = __atomic_exchange_n(slot, Format::make_table(page.value), __ATOMIC_ACQ_REL);
        if ((old & Format::kHardwareBits) != (e & Format::kHardwareBits))
            for (unsigned i = 0; i < kEntries; ++i) child[i] |= old & Format::kHardwareBits;
        TlbInvalidation request = make_request(va, level_bytes(level));
        request.page_size_changed = true;
        tlb_.invalidate(request);
        return MmError::ok;
    }

    // Splits large leaves that cover `at` without starting there, until `at` is a boundary.
    MmError split_at(uint64_t at)
    {
        if (at >= kReach) return MmError::ok;
        for (;;) {
            uint64_t* slot = nullptr;
            unsigned level = 0;
            if (!find_leaf(at, slot, level) || level == 0) return MmError::ok;
            uint64_t base = at & ~(level_bytes(level) - 1);
            if (base == at) return MmError::ok;
            if (MmError e = split_entry(slot, level, base); e != MmError::ok) return e;
        }
    }

    MmError split_boundaries(uint64_t va, uint64_t end)
    {
        if (MmError e = split_at(va); e != MmError::ok) return e;
        return split_at(end);
    }

    // Clears every leaf in [va, end) (boundaries already split), prunes emptied tables, flushes
    // once, and only then frees the pruned table pages.
    void clear_range(uint64_t va, uint64_t end)
    {
        uint64_t freed = kNoPage; // pruned table pages, linked through their first entry
        bool removed = clear_level(root_, kLevels - 1, va, end, freed);
        if (removed) {
            TlbInvalidation request = make_request(va, end - va);
            request.tables_freed = freed != kNoPage;
            tlb_.invalidate(request);
        }
        while (freed != kNoPage) {
            uint64_t next = table(freed)[0];
            release_table(freed);
            freed = next;
        }
    }

    bool clear_level(uint64_t t, unsigned level, uint64_t va, uint64_t end, uint64_t& freed)
    {
        uint64_t* entries = table(t);
        bool removed = false;
        while (va < end) {
            const uint64_t span = level_bytes(level);
            uint64_t chunk_end = (va & ~(span - 1)) + span;
            if (chunk_end > end || chunk_end == 0) chunk_end = end;
            uint64_t& slot = entries[index(va, level)];
            uint64_t e = load(slot);
            if (Format::present(e)) {
                if (Format::is_leaf(e, level)) {
                    SP_ASSERT((va & (span - 1)) == 0 && chunk_end - va == span);
                    __atomic_exchange_n(&slot, 0, __ATOMIC_ACQ_REL);
                    removed = true;
                } else {
                    uint64_t child = Format::table_address(e);
                    removed |= clear_level(child, level - 1, va, chunk_end, freed);
                    if (table_empty(child)) {
                        store(slot, 0);
                        table(child)[0] = freed;
                        freed = child;
                    }
                }
            }
            va = chunk_end;
        }
        return removed;
    }

    bool table_empty(uint64_t t) const
    {
        const uint64_t* entries = table(t);
        for (unsigned i = 0; i < kEntries; ++i)
            if (Format::present(load(entries[i]))) return false;
        return true;
    }

    void protect_level(uint64_t t, unsigned level, uint64_t va, uint64_t end, Access access, bool& reduced)
    {
        uint64_t* entries = table(t);
        while (va < end) {
            const uint64_t span = level_bytes(level);
            uint64_t chunk_end = (va & ~(span - 1)) + span;
            if (chunk_end > end || chunk_end == 0) chunk_end = end;
            uint64_t& slot = entries[index(va, level)];
            uint64_t e = load(slot);
            SP_ASSERT(Format::present(e));
            if (Format::is_leaf(e, level)) {
                Access old_access = Format::attributes(e, level).access;
                if (without(old_access, access) != Access::none) reduced = true;
                // CAS loop: the CPU may set accessed/dirty concurrently.
                uint64_t desired = Format::with_access(e, access);
                while (!__atomic_compare_exchange_n(&slot, &e, desired, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
                    desired = Format::with_access(e, access);
            } else {
                protect_level(Format::table_address(e), level - 1, va, chunk_end, access, reduced);
            }
            va = chunk_end;
        }
    }

    template <typename Visit>
    void walk_level(uint64_t t, unsigned level, uint64_t base, Visit& visit) const
    {
        const uint64_t* entries = table(t);
        for (unsigned i = 0; i < kEntries; ++i) {
            uint64_t e = load(entries[i]);
            if (!Format::present(e)) continue;
            uint64_t va = base + i * level_bytes(level);
            if (Format::is_leaf(e, level)) {
                visit(Leaf{va, Format::leaf_address(e, level), static_cast<PageSize>(level),
                           Format::attributes(e, level), e});
            } else {
                walk_level(Format::table_address(e), level - 1, va, visit);
            }
        }
    }

    uint64_t count_level(uint64_t t, unsigned level) const
    {
        uint64_t n = 1;
        if (level == 0) return n;
        const uint64_t* entries = table(t);
        for (unsigned i = 0; i < kEntries; ++i) {
            uint64_t e = load(entries[i]);
            if (Format::present(e) && !Format::is_leaf(e, level)) n += count_level(Format::table_address(e), level - 1);
        }
        return n;
    }

    void free_tree(uint64_t t, unsigned level)
    {
        if (level > 0) {
            uint64_t* entries = table(t);
            for (unsigned i = 0; i < kEntries; ++i) {
                uint64_t e = load(entries[i]);
                if (Format::present(e) && !Format::is_leaf(e, level)) free_tree(Format::table_address(e), level - 1);
                entries[i] = 0;
            }
        }
        release_table(t);
    }

    FrameAllocator& frames_;
    Owner owner_;
    Memory& memory_;
    Tlb& tlb_;
    AddressSpaceTag tag_;
    CpuSet cpus_;
    mutable Spinlock lock_;
    uint64_t root_ = kNoPage;
    uint64_t table_pages_ = 0;
};

} // namespace sp::mm
