#include "vm_test_support.hpp"

#include "hv/vm/cpuid_policy.hpp"
#include "hv/vm/hypercalls.hpp"

using namespace vm_test;

namespace {
std::string bytes_of(uint32_t a, uint32_t b, uint32_t c)
{
    std::string s(12, '\0');
    std::memcpy(&s[0], &a, 4);
    std::memcpy(&s[4], &b, 4);
    std::memcpy(&s[8], &c, 4);
    return s;
}
} // namespace

TEST_CASE("Given a CPUID exit, the guest gets the host's answer in RAX..RDX and RIP moves past CPUID", "[vm][cpuid]")
{
    Machine m;
    m.guest.rax = 0xdeadbeef00000000ull; // upper halves must be cleared, as on hardware
    m.complete(m.cpuid(0));
    CHECK(m.guest.rax == 0x10);
    CHECK(m.guest.rbx == 0x68747541);
    CHECK(m.guest.rcx == 0x444d4163);
    CHECK(m.guest.rdx == 0x69746e65);
    CHECK((m.guest.dirty & dirty::rip) != 0);
    CHECK(m.vm->exits(ExitKind::cpuid) == 1);
}

TEST_CASE("Leaf 1: VMX (ECX bit 5) and SMX (bit 6) are hidden, every other host bit is kept", "[vm][cpuid]")
{
    Machine m;
    uint32_t host_ecx = m.cpu.leaves[{1, 0xffffffffu}].ecx;
    REQUIRE((host_ecx & (1u << 5)) != 0);
    m.complete(m.cpuid(1));
    CHECK((m.guest.rcx & (1u << 5)) == 0);
    CHECK((m.guest.rcx & (1u << 6)) == 0);
    uint32_t changed = kLeaf1EcxVmx | kLeaf1EcxSmx | kLeaf1EcxHypervisor | kLeaf1EcxOsxsave;
    CHECK((m.guest.rcx & ~changed) == (host_ecx & ~changed));
    CHECK(m.guest.rdx == m.cpu.leaves[{1, 0xffffffffu}].edx);
    CHECK(m.guest.rax == m.cpu.leaves[{1, 0xffffffffu}].eax);
}

TEST_CASE("Leaf 1: the hypervisor-present bit (ECX bit 31) is set even when the host's is clear", "[vm][cpuid]")
{
    Machine m;
    REQUIRE((m.cpu.leaves[{1, 0xffffffffu}].ecx & (1u << 31)) == 0);
    m.complete(m.cpuid(1));
    CHECK((m.guest.rcx & (1u << 31)) != 0);
}

TEST_CASE("Leaf 1: OSXSAVE (ECX bit 27) follows the guest's CR4.OSXSAVE, not the host's", "[vm][cpuid]")
{
    Machine m;
    m.cpu.leaves[{1, 0xffffffffu}].ecx |= 1u << 27; // the host has it on
    m.guest.cr4 &= ~kCr4Osxsave;
    m.complete(m.cpuid(1));
    CHECK((m.guest.rcx & (1u << 27)) == 0);
    m.guest.cr4 |= kCr4Osxsave;
    m.cpu.leaves[{1, 0xffffffffu}].ecx &= ~(1u << 27);
    m.complete(m.cpuid(1));
    CHECK((m.guest.rcx & (1u << 27)) != 0);
}

TEST_CASE("Leaf 0x80000001: SVM (ECX bit 2) and SKINIT (bit 12) are hidden, the rest kept", "[vm][cpuid]")
{
    Machine m;
    CpuidResult host = m.cpu.leaves[{0x80000001, 0xffffffffu}];
    host.ecx |= (1u << 2) | (1u << 12);
    m.cpu.set(0x80000001, host);
    m.complete(m.cpuid(0x80000001));
    CHECK((m.guest.rcx & (1u << 2)) == 0);
    CHECK((m.guest.rcx & (1u << 12)) == 0);
    CHECK((m.guest.rcx | (1u << 2) | (1u << 12)) == host.ecx);
    CHECK(m.guest.rdx == host.edx);
}

TEST_CASE("Leaf 0x8000000A (SVM features) reads as all zeros", "[vm][cpuid]")
{
    Machine m;
    m.complete(m.cpuid(0x8000000a));
    CHECK(m.guest.rax == 0);
    CHECK(m.guest.rbx == 0);
    CHECK(m.guest.rcx == 0);
    CHECK(m.guest.rdx == 0);
}

TEST_CASE("Leaf 0x40000000 names Samepage with the exact 12 bytes 'SamepageHV  ' and the highest leaf", "[vm][cpuid]")
{
    Machine m;
    m.complete(m.cpuid(0x40000000));
    CHECK(m.guest.rax == 0x40000001);
    CHECK(bytes_of(uint32_t(m.guest.rbx), uint32_t(m.guest.rcx), uint32_t(m.guest.rdx)) == "SamepageHV  ");
    CHECK(m.guest.rbx == 0x656d6153);
    CHECK(m.guest.rcx == 0x65676170);
    CHECK(m.guest.rdx == 0x20205648);
}

TEST_CASE("Leaf 0x40000001 gives the hypercall interface version; the outer hypervisor's leaves are never seen", "[vm][cpuid]")
{
    Machine m;
    m.complete(m.cpuid(0x40000001));
    CHECK(m.guest.rax == kHypercallVersion);
    CHECK(m.guest.rbx == 0);
    int calls = m.cpu.calls;
    for (uint32_t leaf : {0x40000002u, 0x40000010u, 0x40000100u, 0x4fffffffu}) {
        m.complete(m.cpuid(leaf));
        CHECK(m.guest.rax == 0);
        CHECK(m.guest.rbx == 0);
        CHECK(m.guest.rcx == 0);
        CHECK(m.guest.rdx == 0);
    }
    CHECK(m.cpu.calls == calls); // the host's hypervisor range is not even asked
}

TEST_CASE("Leaves above the host's maximum answer as the hardware does (passed through)", "[vm][cpuid]")
{
    Machine m;
    m.cpu.set(0x11, {1, 2, 3, 4}); // what this CPU returns for a leaf above its max (0x10)
    m.complete(m.cpuid(0x11));
    CHECK(m.guest.rax == 1);
    CHECK(m.guest.rdx == 4);
    m.complete(m.cpuid(0x80000022));
    CHECK(m.guest.rax == 0);
}

TEST_CASE("The subleaf reaches the host's CPUID", "[vm][cpuid]")
{
    Machine m;
    m.cpu.set(0xd, {0x7, 0, 0, 0}, 0);
    m.cpu.set(0xd, {0x1, 0x2, 0x3, 0x4}, 1);
    m.complete(m.cpuid(0xd, 1));
    CHECK(m.guest.rax == 1);
    CHECK(m.guest.rbx == 2);
}
