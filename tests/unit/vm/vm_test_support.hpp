// Shared scaffolding for the VM tests: a fake machine (CPUID answers recorded from a real
// CPU, a guest clock the test moves, guest RAM in a vector, a diagnostics sink), a registry
// with one running VM, and builders for recorded exits.
#pragma once
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "hv/lib/sink.hpp"
#include "hv/vm/exit.hpp"
#include "hv/vm/exit_action.hpp"
#include "hv/vm/exit_dispatcher.hpp"
#include "hv/vm/guest_state.hpp"
#include "hv/vm/vm_registry.hpp"

namespace vm_test {

using namespace sp::vm;

class StringSink final : public sp::Sink {
public:
    void write(const char* data, size_t len) override { text.append(data, len); }
    std::string take()
    {
        std::string out;
        out.swap(text);
        return out;
    }
    std::string text;
};

// CPUID of the machine the tests pretend to run on. Unlisted leaves answer zeros.
struct FakeCpu {
    std::map<std::pair<uint32_t, uint32_t>, CpuidResult> leaves;
    int calls = 0;

    static CpuidResult cpuid(void* context, uint32_t leaf, uint32_t subleaf)
    {
        auto* self = static_cast<FakeCpu*>(context);
        ++self->calls;
        auto it = self->leaves.find({leaf, subleaf});
        if (it == self->leaves.end()) it = self->leaves.find({leaf, 0xffffffffu}); // any subleaf
        return it == self->leaves.end() ? CpuidResult{0, 0, 0, 0} : it->second;
    }
    void set(uint32_t leaf, CpuidResult r, uint32_t subleaf = 0xffffffffu) { leaves[{leaf, subleaf}] = r; }
};

// Recorded from an AMD EPYC under QEMU (leaf 1 ECX has VMX too, so both masks are seen).
inline FakeCpu recorded_cpu()
{
    FakeCpu cpu;
    cpu.set(0, {0x10, 0x68747541, 0x444d4163, 0x69746e65}); // AuthenticAMD
    cpu.set(1, {0x00a00f11, 0x00020800, 0x7ed8320b | (1u << 5) | (1u << 6), 0x178bfbff});
    cpu.set(7, {0, 0x219c07ab, 0x0040069c, 0}, 0);
    cpu.set(0xd, {0x2e7, 0x340, 0x988, 0}, 0); // x87 SSE AVX, AVX-512 (opmask ZMM_Hi256 Hi16_ZMM), PKRU
    cpu.set(0x40000000, {0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d}); // an outer KVM
    cpu.set(0x80000000, {0x80000021, 0x68747541, 0x444d4163, 0x69746e65});
    cpu.set(0x80000001, {0x00a00f11, 0x40000000, 0x75c237ff, 0x2fd3fbff});
    cpu.set(0x8000000a, {0x1, 0x8000, 0, 0x119b3cff});
    return cpu;
}

// A guest's RAM for the memory reader: [0, ram.size()) at guest-physical 0.
struct FakeGuest {
    std::vector<uint8_t> ram = std::vector<uint8_t>(2u << 20);
    uint64_t ticks = 1'000'000;
    int reads = 0;

    static bool read(void* context, uint64_t gpa, void* out, size_t length)
    {
        auto* self = static_cast<FakeGuest*>(context);
        ++self->reads;
        if (gpa > self->ram.size() || length > self->ram.size() - gpa) return false;
        std::memcpy(out, self->ram.data() + gpa, length);
        return true;
    }
    static uint64_t clock(void* context) { return static_cast<FakeGuest*>(context)->ticks; }
    void put(uint64_t gpa, const std::string& text) { std::memcpy(ram.data() + gpa, text.c_str(), text.size() + 1); }
};

inline constexpr uint64_t kTicksPerSecond = 1'000'000;

inline VmServices services_for(FakeGuest& guest)
{
    VmServices s;
    s.context = &guest;
    s.read_guest = FakeGuest::read;
    s.guest_ticks = FakeGuest::clock;
    s.ticks_per_second = kTicksPerSecond;
    return s;
}

// A 64-bit kernel at CPL 0 with interrupts on, XSAVE enabled.
inline GuestState long_mode_guest()
{
    GuestState g{};
    g.rip = 0x100000;
    g.rflags = 0x202;
    g.cr0 = 0x80050033;
    g.cr4 = 0x6f0 | kCr4Osxsave;
    g.efer = kEferSce | kEferLme | kEferLma | kEferNxe;
    g.pat = 0x0007040600070406ull;
    g.xcr0 = 1;
    g.cpl = 0;
    return g;
}

// One running VM "test" with 2 MiB of RAM, and everything to feed it exits.
struct Machine {
    FakeCpu cpu = recorded_cpu();
    FakeGuest guest_ram;
    StringSink diagnostics;
    HostServices host{FakeCpu::cpuid, &cpu, &diagnostics};
    VmRegistry registry{host};
    Vm* vm = nullptr;
    GuestState guest = long_mode_guest();

    explicit Machine(TripleFaultPolicy on_triple_fault = TripleFaultPolicy::stop)
    {
        VmConfig config;
        config.name = "test";
        config.memory_bytes = guest_ram.ram.size();
        config.on_triple_fault = on_triple_fault;
        config.services = services_for(guest_ram);
        REQUIRE(registry.create(config, vm) == CreateError::ok);
        vm->mark_running();
    }

    Vcpu& vcpu() { return vm->vcpu(0); }

    ExitAction run(const Exit& exit) { return handle_exit(vcpu(), guest, exit); }

    // An instruction exit at the current RIP, `length` bytes long.
    Exit at_rip(ExitKind kind, uint8_t length)
    {
        Exit e;
        e.kind = kind;
        e.next_rip = guest.rip + length;
        return e;
    }
    Exit cpuid(uint32_t leaf, uint32_t subleaf = 0)
    {
        Exit e = at_rip(ExitKind::cpuid, 2);
        e.cpuid = {leaf, subleaf};
        guest.rax = leaf;
        guest.rcx = subleaf;
        return e;
    }
    Exit rdmsr(uint32_t index)
    {
        Exit e = at_rip(ExitKind::msr_read, 2);
        e.msr = {index, 0};
        return e;
    }
    Exit wrmsr(uint32_t index, uint64_t value)
    {
        Exit e = at_rip(ExitKind::msr_write, 2);
        e.msr = {index, value};
        return e;
    }
    Exit out(uint16_t port, uint32_t value, uint8_t size = 1)
    {
        Exit e = at_rip(ExitKind::io, 1);
        e.io = {port, size, false, false, false, value};
        return e;
    }
    Exit in(uint16_t port, uint8_t size = 1)
    {
        Exit e = at_rip(ExitKind::io, 1);
        e.io = {port, size, true, false, false, 0};
        return e;
    }
    Exit hypercall(uint64_t function, uint64_t rbx = 0, uint64_t rcx = 0)
    {
        guest.rax = function;
        guest.rbx = rbx;
        guest.rcx = rcx;
        return at_rip(ExitKind::hypercall, 3);
    }

    // Runs an instruction exit that must complete: resume, RIP moved past it.
    void complete(const Exit& exit)
    {
        uint64_t next = exit.next_rip;
        ExitAction a = run(exit);
        REQUIRE(a.kind == ActionKind::resume);
        REQUIRE(guest.rip == next);
    }

    std::string log_text() const
    {
        std::string s;
        for (size_t i = 0; i < vm->log().size(); ++i) s += vm->log().at(i);
        return s;
    }
};

} // namespace vm_test
