#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "arch/svm/entry_flush.hpp"
#include "arch/svm/vmcb.hpp"

using namespace sp::svm;

TEST_CASE("Entry flush: no request, no flush; the vCPU keeps its ASID", "[svm][tlb]")
{
    AsidAllocator asids(16);
    VcpuAsid v;
    EntryFlush first = plan_entry_flush(asids, v, false, false);
    CHECK(first.asid != 0);
    CHECK(first.tlb_control == tlb_control::nothing);
    for (int i = 0; i < 100; ++i) {
        EntryFlush e = plan_entry_flush(asids, v, false, false);
        CHECK(e.asid == first.asid);
        CHECK(e.tlb_control == tlb_control::nothing);
    }
}

TEST_CASE("Entry flush with FlushByAsid: TLB_CONTROL=3 on the same ASID, once per request", "[svm][tlb]")
{
    AsidAllocator asids(16);
    VcpuAsid v;
    uint32_t asid = plan_entry_flush(asids, v, false, true).asid;
    EntryFlush e = plan_entry_flush(asids, v, true, true);
    CHECK(e.asid == asid);
    CHECK(e.tlb_control == tlb_control::flush_asid);
    CHECK(plan_entry_flush(asids, v, false, true).tlb_control == tlb_control::nothing);
}

TEST_CASE("Entry flush without FlushByAsid: a fresh ASID never used since the last full flush, nothing flushed", "[svm][tlb]")
{
    AsidAllocator asids(16);
    VcpuAsid v;
    std::set<uint32_t> used{plan_entry_flush(asids, v, false, false).asid};
    for (int i = 0; i < 10; ++i) {
        EntryFlush e = plan_entry_flush(asids, v, true, false);
        CHECK(e.tlb_control == tlb_control::nothing);
        CHECK(used.insert(e.asid).second); // not handed out before in this generation
    }
}

TEST_CASE("Entry flush: when fresh ASIDs run out, the new generation's first entry flushes everything", "[svm][tlb]")
{
    AsidAllocator asids(16); // 15 guest ASIDs
    std::vector<VcpuAsid> vcpus(4);
    for (auto& v : vcpus) plan_entry_flush(asids, v, false, false); // ASIDs 1-4
    uint64_t generation = asids.generation();
    std::set<uint32_t> in_generation{1, 2, 3, 4};
    int full_flushes = 0;
    // Flush requests without FlushByAsid burn ASIDs; the generation must turn over.
    for (int round = 0; round < 40; ++round) {
        VcpuAsid& v = vcpus[round % 4];
        EntryFlush e = plan_entry_flush(asids, v, true, false);
        if (asids.generation() != generation) {
            generation = asids.generation();
            in_generation.clear();
            CHECK(e.tlb_control == tlb_control::flush_all);
            ++full_flushes;
        } else {
            CHECK(e.tlb_control == tlb_control::nothing);
        }
        CHECK(in_generation.insert(e.asid).second); // an ASID is never reused within a generation
        CHECK(e.asid >= 1);
        CHECK(e.asid <= 15);
    }
    CHECK(full_flushes == 2); // 4 + 40 ASIDs from generations of 15
    // The others re-enter the current generation with fresh ASIDs; a full flush comes only with
    // another turnover.
    for (auto& v : vcpus) {
        uint64_t before = asids.generation();
        EntryFlush e = plan_entry_flush(asids, v, false, false);
        CHECK((e.tlb_control == tlb_control::flush_all) == (asids.generation() != before));
        CHECK(v.generation == asids.generation());
    }
}

TEST_CASE("Entry flush: FlushByAsid and a generation turnover together still flush everything", "[svm][tlb]")
{
    AsidAllocator asids(3); // 2 guest ASIDs
    VcpuAsid a, b, c;
    plan_entry_flush(asids, a, false, true);
    plan_entry_flush(asids, b, false, true);
    EntryFlush e = plan_entry_flush(asids, c, true, true); // no ASID left: new generation
    CHECK(e.tlb_control == tlb_control::flush_all);
}
