#include <catch2/catch.hpp>

#include <string>

#include "hv/guest/nested_audit.hpp"
#include "page_table_fixture.hpp"

using namespace sp::mm;
using sp::NestedAudit;

namespace {

constexpr uint64_t MiB = 1ull << 20;
const Attributes rwx{Access::rwx, MemoryType::write_back};
const Attributes rx{Access::rx, MemoryType::write_back};

struct AuditFixture : test::TableFixture<NptFormat<4>> {
    AuditFixture() : test::TableFixture<NptFormat<4>>(64 * MiB) {}

    uint64_t frame_of(Owner o, unsigned order = kOrder4K)
    {
        auto f = machine.allocator.alloc(order, o);
        REQUIRE(f.ok());
        return f.value;
    }
    NestedAudit audit(uint64_t ram = 16 * MiB)
    {
        NestedAudit a;
        sp::audit_nested_table(table, machine.allocator, owner, ram, a);
        return a;
    }
};

} // namespace

TEST_CASE("Audit: RAM mapped with the VM's own frames, 2 MiB and 4 KiB, passes and counts every frame", "[mm][audit]")
{
    AuditFixture f;
    REQUIRE(f.table.map(0, f.frame_of(f.owner, kOrder2M), 2 * MiB, rwx, PageSize::size_2m) == MmError::ok);
    REQUIRE(f.table.map(2 * MiB, f.frame_of(f.owner), 4096, rwx, PageSize::size_4k) == MmError::ok);
    NestedAudit a = f.audit();
    INFO(a.problem);
    CHECK(a.ok);
    CHECK(a.leaves == 2);
    CHECK(a.frames == 513);
}

TEST_CASE("Audit: a frame of another VM, of the hypervisor or a free frame fails, naming the holder", "[mm][audit]")
{
    struct Case {
        Owner holder;
        const char* named;
    };
    for (Case c : {Case{Owner::vm(8), "of vm 8"}, Case{Owner::hypervisor(), "of the hypervisor"}}) {
        AuditFixture f;
        REQUIRE(f.table.map(0, f.frame_of(f.owner), 4096, rwx, PageSize::size_4k) == MmError::ok);
        REQUIRE(f.table.map(4096, f.frame_of(c.holder), 4096, rwx, PageSize::size_4k) == MmError::ok);
        NestedAudit a = f.audit();
        CHECK_FALSE(a.ok);
        CHECK_THAT(std::string(a.problem), Catch::Contains("gpa 0x1000") && Catch::Contains(c.named));
    }
    AuditFixture f;
    uint64_t stale = f.frame_of(f.owner);
    REQUIRE(f.table.map(0, stale, 4096, rwx, PageSize::size_4k) == MmError::ok);
    REQUIRE(f.machine.allocator.free(stale, kOrder4K, f.owner) == MmError::ok); // freed but still mapped
    NestedAudit a = f.audit();
    CHECK_FALSE(a.ok);
    CHECK_THAT(std::string(a.problem), Catch::Contains("nobody (free)"));
}

TEST_CASE("Audit: a shared-pool frame passes read-only and fails writable", "[mm][audit]")
{
    AuditFixture f;
    uint64_t shared = f.frame_of(Owner::shared());
    REQUIRE(f.table.map(0, shared, 4096, rx, PageSize::size_4k) == MmError::ok);
    CHECK(f.audit().ok);
    REQUIRE(f.table.map(4096, shared, 4096, rwx, PageSize::size_4k) == MmError::ok);
    NestedAudit a = f.audit();
    CHECK_FALSE(a.ok);
    CHECK_THAT(std::string(a.problem), Catch::Contains("the shared pool, writable"));
}

TEST_CASE("Audit: a mapping beyond the VM's RAM fails even with the VM's own frame", "[mm][audit]")
{
    AuditFixture f;
    REQUIRE(f.table.map(16 * MiB, f.frame_of(f.owner), 4096, rwx, PageSize::size_4k) == MmError::ok);
    NestedAudit a = f.audit(16 * MiB);
    CHECK_FALSE(a.ok);
    CHECK_THAT(std::string(a.problem), Catch::Contains("beyond the VM's RAM"));
}
