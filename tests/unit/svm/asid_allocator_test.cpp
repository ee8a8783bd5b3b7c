#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "arch/svm/asid_allocator.hpp"

using sp::svm::AsidAllocator;
using sp::svm::VcpuAsid;

TEST_CASE("Each vCPU keeps its own non-zero ASID while there are enough", "[svm][asid]")
{
    AsidAllocator asids(16); // as QEMU's SVM reports
    std::vector<VcpuAsid> vcpus(15);
    std::set<uint32_t> seen;
    for (auto& v : vcpus) {
        auto a = asids.assign(v);
        CHECK(a.asid != 0);
        CHECK_FALSE(a.flush_all);
        seen.insert(a.asid);
    }
    CHECK(seen.size() == 15);
    for (auto& v : vcpus) { // re-entry: same ASID, no flush
        uint32_t before = v.asid;
        auto a = asids.assign(v);
        CHECK(a.asid == before);
        CHECK_FALSE(a.flush_all);
    }
}

TEST_CASE("When VMs outnumber ASIDs a new generation starts with one full flush", "[svm][asid]")
{
    AsidAllocator asids(4); // ASIDs 1..3
    std::vector<VcpuAsid> vcpus(5);
    for (int i = 0; i < 3; ++i) asids.assign(vcpus[i]);
    auto a = asids.assign(vcpus[3]);
    CHECK(a.asid == 1);
    CHECK(a.flush_all);           // recycled ASIDs may still have translations cached
    CHECK(asids.generation() == 2);
    auto b = asids.assign(vcpus[0]); // old generation: re-assigned, no second flush
    CHECK(b.asid == 2);
    CHECK_FALSE(b.flush_all);
    CHECK(vcpus[0].generation == 2);
}

TEST_CASE("Asking for a fresh ASID gives a different one: the flush without FlushByAsid", "[svm][asid]")
{
    AsidAllocator asids(16);
    VcpuAsid v;
    uint32_t first = asids.assign(v).asid;
    auto fresh = asids.assign(v, true);
    CHECK(fresh.asid != first);
    CHECK(fresh.asid != 0);
}
