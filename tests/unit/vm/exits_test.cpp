#include "vm_test_support.hpp"

#include "hv/vm/xsetbv_policy.hpp"

using namespace vm_test;

namespace {
Exit npf(uint64_t gpa, Access access)
{
    Exit e;
    e.kind = ExitKind::nested_page_fault;
    e.npf = {gpa, access, false};
    return e;
}

Exit exception(uint8_t vector, uint32_t error = 0)
{
    Exit e;
    e.kind = ExitKind::exception;
    e.exception = {vector, true, error};
    return e;
}

Exit xsetbv(Machine& m, uint32_t xcr, uint64_t value)
{
    Exit e = m.at_rip(ExitKind::xsetbv, 3);
    e.xsetbv = {xcr, value};
    return e;
}

Exit simple(ExitKind kind)
{
    Exit e;
    e.kind = kind;
    return e;
}
} // namespace

// ---- nested page faults ----

TEST_CASE("A nested page fault inside RAM is handed to the memory side with its address and access", "[vm][npf]")
{
    Machine m;
    ExitAction a = m.run(npf(0x1ff000, Access::write));
    CHECK(a.kind == ActionKind::memory_fault);
    CHECK(a.gpa == 0x1ff000);
    CHECK(a.access == Access::write);
    CHECK(m.vm->state() == VmState::running);
    CHECK(m.vm->exits(ExitKind::nested_page_fault) == 1);
}

TEST_CASE("A nested page fault outside RAM stops the VM naming the address and the access", "[vm][npf]")
{
    Machine m;
    ExitAction a = m.run(npf(0xfee00000, Access::read));
    REQUIRE(a.kind == ActionKind::stop);
    CHECK(std::string(a.message) == "vm 1 (test): read outside RAM at gpa 0xfee00000 at rip 0x100000");
    CHECK(m.vm->state() == VmState::stopped);
    CHECK(m.diagnostics.text == std::string(a.message) + "\n");

    Machine x;
    CHECK(std::string(x.run(npf(0x200000, Access::execute)).message).find("execute outside RAM at gpa 0x200000") !=
          std::string::npos);
}

TEST_CASE("RAM is what the embedder says: a VM with RAM in two ranges faults in the hole", "[vm][npf]")
{
    FakeCpu cpu = recorded_cpu();
    FakeGuest ram;
    HostServices host{FakeCpu::cpuid, &cpu, nullptr};
    VmRegistry registry(host);
    VmConfig config;
    config.name = "split";
    config.memory_bytes = 4u << 20;
    config.ram[0] = {0, 2u << 20};
    config.ram[1] = {0x100000000ull, 2u << 20};
    config.ram_count = 2;
    config.services = services_for(ram);
    Vm* vm = nullptr;
    REQUIRE(registry.create(config, vm) == CreateError::ok);
    vm->mark_running();
    GuestState g = long_mode_guest();
    CHECK(handle_exit(vm->vcpu(0), g, npf(0x100001000ull, Access::write)).kind == ActionKind::memory_fault);
    CHECK(handle_exit(vm->vcpu(0), g, npf(0x1000, Access::read)).kind == ActionKind::memory_fault);
    CHECK(handle_exit(vm->vcpu(0), g, npf(0x80000000ull, Access::read)).kind == ActionKind::stop);
}

// ---- HLT ----

TEST_CASE("HLT with interrupts disabled stops the VM: nothing could ever wake it", "[vm][hlt]")
{
    Machine m;
    m.guest.rflags = 0x2;
    ExitAction a = m.run(m.at_rip(ExitKind::hlt, 1));
    REQUIRE(a.kind == ActionKind::stop);
    CHECK(std::string(a.message) == "vm 1 (test): halted with interrupts disabled (powered off) at rip 0x100001");
    CHECK(m.vm->state() == VmState::stopped);
}

TEST_CASE("HLT with interrupts enabled marks the vCPU halted for the scheduler and moves RIP on", "[vm][hlt]")
{
    Machine m;
    ExitAction a = m.run(m.at_rip(ExitKind::hlt, 1));
    CHECK(a.kind == ActionKind::halt);
    CHECK(m.vcpu().halted);
    CHECK(m.guest.rip == 0x100001);
    CHECK(m.vm->state() == VmState::running);
}

TEST_CASE("The hello test guest's ending (report passed, then CLI; HLT) leaves the VM exited, not stopped", "[vm][hlt]")
{
    Machine m;
    CHECK(m.run(m.hypercall(2, 1, 0)).kind == ActionKind::stop);
    m.guest.rflags = 0x2;
    CHECK(m.run(m.at_rip(ExitKind::hlt, 1)).kind == ActionKind::stop);
    CHECK(m.vm->state() == VmState::exited);
    CHECK(m.vm->verdict() == Verdict::passed);
}

// ---- triple fault ----

TEST_CASE("A triple fault stops the VM by default", "[vm][shutdown]")
{
    Machine m;
    ExitAction a = m.run(simple(ExitKind::shutdown));
    REQUIRE(a.kind == ActionKind::stop);
    CHECK(std::string(a.message) == "vm 1 (test): triple fault (shutdown) at rip 0x100000");
    CHECK(m.vm->state() == VmState::stopped);
}

TEST_CASE("A triple fault restarts the VM when its config says on_triple_fault=restart", "[vm][shutdown]")
{
    Machine m(TripleFaultPolicy::restart);
    ExitAction a = m.run(simple(ExitKind::shutdown));
    REQUIRE(a.kind == ActionKind::restart);
    CHECK(std::string(a.message) == "vm 1 (test): triple fault (shutdown) at rip 0x100000");
    CHECK(m.vm->counters.restarts == 1);
    CHECK(m.vm->state() == VmState::running);
}

// ---- forbidden instructions ----

TEST_CASE("Every forbidden virtualization instruction stops the VM naming it", "[vm][forbidden]")
{
    for (unsigned i = 0; i < static_cast<unsigned>(ForbiddenInstruction::count); ++i) {
        auto which = static_cast<ForbiddenInstruction>(i);
        Machine m;
        Exit e = simple(ExitKind::forbidden_instruction);
        e.forbidden = which;
        ExitAction a = m.run(e);
        REQUIRE(a.kind == ActionKind::stop);
        std::string expected = std::string("vm 1 (test): guest executed ") + forbidden_instruction_name(which) +
                               " at rip 0x100000";
        CHECK(std::string(a.message) == expected);
        CHECK(m.vm->state() == VmState::stopped);
    }
    CHECK(std::string(forbidden_instruction_name(ForbiddenInstruction::vmrun)) == "VMRUN");
    CHECK(std::string(forbidden_instruction_name(ForbiddenInstruction::invept)) == "INVEPT");
    CHECK(std::string(forbidden_instruction_name(ForbiddenInstruction::skinit)) == "SKINIT");
}

// ---- XSETBV ----

TEST_CASE("XSETBV with a valid XCR0 sets the guest's XCR0 and completes", "[vm][xsetbv]")
{
    Machine m;
    for (uint64_t v : {0x1ull, 0x3ull, 0x7ull, 0xe7ull, 0x207ull}) {
        m.guest.dirty = 0;
        m.complete(xsetbv(m, 0, v));
        CHECK(m.guest.xcr0 == v);
        CHECK((m.guest.dirty & dirty::xcr0) != 0);
    }
}

TEST_CASE("XSETBV with an invalid value or XCR index injects #GP(0) and leaves XCR0 alone", "[vm][xsetbv]")
{
    struct Case {
        uint32_t xcr;
        uint64_t value;
        const char* why;
    };
    const Case cases[] = {
        {0, 0x2, "x87 (bit 0) clear"},
        {0, 0x5, "AVX without SSE"},
        {0, 0x8 | 0x3, "BNDREGS without BNDCSR (and the host has no MPX)"},
        {0, 0x27, "opmask without the other AVX-512 bits"},
        {0, 0xe3, "AVX-512 without AVX"},
        {0, 0x60003, "AMX: not supported by the host"},
        {0, 1ull << 62, "a bit the host does not support"},
        {1, 0x1, "XCR1 is not writable this way"},
    };
    for (const Case& c : cases) {
        INFO(c.why);
        Machine m;
        uint64_t rip = m.guest.rip;
        ExitAction a = m.run(xsetbv(m, c.xcr, c.value));
        REQUIRE(a.kind == ActionKind::inject);
        CHECK(a.event.vector == 13);
        CHECK(a.event.has_error_code);
        CHECK(a.event.error_code == 0);
        CHECK(m.guest.xcr0 == 1);
        CHECK(m.guest.rip == rip);
    }
}

TEST_CASE("XSETBV rules follow the architecture for features the host has (MPX pairs, AMX pairs)", "[vm][xsetbv]")
{
    GuestState g = long_mode_guest();
    uint64_t all = ~0ull;
    CHECK(check_xsetbv(g, 0, 0x1b, all) == XsetbvVerdict::ok);
    CHECK(check_xsetbv(g, 0, 0x13, all) == XsetbvVerdict::gp);
    CHECK(check_xsetbv(g, 0, 0x60007, all) == XsetbvVerdict::ok);
    CHECK(check_xsetbv(g, 0, 0x20007, all) == XsetbvVerdict::gp);
}

TEST_CASE("XSETBV with CR4.OSXSAVE clear injects #UD", "[vm][xsetbv]")
{
    Machine m;
    m.guest.cr4 &= ~kCr4Osxsave;
    ExitAction a = m.run(xsetbv(m, 0, 3));
    REQUIRE(a.kind == ActionKind::inject);
    CHECK(a.event.vector == 6);
    CHECK_FALSE(a.event.has_error_code);
}

// ---- INVD ----

TEST_CASE("INVD is treated as WBINVD: ignored, RIP moves on, the VM keeps running", "[vm][invd]")
{
    Machine m;
    m.complete(m.at_rip(ExitKind::invd, 2));
    CHECK(m.vm->exits(ExitKind::invd) == 1);
    CHECK(m.vm->state() == VmState::running);
}

// ---- intercepted exceptions ----

TEST_CASE("An intercepted #AC is reflected into the guest with its error code, and counted", "[vm][exception]")
{
    Machine m;
    for (int i = 0; i < 1000; ++i) { // a guest taking #AC at ever new places keeps running
        m.guest.rip += 4;
        ExitAction a = m.run(exception(17, 0));
        REQUIRE(a.kind == ActionKind::inject);
        CHECK(a.event.vector == 17);
        CHECK(a.event.type == EventType::exception);
        CHECK(a.event.has_error_code);
        m.vcpu().pending_event = {};
    }
    CHECK(m.vm->counters.ac_reflected == 1000);
    CHECK(m.vm->state() == VmState::running);
    CHECK(m.diagnostics.text.empty());
}

TEST_CASE("The same exception reflected 1000 times in a row at one RIP stops the VM as a loop (CVE-2015-5307/8104)", "[vm][exception]")
{
    for (uint8_t vector : {uint8_t(17), uint8_t(1)}) {
        Machine m;
        ExitAction a;
        for (int i = 0; i < 999; ++i) {
            a = m.run(exception(vector, 0));
            REQUIRE(a.kind == ActionKind::inject);
            m.vcpu().pending_event = {};
        }
        a = m.run(exception(vector, 0));
        CHECK(a.kind == ActionKind::stop);
        CHECK(m.vm->state() == VmState::stopped);
        CHECK_THAT(m.diagnostics.text, Catch::Contains(vector == 17 ? "exception loop: #AC reflected 1000 times"
                                                                     : "exception loop: #DB reflected 1000 times"));
    }
}

TEST_CASE("Host interrupts between the exceptions of a loop do not hide it", "[vm][exception]")
{
    Machine m;
    ExitAction a;
    for (int i = 0; i < 1000; ++i) {
        a = m.run(exception(1, 0));
        m.vcpu().pending_event = {};
        if (i % 100 == 99 && i < 999) m.run(Exit{ExitKind::external_interrupt});
    }
    CHECK(a.kind == ActionKind::stop);
    CHECK(m.vm->state() == VmState::stopped);
}

TEST_CASE("Any other exit between two exceptions at one RIP starts the count again", "[vm][exception]")
{
    Machine m;
    for (int i = 0; i < 3000; ++i) {
        ExitAction a = m.run(exception(1, 0));
        REQUIRE(a.kind == ActionKind::inject);
        m.vcpu().pending_event = {};
        if (i % 500 == 499) m.complete(m.at_rip(ExitKind::invd, 2));
    }
    CHECK(m.vm->state() == VmState::running);
}

TEST_CASE("An intercepted #DB is reflected into the guest without an error code, and counted", "[vm][exception]")
{
    Machine m;
    uint64_t rip = m.guest.rip;
    ExitAction a = m.run(exception(1, 0x1234));
    REQUIRE(a.kind == ActionKind::inject);
    CHECK(a.event.vector == 1);
    CHECK_FALSE(a.event.has_error_code);
    CHECK(m.vcpu().pending_event.pending);
    CHECK(m.vm->counters.db_reflected == 1);
    CHECK(m.guest.rip == rip);
}

TEST_CASE("Other intercepted exceptions are reflected too; a machine check stops the VM", "[vm][exception]")
{
    Machine m;
    ExitAction a = m.run(exception(14, 0x6));
    REQUIRE(a.kind == ActionKind::inject);
    CHECK(a.event.error_code == 0x6);
    CHECK(m.vm->counters.other_reflected == 1);
    m.vcpu().pending_event = {};
    ExitAction mc = m.run(exception(18));
    REQUIRE(mc.kind == ActionKind::stop);
    CHECK(std::string(mc.message) == "vm 1 (test): machine check while the guest ran at rip 0x100000");
}

TEST_CASE("Injecting while an event is still pending is a back-end bug: the VM stops instead of losing one", "[vm][exception]")
{
    Machine m;
    m.vcpu().pending_event.pending = true;
    m.vcpu().pending_event.vector = 32;
    ExitAction a = m.run(exception(17));
    REQUIRE(a.kind == ActionKind::stop);
    CHECK(std::string(a.message).find("internal error: event 32 still pending when injecting 17") != std::string::npos);
}

// ---- the rest ----

TEST_CASE("Interrupt-window and external-interrupt exits just resume the guest where it was", "[vm][exits]")
{
    Machine m;
    for (ExitKind k : {ExitKind::interrupt_window, ExitKind::external_interrupt}) {
        m.guest.dirty = 0;
        ExitAction a = m.run(simple(k));
        CHECK(a.kind == ActionKind::resume);
        CHECK(m.guest.rip == 0x100000);
        CHECK(m.guest.dirty == 0);
        CHECK(m.vm->exits(k) == 1);
    }
}

TEST_CASE("A failed VM entry stops the VM with the back-end's reason and raw figures", "[vm][exits]")
{
    Machine m;
    Exit e = simple(ExitKind::invalid_state);
    e.invalid = {{0xffffffffull, 0, 0}, "EFER.SVME clear in the guest"};
    ExitAction a = m.run(e);
    REQUIRE(a.kind == ActionKind::stop);
    CHECK(std::string(a.message) ==
          "vm 1 (test): VM entry failed: EFER.SVME clear in the guest (0xffffffff 0x0 0x0) at rip 0x100000");
}

TEST_CASE("An instruction exit without a next RIP stops the VM instead of re-running the instruction forever", "[vm][exits]")
{
    for (ExitKind k : {ExitKind::cpuid, ExitKind::msr_read, ExitKind::io, ExitKind::hlt, ExitKind::hypercall,
                       ExitKind::xsetbv, ExitKind::invd}) {
        Machine m;
        Exit e = simple(k);
        e.io.size = 1;
        e.io.port = 0x80;
        e.msr.index = 0x10;
        ExitAction a = m.run(e);
        INFO(exit_kind_name(k));
        REQUIRE(a.kind == ActionKind::stop);
        CHECK(std::string(a.message).find("internal error: no next rip") != std::string::npos);
    }
}

TEST_CASE("A kill request stops the VM at its next exit, whatever the exit was", "[vm][exits]")
{
    Machine m;
    m.vm->request_kill();
    CHECK(m.vm->state() == VmState::running); // a vCPU may be in the guest: it sees it at the exit
    ExitAction a = m.run(m.cpuid(0));
    REQUIRE(a.kind == ActionKind::stop);
    CHECK(std::string(a.message) == "vm 1 (test): killed from the console at rip 0x100000");
    CHECK(m.vm->state() == VmState::stopped);
}

TEST_CASE("A pause request takes effect after the exit is handled; resume lets the VM run again", "[vm][exits]")
{
    Machine m;
    m.vm->request_pause();
    ExitAction a = m.run(m.cpuid(0));
    CHECK(a.kind == ActionKind::pause);
    CHECK(m.guest.rip == 0x100002); // the CPUID did complete
    CHECK(m.vm->state() == VmState::paused);
    m.vm->resume();
    CHECK(m.vm->state() == VmState::running);
    CHECK(m.run(m.cpuid(0)).kind == ActionKind::resume);
}

TEST_CASE("Exit counters are per VM and per kind", "[vm][exits]")
{
    Machine m;
    m.complete(m.cpuid(0));
    m.complete(m.cpuid(1));
    m.complete(m.out(0x80, 0));
    CHECK(m.vm->exits(ExitKind::cpuid) == 2);
    CHECK(m.vm->exits(ExitKind::io) == 1);
    CHECK(m.vm->total_exits() == 3);
    CHECK(m.vcpu().exits == 3);
    for (unsigned k = 0; k < kExitKindCount; ++k) CHECK(std::string(exit_kind_name(static_cast<ExitKind>(k))) != "unknown");
}
