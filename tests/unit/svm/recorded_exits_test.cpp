// Raw #VMEXITs recorded from QEMU 7.2's SVM (TCG) while the built-in test guests ran (EXITCODE,
// EXITINFO1/2, and the guest RIP/RAX/RCX/RDX at the exit), replayed through the SVM decoder and
// the common dispatcher. They pin what QEMU really reports: IOIO's next RIP in EXITINFO2 with
// the address-size bits left 0, #NPF's bit 32, a shutdown after an injected #GP.
#include <catch2/catch.hpp>

#include <memory>

#include "../vm/vm_test_support.hpp"
#include "arch/svm/svm_exit_decode.hpp"
#include "arch/svm/vmcb_setup.hpp"

using namespace sp::svm;
using namespace sp::vm;

namespace {

struct Recorded {
    const char* guest;
    uint64_t code, info1, info2, rip, rax, rcx, rdx;
};

struct Replay {
    std::unique_ptr<Vmcb> vmcb = std::make_unique<Vmcb>();
    GuestGprs gprs{};
    vm_test::Machine m;
    Exit exit;

    ExitAction run(const Recorded& r)
    {
        fill_long_mode_vmcb(*vmcb, {1, 0x1000, 0x2000, 0x3000, r.rip, 0x7fff0, 0x1000});
        vmcb->state.rax = r.rax;
        gprs.rcx = r.rcx;
        gprs.rdx = r.rdx;
        exit = decode_exit({r.code, r.info1, r.info2, 0, 0}, vmcb->state, gprs, false);
        load_guest_state(*vmcb, gprs, m.guest);
        return m.run(exit);
    }
};

} // namespace

TEST_CASE("Recorded: hello's OUT to COM1, CPUID and the VMMCALL that reports success", "[svm][recorded]")
{
    Replay r;
    ExitAction a = r.run({"hello", 0x7b, 0x3f80010, 0x100011, 0x100010, 0x68, 0x0, 0x3f8});
    CHECK(r.exit.kind == ExitKind::io);
    CHECK(r.exit.io.port == 0x3f8);
    CHECK_FALSE(r.exit.io.in);
    CHECK(r.exit.io.size == 1);
    CHECK(r.exit.io.value == 'h');
    CHECK(a.kind == ActionKind::resume);
    CHECK(r.m.guest.rip == 0x100011);

    a = r.run({"hello", 0x72, 0x0, 0x0, 0x10002e, 0x0, 0x0, 0x3f8});
    CHECK(r.exit.kind == ExitKind::cpuid);
    CHECK(r.m.guest.rip == 0x100030);
    CHECK(r.m.guest.rbx == 0x68747541); // "Auth": the vendor reaches the guest

    a = r.run({"hello", 0x81, 0x0, 0x0, 0x10003c, 0x2, 0x0, 0x3f8});
    CHECK(r.exit.kind == ExitKind::hypercall);
    CHECK(a.kind == ActionKind::stop);
}

TEST_CASE("Recorded: an IN from the LSR (info1 bit 0) and the reset-port write that restarts the VM", "[svm][recorded]")
{
    Replay r;
    ExitAction a = r.run({"reset-kbc", 0x7b, 0x3fd0011, 0x100133, 0x100132, 0x7472617473657221, 0x3fd, 0x3fd});
    CHECK(r.exit.io.in);
    CHECK(r.exit.io.port == 0x3fd);
    CHECK(a.kind == ActionKind::resume);
    CHECK((r.m.guest.rax & 0x20) != 0); // transmitter empty, upper bytes of RAX kept
    CHECK((r.m.guest.rax >> 8) == (0x7472617473657221ull >> 8));

    a = r.run({"reset-kbc", 0x7b, 0x640010, 0x100558, 0x100557, 0xfe, 0x0, 0x64});
    CHECK(r.exit.io.port == 0x64);
    CHECK(r.exit.io.value == 0xfe);
    CHECK(a.kind == ActionKind::restart);
}

TEST_CASE("Recorded: WRMSR to an unknown MSR is #GP, then QEMU reports the triple fault as SHUTDOWN", "[svm][recorded]")
{
    Replay r;
    ExitAction a = r.run({"bad-msr", 0x7c, 0x1, 0x0, 0x1006fc, 0x1, 0xc0de0001, 0x0});
    CHECK(r.exit.kind == ExitKind::msr_write);
    CHECK(r.exit.msr.index == 0xc0de0001);
    CHECK(a.kind == ActionKind::inject);
    CHECK(a.event.vector == 13);
    r.m.vcpu().pending_event = {};
    a = r.run({"bad-msr", 0x7f, 0x0, 0x0, 0x1006fc, 0x1, 0xc0de0001, 0x0});
    CHECK(r.exit.kind == ExitKind::shutdown);
    CHECK(a.kind == ActionKind::stop);
}

TEST_CASE("Recorded: EFER read, then a write setting SVME is refused", "[svm][recorded]")
{
    Replay r;
    ExitAction a = r.run({"set-svme", 0x7c, 0x0, 0x0, 0x100869, 0x15, 0xc0000080, 0x0});
    CHECK(r.exit.kind == ExitKind::msr_read);
    CHECK(a.kind == ActionKind::resume);
    CHECK((r.m.guest.rax & (1u << 12)) == 0); // the guest never sees our SVME
    a = r.run({"set-svme", 0x7c, 0x1, 0x0, 0x10087e, 0x1d00, 0xc0000080, 0x0});
    CHECK(r.exit.msr.value == 0x1d00);
    CHECK(a.kind == ActionKind::inject);
    CHECK_THAT(r.m.diagnostics.text, Catch::Contains("MSR IA32_EFER write 0x1d00 refused"));
}

TEST_CASE("Recorded: a write beyond RAM is a #NPF with bit 32 set and stops the VM", "[svm][recorded]")
{
    Replay r;
    ExitAction a = r.run({"beyond-ram", 0x400, 0x100000006, 0x801000, 0x1006e0, 0x800000, 0x0, 0x0});
    CHECK(r.exit.kind == ExitKind::nested_page_fault);
    CHECK(r.exit.npf.gpa == 0x801000);
    CHECK(r.exit.npf.access == Access::write);
    CHECK_FALSE(r.exit.npf.present);
    CHECK(a.kind == ActionKind::stop);
    CHECK_THAT(r.m.diagnostics.text, Catch::Contains("write outside RAM at gpa 0x801000"));
}

TEST_CASE("Recorded: VMRUN in a guest and the single-step #DB loop", "[svm][recorded]")
{
    Replay vmrun;
    ExitAction a = vmrun.run({"vmrun", 0x80, 0x0, 0x0, 0x100931, 0x10000, 0x0, 0x0});
    CHECK(vmrun.exit.kind == ExitKind::forbidden_instruction);
    CHECK(a.kind == ActionKind::stop);
    CHECK_THAT(vmrun.m.diagnostics.text, Catch::Contains("guest executed VMRUN"));

    Replay db;
    for (int i = 0; i < 999; ++i) {
        a = db.run({"db-loop", 0x41, 0x0, 0x0, 0x100787, 0x100028, 0xffffff8e, 0x10});
        REQUIRE(a.kind == ActionKind::inject);
        db.m.vcpu().pending_event = {};
    }
    a = db.run({"db-loop", 0x41, 0x0, 0x0, 0x100787, 0x100028, 0xffffff8e, 0x10});
    CHECK(a.kind == ActionKind::stop);
}
