#include <catch2/catch.hpp>

#include <memory>

#include "arch/svm/svm_exit_decode.hpp"
#include "arch/svm/vmcb_setup.hpp"

using namespace sp::svm;
using sp::vm::ExitKind;

namespace {
struct Fixture {
    std::unique_ptr<Vmcb> vmcb = std::make_unique<Vmcb>();
    GuestGprs gprs{};
    Fixture()
    {
        fill_long_mode_vmcb(*vmcb, {1, 0x1000, 0x2000, 0x3000, 0x100000, 0x8000, 0x1000});
    }
    sp::vm::Exit decode(uint64_t code, uint64_t info1 = 0, uint64_t info2 = 0, bool nrips = false, uint64_t next_rip = 0)
    {
        return decode_exit({code, info1, info2, 0, next_rip}, vmcb->state, gprs, nrips);
    }
};
} // namespace

TEST_CASE("CPUID, MSR, HLT, VMMCALL, XSETBV and INVD exits carry the next RIP from the instruction length without NRIPS", "[svm][decode]")
{
    Fixture f;
    f.vmcb->state.rax = 0xffffffff80000001ull;
    f.gprs.rcx = 0x1234000000000002ull;
    auto c = f.decode(exit_code::cpuid);
    CHECK(c.kind == ExitKind::cpuid);
    CHECK(c.cpuid.leaf == 0x80000001u);
    CHECK(c.cpuid.subleaf == 2);
    CHECK(c.next_rip == 0x100002);
    CHECK(f.decode(exit_code::hlt).next_rip == 0x100001);
    CHECK(f.decode(exit_code::vmmcall).kind == ExitKind::hypercall);
    CHECK(f.decode(exit_code::vmmcall).next_rip == 0x100003);
    CHECK(f.decode(exit_code::invd).next_rip == 0x100002);
    // With NRIPS the CPU's figure wins.
    CHECK(f.decode(exit_code::cpuid, 0, 0, true, 0x100009).next_rip == 0x100009);

    f.gprs.rcx = 0xc0000080;
    f.gprs.rdx = 0x1;
    f.vmcb->state.rax = 0xdeadbeef00000d01ull;
    auto w = f.decode(exit_code::msr, 1);
    CHECK(w.kind == ExitKind::msr_write);
    CHECK(w.msr.index == 0xc0000080u);
    CHECK(w.msr.value == 0x100000d01ull);
    CHECK(w.next_rip == 0x100002);
    CHECK(f.decode(exit_code::msr, 0).kind == ExitKind::msr_read);

    f.gprs.rcx = 0;
    auto x = f.decode(exit_code::xsetbv);
    CHECK(x.kind == ExitKind::xsetbv);
    CHECK(x.xsetbv.xcr == 0);
    CHECK(x.xsetbv.value == 0x100000d01ull);
    CHECK(x.next_rip == 0x100003);
}

TEST_CASE("An IOIO exit decodes port, direction, size and takes the next RIP from EXITINFO2", "[svm][decode]")
{
    Fixture f;
    f.vmcb->state.rax = 0x1234567841;
    auto out = f.decode(exit_code::ioio, (0x3f8ull << 16) | (1u << 4), 0x100005);
    CHECK(out.kind == ExitKind::io);
    CHECK(out.io.port == 0x3f8);
    CHECK_FALSE(out.io.in);
    CHECK(out.io.size == 1);
    CHECK(out.io.value == 0x41);
    CHECK(out.next_rip == 0x100005);
    auto in = f.decode(exit_code::ioio, (0x70ull << 16) | (1u << 6) | (1u << 3) | (1u << 2) | 1, 0x100007);
    CHECK(in.io.in);
    CHECK(in.io.size == 4);
    CHECK(in.io.string);
    CHECK(in.io.rep);
    CHECK(f.decode(exit_code::ioio, (0x60ull << 16) | (1u << 5), 1).io.size == 2);
}

TEST_CASE("A nested page fault names the address and the access", "[svm][decode]")
{
    Fixture f;
    auto w = f.decode(exit_code::npf, 0x100000007ull, 0x7ff000); // write to a read-only final page
    CHECK(w.kind == ExitKind::nested_page_fault);
    CHECK(w.npf.gpa == 0x7ff000);
    CHECK(w.npf.present);
    CHECK(w.npf.access == sp::vm::Access::write);
    auto r = f.decode(exit_code::npf, 0x100000004ull, 0x40000000); // not present, read
    CHECK_FALSE(r.npf.present);
    CHECK(r.npf.access == sp::vm::Access::read);
    CHECK(f.decode(exit_code::npf, 0x100000014ull, 0x1000).npf.access == sp::vm::Access::execute);
}

TEST_CASE("Exceptions, forbidden instructions, interrupts, shutdown and VMEXIT_INVALID decode to their kinds", "[svm][decode]")
{
    Fixture f;
    auto ac = f.decode(exit_code::exception_base + 17, 0);
    CHECK(ac.kind == ExitKind::exception);
    CHECK(ac.exception.vector == 17);
    CHECK(ac.exception.has_error_code);
    auto db = f.decode(exit_code::exception_base + 1);
    CHECK(db.exception.vector == 1);
    CHECK_FALSE(db.exception.has_error_code);
    CHECK(f.decode(exit_code::vmrun).forbidden == sp::vm::ForbiddenInstruction::vmrun);
    CHECK(f.decode(exit_code::vmload).forbidden == sp::vm::ForbiddenInstruction::vmload);
    CHECK(f.decode(exit_code::vmsave).forbidden == sp::vm::ForbiddenInstruction::vmsave);
    CHECK(f.decode(exit_code::stgi).forbidden == sp::vm::ForbiddenInstruction::stgi);
    CHECK(f.decode(exit_code::clgi).forbidden == sp::vm::ForbiddenInstruction::clgi);
    CHECK(f.decode(exit_code::skinit).forbidden == sp::vm::ForbiddenInstruction::skinit);
    CHECK(f.decode(exit_code::invlpga).forbidden == sp::vm::ForbiddenInstruction::invlpga);
    CHECK(f.decode(exit_code::skinit).kind == ExitKind::forbidden_instruction);
    CHECK(f.decode(exit_code::intr).kind == ExitKind::external_interrupt);
    CHECK(f.decode(exit_code::vintr).kind == ExitKind::interrupt_window);
    CHECK(f.decode(exit_code::shutdown).kind == ExitKind::shutdown);
    CHECK(f.decode(exit_code::mwait).exception.vector == 6);
    // QEMU's VMEXIT_INVALID is 0x00000000ffffffff, hardware's is -1.
    CHECK(f.decode(0xffffffffull).kind == ExitKind::invalid_state);
    CHECK(f.decode(~0ull).kind == ExitKind::invalid_state);
    auto odd = f.decode(exit_code::ferr_freeze, 5, 6); // not in the intercept set
    CHECK(odd.kind == ExitKind::invalid_state);
    CHECK(odd.invalid.raw[0] == exit_code::ferr_freeze);
}

TEST_CASE("Guest state goes out and comes back; only dirty fields are written to the VMCB", "[svm][decode]")
{
    Fixture f;
    f.gprs.r15 = 15;
    f.vmcb->state.rax = 7;
    sp::vm::GuestState st{};
    load_guest_state(*f.vmcb, f.gprs, st);
    CHECK(st.rax == 7);
    CHECK(st.r15 == 15);
    CHECK(st.rip == 0x100000);
    CHECK((st.efer & efer_svme) == 0); // the guest never sees our SVME
    st.rax = 8;
    st.rbx = 9;
    st.rip = 0x200000;  // not marked dirty: must not be written
    st.lstar = 0x5555;  // likewise
    store_guest_state(st, *f.vmcb, f.gprs);
    CHECK(f.vmcb->state.rax == 8);
    CHECK(f.gprs.rbx == 9);
    CHECK(f.vmcb->state.rip == 0x100000);
    CHECK(f.vmcb->state.lstar == 0);
    st.dirty = sp::vm::dirty::rip | sp::vm::dirty::efer | sp::vm::dirty::syscall_msrs;
    st.efer = 0x500;
    store_guest_state(st, *f.vmcb, f.gprs);
    CHECK(f.vmcb->state.rip == 0x200000);
    CHECK(f.vmcb->state.lstar == 0x5555);
    CHECK(f.vmcb->state.efer == (0x500 | efer_svme));
}

TEST_CASE("Pending events are encoded for EVENTINJ", "[svm][decode]")
{
    sp::vm::EventInjection gp{true, sp::vm::EventType::exception, 13, true, 0};
    CHECK(encode_event(gp) == (13 | (3u << 8) | (1u << 11) | (1ull << 31)));
    sp::vm::EventInjection none{};
    CHECK(encode_event(none) == 0);
    sp::vm::EventInjection pf{true, sp::vm::EventType::exception, 14, true, 2};
    CHECK(encode_event(pf) >> 32 == 2);
}

TEST_CASE("An event whose delivery the exit interrupted is found in EXITINTINFO, only when valid", "[svm][events]")
{
    CHECK_FALSE(interrupted_event(0).pending);
    // QEMU leaves a delivered event in EXITINTINFO with the valid bit clear.
    CHECK_FALSE(interrupted_event((event::type_exception << 8) | 14).pending);
    auto pf = interrupted_event(event::valid | event::error_valid | (event::type_exception << 8) | 14 | (6ull << 32));
    CHECK(pf.pending);
    CHECK(pf.type == sp::vm::EventType::exception);
    CHECK(pf.vector == 14);
    CHECK(pf.has_error_code);
    CHECK(pf.error_code == 6);
    auto irq = interrupted_event(event::valid | (event::type_interrupt << 8) | 0x30);
    CHECK(irq.type == sp::vm::EventType::external_interrupt);
    CHECK_FALSE(irq.has_error_code);
    CHECK(interrupted_event(event::valid | (event::type_nmi << 8) | 2).type == sp::vm::EventType::nmi);
    CHECK_FALSE(interrupted_event(event::valid | (event::type_software << 8) | 0x80).pending);
}
