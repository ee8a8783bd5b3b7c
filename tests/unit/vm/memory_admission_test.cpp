#include <catch2/catch.hpp>

#include "hv/vm/memory_admission.hpp"

using namespace sp::vm;

namespace {
constexpr uint64_t MiB = 1ull << 20;

AdmissionRequest host_of(uint64_t guest_mib, uint32_t percent)
{
    AdmissionRequest r;
    r.guest_memory_bytes = guest_mib * MiB;
    r.overcommit_percent = percent;
    r.free_bytes = guest_mib * MiB;
    r.min_free_bytes = 16 * MiB;
    return r;
}
} // namespace

TEST_CASE("A VM that fits in free memory above min_free is backed at once", "[vm][admission]")
{
    AdmissionRequest r = host_of(400, 150);
    r.vm_bytes = 384 * MiB;
    Admission a = admit_vm(r);
    CHECK(a.backing == Backing::eager);
    CHECK(a.limit_bytes == 600 * MiB);
    r.want_lazy = true;
    CHECK(admit_vm(r).backing == Backing::lazy);
}

TEST_CASE("A VM beyond free memory but within the overcommit limit is backed lazily", "[vm][admission]")
{
    AdmissionRequest r = host_of(400, 150);
    r.committed_bytes = 300 * MiB;
    r.free_bytes = 100 * MiB;
    r.vm_bytes = 300 * MiB; // 600 of 600 allowed
    CHECK(admit_vm(r).backing == Backing::lazy);
    r.vm_bytes = 85 * MiB; // fits only by ignoring min_free
    CHECK(admit_vm(r).backing == Backing::lazy);
    r.vm_bytes = 84 * MiB;
    CHECK(admit_vm(r).backing == Backing::eager);
}

TEST_CASE("A VM past the overcommit limit is refused; 100 percent means no overcommit", "[vm][admission]")
{
    AdmissionRequest r = host_of(400, 150);
    r.committed_bytes = 300 * MiB;
    r.vm_bytes = 302 * MiB;
    CHECK(admit_vm(r).backing == Backing::refused);
    r = host_of(400, 100);
    r.vm_bytes = 402 * MiB;
    CHECK(admit_vm(r).backing == Backing::refused);
    r.committed_bytes = 500 * MiB; // already past (the limit was lowered): nothing more
    r.vm_bytes = 2 * MiB;
    CHECK(admit_vm(r).backing == Backing::refused);
}

TEST_CASE("The limit does not overflow on a large host", "[vm][admission]")
{
    AdmissionRequest r = host_of(0, 1000);
    r.guest_memory_bytes = 1ull << 50; // 1 PiB
    r.free_bytes = 1ull << 50;
    r.vm_bytes = 1ull << 40;
    Admission a = admit_vm(r);
    CHECK(a.limit_bytes == (1ull << 50) * 10);
    CHECK(a.backing == Backing::eager);
}
