#include <catch2/catch.hpp>

#include <vector>

#include "arch/vmx/ept_tlb.hpp"
#include "arch/vmx/vpid_allocator.hpp"
#include "vmx_test_support.hpp"

using namespace sp::vmx;

TEST_CASE("VPIDs are handed out lowest first, never 0, and reused only after release", "[vmx][vpid]")
{
    VpidAllocator a(4);
    CHECK(a.allocate() == 1);
    CHECK(a.allocate() == 2);
    CHECK(a.allocate() == 3);
    CHECK(a.allocate() == 4);
    CHECK(a.allocate() == 0); // exhausted: the vCPU runs without VPID
    CHECK(a.in_use() == 4);
    CHECK(a.release(2));
    CHECK_FALSE(a.release(2)); // not taken any more
    CHECK_FALSE(a.release(0));
    CHECK_FALSE(a.release(5));
    CHECK(a.allocate() == 2);
    CHECK(a.allocate() == 0);

    VpidAllocator full;
    CHECK(full.limit() == 0xffff);
    uint32_t in_order = 0;
    while (full.allocate() == in_order + 1) ++in_order;
    CHECK(in_order == 0xffff); // every VPID once, in order, then 0
    CHECK(full.allocate() == 0);
}

namespace {
struct Call {
    char what; // 'e' INVEPT, 'v' INVVPID
    int type;
    uint64_t operand;
    bool operator==(const Call&) const = default;
};
struct RecordingCpu {
    std::vector<Call> calls;
    void invept(InveptType t, uint64_t eptp) { calls.push_back({'e', static_cast<int>(t), eptp}); }
    void invvpid(InvvpidType t, uint16_t vpid) { calls.push_back({'v', static_cast<int>(t), vpid}); }
};

sp::mm::TlbInvalidation request_on_cpu0()
{
    sp::mm::TlbInvalidation r;
    r.cpus.add(0);
    r.space = {sp::mm::AddressSpaceKind::ept, 7};
    r.base = 0x200000;
    r.size = 0x1000;
    return r;
}
} // namespace

TEST_CASE("EPT changes end in a single-context INVEPT of the VM's EPTP once it has run", "[vmx][tlb]")
{
    RecordingCpu cpu;
    EptTlb<RecordingCpu> tlb(cpu, invalidation_support(test::bochs_haswell().ept_vpid_cap));
    tlb.invalidate(request_on_cpu0()); // before the EPTP is known nothing can be cached
    CHECK(cpu.calls.empty());
    CHECK(tlb.requests() == 1);

    tlb.attach(0x2000000 | 0x1e);
    tlb.invalidate(request_on_cpu0());
    auto split = request_on_cpu0();
    split.page_size_changed = true;
    tlb.invalidate(split);
    auto freed = request_on_cpu0();
    freed.all = freed.tables_freed = true;
    tlb.invalidate(freed);
    std::vector<Call> expected(3, Call{'e', 1, 0x2000000 | 0x1e});
    CHECK(cpu.calls == expected);
    CHECK(tlb.ept_flushes() == 3);

    sp::mm::TlbInvalidation nobody = request_on_cpu0();
    nobody.cpus.remove(0); // no CPU has run the VM: nothing to drop
    tlb.invalidate(nobody);
    CHECK(cpu.calls.size() == 3);
}

TEST_CASE("Without single-context support the policy falls back to all-context flushes", "[vmx][tlb]")
{
    RecordingCpu cpu;
    uint64_t cap = test::bochs_haswell().ept_vpid_cap & ~(ept_cap::invept_single | ept_cap::invvpid_single);
    EptTlb<RecordingCpu> tlb(cpu, invalidation_support(cap));
    tlb.attach(0x3000000 | 0x1e);
    tlb.invalidate(request_on_cpu0());
    tlb.retire_vpid(5);
    CHECK(cpu.calls == std::vector<Call>{{'e', 2, 0}, {'v', 2, 0}});
}

TEST_CASE("A VPID is flushed single-context before it is reused; VPID 0 needs nothing", "[vmx][tlb]")
{
    RecordingCpu cpu;
    EptTlb<RecordingCpu> tlb(cpu, invalidation_support(test::bochs_haswell().ept_vpid_cap));
    tlb.retire_vpid(9);
    tlb.retire_vpid(0);
    CHECK(cpu.calls == std::vector<Call>{{'v', 1, 9}});
    CHECK(tlb.vpid_flushes() == 1);
}
