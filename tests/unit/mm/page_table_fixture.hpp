// A page table of a given format on fake physical memory, plus helpers that read it back.
#pragma once
#include <vector>

#include "mm/ept_format.hpp"
#include "mm/page_table.hpp"
#include "mm/x86_paging_format.hpp"
#include "mm_test_support.hpp"

namespace sp::mm::test {

template <typename Format>
struct TableFixture {
    using Table = PageTable<Format, FakeMemory, RecordingTlb>;

    explicit TableFixture(uint64_t table_memory = 4ull << 20, Owner table_owner = Owner::vm(7))
        : machine(table_memory), owner(table_owner),
          table(machine.allocator, table_owner, machine.memory, tlb, AddressSpaceTag{AddressSpaceKind::ept, 42})
    {
        table.cpus().add(0);
        table.cpus().add(3);
        if (table.init() != MmError::ok) std::abort();
    }

    std::vector<Leaf> leaves()
    {
        std::vector<Leaf> out;
        table.walk([&](const Leaf& l) { out.push_back(l); });
        return out;
    }

    // Raw pointer to the entry at `level` for va (the test pokes hardware-set bits through it).
    uint64_t* entry(uint64_t va, unsigned level)
    {
        uint64_t t = table.root();
        for (unsigned l = Format::levels - 1;; --l) {
            uint64_t* slot = static_cast<uint64_t*>(machine.memory.to_virt(t)) + ((va >> (12 + 9 * l)) & 511);
            if (l == level) return slot;
            t = Format::table_address(*slot);
        }
    }

    bool flushed(uint64_t va, uint64_t size, size_t from = 0) const
    {
        return tlb.covers(va, size, table.tag(), CpuSet::single(0) | CpuSet::single(3), from);
    }

    TestMachine machine;
    Owner owner;
    RecordingTlb tlb;
    Table table;
};

using AllFormats = std::tuple<HostFormat<4>, EptFormat<4>, NptFormat<4>>;

} // namespace sp::mm::test
