#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <string>

#include "arch/vmx/vmx_exit_decode.hpp"
#include "arch/vmx/vmx_exit_reasons.hpp"

using namespace sp::vmx;
using sp::vm::ExitKind;

namespace {
struct Fixture {
    ExitSnapshot s;
    GuestGprs g{};
    Fixture()
    {
        s.rip = 0x100000;
        s.rsp = 0x7ff0;
    }
    sp::vm::Exit decode(uint32_t reason, uint64_t qualification = 0, uint32_t length = 0)
    {
        s.exit_reason = reason;
        s.qualification = qualification;
        s.instruction_length = length;
        return decode_exit(s, g);
    }
};
} // namespace

TEST_CASE("CPUID, RDMSR/WRMSR, HLT, VMCALL, XSETBV and INVD carry RIP plus the exit instruction length", "[vmx][decode]")
{
    Fixture f;
    f.g.rax = 0xffffffff80000001ull;
    f.g.rcx = 0x1234000000000002ull;
    auto c = f.decode(reason::cpuid, 0, 2);
    CHECK(c.kind == ExitKind::cpuid);
    CHECK(c.cpuid.leaf == 0x80000001u);
    CHECK(c.cpuid.subleaf == 2);
    CHECK(c.next_rip == 0x100002);
    CHECK(f.decode(reason::hlt, 0, 1).kind == ExitKind::hlt);
    CHECK(f.decode(reason::hlt, 0, 1).next_rip == 0x100001);
    CHECK(f.decode(reason::vmcall, 0, 3).kind == ExitKind::hypercall);
    CHECK(f.decode(reason::vmcall, 0, 3).next_rip == 0x100003);
    CHECK(f.decode(reason::invd, 0, 2).kind == ExitKind::invd);
    CHECK(f.decode(reason::invd, 0, 2).next_rip == 0x100002);

    f.g.rcx = 0xc0000080;
    f.g.rdx = 0x1;
    f.g.rax = 0xdeadbeef00000d01ull;
    auto w = f.decode(reason::wrmsr, 0, 2);
    CHECK(w.kind == ExitKind::msr_write);
    CHECK(w.msr.index == 0xc0000080u);
    CHECK(w.msr.value == 0x100000d01ull);
    CHECK(w.next_rip == 0x100002);
    auto r = f.decode(reason::rdmsr, 0, 2);
    CHECK(r.kind == ExitKind::msr_read);
    CHECK(r.msr.value == 0);

    f.g.rcx = 0;
    auto x = f.decode(reason::xsetbv, 0, 3);
    CHECK(x.kind == ExitKind::xsetbv);
    CHECK(x.xsetbv.xcr == 0);
    CHECK(x.xsetbv.value == 0x100000d01ull);
    CHECK(x.next_rip == 0x100003);
}

TEST_CASE("I/O exits decode size, direction, string, REP and port from the qualification", "[vmx][decode]")
{
    Fixture f;
    f.g.rax = 0x12345678;
    auto out = f.decode(reason::io_instruction, (0x3f8ull << 16) | 0, 1); // OUT DX, AL
    CHECK(out.kind == ExitKind::io);
    CHECK(out.io.port == 0x3f8);
    CHECK(out.io.size == 1);
    CHECK_FALSE(out.io.in);
    CHECK(out.io.value == 0x78);
    CHECK(out.next_rip == 0x100001);
    auto in = f.decode(reason::io_instruction, (0x64ull << 16) | (1 << 6) | (1 << 3) | 3, 2); // IN EAX, 0x64
    CHECK(in.io.port == 0x64);
    CHECK(in.io.size == 4);
    CHECK(in.io.in);
    CHECK(in.next_rip == 0x100002);
    auto word = f.decode(reason::io_instruction, (0x1f0ull << 16) | 1, 2);
    CHECK(word.io.size == 2);
    CHECK(word.io.value == 0x5678);
    auto rep = f.decode(reason::io_instruction, (0x3f8ull << 16) | (1 << 5) | (1 << 4), 2); // REP OUTSB
    CHECK(rep.io.string);
    CHECK(rep.io.rep);
}

TEST_CASE("EPT violations become nested page faults with the access and whether the page was present", "[vmx][decode]")
{
    Fixture f;
    f.s.guest_physical = 0x2345678;
    // Bochs reports 0x1aa-like qualifications: a write to a read/execute page.
    auto w = f.decode(reason::ept_violation, ept_qualification::write | ept_qualification::readable |
                                                 ept_qualification::executable | ept_qualification::linear_valid, 8);
    CHECK(w.kind == ExitKind::nested_page_fault);
    CHECK(w.npf.gpa == 0x2345678);
    CHECK(w.npf.access == sp::vm::Access::write);
    CHECK(w.npf.present);
    CHECK(w.next_rip == 0); // the length is meaningless on EPT exits: never advance
    auto r = f.decode(reason::ept_violation, ept_qualification::read, 4);
    CHECK(r.npf.access == sp::vm::Access::read);
    CHECK_FALSE(r.npf.present);
    auto x = f.decode(reason::ept_violation, ept_qualification::fetch | ept_qualification::read, 0);
    CHECK(x.npf.access == sp::vm::Access::execute);

    auto m = f.decode(reason::ept_misconfiguration);
    CHECK(m.kind == ExitKind::invalid_state);
    CHECK(m.invalid.raw[0] == reason::ept_misconfiguration);
    CHECK(m.invalid.raw[2] == 0x2345678);
    CHECK(std::string(m.invalid.text).find("EPT misconfiguration") == 0);
}

TEST_CASE("Host events, windows, triple fault and exceptions map to their neutral kinds", "[vmx][decode]")
{
    Fixture f;
    for (uint32_t r : {reason::external_interrupt, reason::preemption_timer, reason::init, reason::sipi,
                       reason::io_smi, reason::other_smi}) {
        INFO("reason " << r);
        CHECK(f.decode(r).kind == ExitKind::external_interrupt);
    }
    CHECK(f.decode(reason::triple_fault).kind == ExitKind::shutdown);
    CHECK(f.decode(reason::interrupt_window).kind == ExitKind::interrupt_window);
    CHECK(f.decode(reason::nmi_window).kind == ExitKind::interrupt_window);

    f.s.interruption_info = interruption::valid | interruption::error_code_valid | (3u << 8) | 17; // #AC
    f.s.interruption_error = 0;
    auto ac = f.decode(reason::exception_or_nmi);
    CHECK(ac.kind == ExitKind::exception);
    CHECK(ac.exception.vector == 17);
    CHECK(ac.exception.has_error_code);
    f.s.interruption_info = interruption::valid | (3u << 8) | 1; // #DB
    auto db = f.decode(reason::exception_or_nmi);
    CHECK(db.exception.vector == 1);
    CHECK_FALSE(db.exception.has_error_code);
    f.s.interruption_info = interruption::valid | (2u << 8) | 2; // an NMI: the host's
    CHECK(f.decode(reason::exception_or_nmi).kind == ExitKind::external_interrupt);

    for (uint32_t r : {reason::monitor, reason::mwait}) {
        auto ud = f.decode(r);
        CHECK(ud.kind == ExitKind::exception);
        CHECK(ud.exception.vector == 6);
    }
}

TEST_CASE("Every VMX instruction in a guest is a forbidden instruction", "[vmx][decode]")
{
    Fixture f;
    const std::map<uint32_t, std::string> expected = {
        {reason::vmxon, "VMXON"},       {reason::vmxoff, "VMXOFF"},     {reason::vmlaunch, "VMLAUNCH"},
        {reason::vmresume, "VMRESUME"}, {reason::vmptrld, "VMPTRLD"},   {reason::vmptrst, "VMPTRST"},
        {reason::vmclear, "VMCLEAR"},   {reason::vmread, "VMREAD"},     {reason::vmwrite, "VMWRITE"},
        {reason::invept, "INVEPT"},     {reason::invvpid, "INVVPID"},   {reason::vmfunc, "VMFUNC"},
        {reason::getsec, "GETSEC"},
    };
    for (const auto& [r, name] : expected) {
        auto e = f.decode(r, 0, 3);
        CHECK(e.kind == ExitKind::forbidden_instruction);
        CHECK(sp::vm::forbidden_instruction_name(e.forbidden) == name);
    }
}

TEST_CASE("MOV to CR4 that sets VMXE gets #GP; other host-owned CR accesses and task switches are unsupported", "[vmx][decode]")
{
    Fixture f;
    f.g.rbx = 0x2020; // PAE | VMXE
    auto gp = f.decode(reason::cr_access, (3u << 8) | 4, 3); // MOV CR4, RBX
    CHECK(gp.kind == ExitKind::exception);
    CHECK(gp.exception.vector == 13);
    CHECK(gp.exception.has_error_code);
    CHECK(gp.exception.error_code == 0);
    f.g.rbx = 0x20;
    CHECK(f.decode(reason::cr_access, (3u << 8) | 4, 3).kind == ExitKind::unsupported);
    auto cr0 = f.decode(reason::cr_access, 0, 3); // MOV CR0, RAX
    CHECK(cr0.kind == ExitKind::unsupported);
    CHECK(std::string(cr0.invalid.text) == "control-register access to a host-owned bit");
    auto task = f.decode(reason::task_switch, 0x18);
    CHECK(task.kind == ExitKind::unsupported);
    CHECK(std::string(task.invalid.text) == "hardware task switch");
}

TEST_CASE("Failed VM entries become invalid_state with the raw figures", "[vmx][decode]")
{
    Fixture f;
    auto guest = f.decode(exit_reason_entry_failed | reason::entry_failure_guest_state, 4);
    CHECK(guest.kind == ExitKind::invalid_state);
    CHECK(guest.invalid.raw[0] == 0x80000021u);
    CHECK(guest.invalid.raw[1] == 4);
    CHECK(std::string(guest.invalid.text) == "invalid guest state (VMCS link pointer)");
    auto msr = f.decode(exit_reason_entry_failed | reason::entry_failure_msr_loading, 2);
    CHECK(msr.kind == ExitKind::invalid_state);
    CHECK(msr.invalid.raw[0] == 0x80000022u);

    f.s.outcome = EntryOutcome::fail_valid;
    f.s.instruction_error = 8;
    auto host = decode_exit(f.s, f.g);
    CHECK(host.kind == ExitKind::invalid_state);
    CHECK(host.invalid.raw[2] == 8);
    CHECK(std::string(host.invalid.text) == "VM entry with invalid host-state field(s)");
    f.s.outcome = EntryOutcome::fail_invalid;
    CHECK(decode_exit(f.s, f.g).kind == ExitKind::invalid_state);

    f.s.outcome = EntryOutcome::exited;
    auto odd = f.decode(reason::rdtsc);
    CHECK(odd.kind == ExitKind::invalid_state);
    CHECK(std::string(odd.invalid.text) == "unexpected VMX exit reason");
}

TEST_CASE("Exit reason names and VM-instruction errors read as the SDM names them", "[vmx][decode]")
{
    CHECK(std::string(exit_reason_name(reason::cpuid)) == "CPUID");
    CHECK(std::string(exit_reason_name(reason::entry_failure_msr_loading)) == "VM-entry failure: MSR loading");
    CHECK(std::string(exit_reason_name(reason::mwait)) == "MWAIT");
    CHECK(std::string(exit_reason_name(reason::monitor)) == "MONITOR");
    CHECK(std::string(exit_reason_name(reason::tpr_below_threshold)) == "TPR below threshold");
    CHECK(std::string(exit_reason_name(reason::ept_violation)) == "EPT violation");
    CHECK(std::string(exit_reason_name(reason::preemption_timer)) == "VMX-preemption timer expired");
    CHECK(std::string(exit_reason_name(reason::xrstors)) == "XRSTORS");
    CHECK(exit_reason_name(35) == nullptr);
    CHECK(exit_reason_name(1000) == nullptr);
    CHECK(std::string(instruction_error_text(7)) == "VM entry with invalid control field(s)");
    CHECK(instruction_error_text(14) == nullptr);
}

TEST_CASE("Guest state: CR0/CR4 as the guest sees them, CPL from SS, lazy MSRs, and only changed fields written back", "[vmx][state]")
{
    Fixture f;
    f.s.cr4 = 0x2020 | 0x600;
    f.s.cr4_mask = 0x2000;
    f.s.cr4_shadow = 0x620;
    f.s.cr0 = 0x80010033;
    f.s.ss_access = 0xc093 | (3u << 5);
    f.s.efer = 0xd01;
    f.g.rbx = 7;
    LazyMsrs m;
    m.lstar = 0xffffffff81000000ull;
    m.kernel_gs_base = 0x1234;
    sp::vm::GuestState gs{};
    load_guest_state(f.s, f.g, m, gs);
    CHECK(gs.cr4 == 0x620); // VMXE hidden
    CHECK(gs.cr0 == 0x80010033);
    CHECK(gs.cpl == 3);
    CHECK(gs.rip == 0x100000);
    CHECK(gs.rsp == 0x7ff0);
    CHECK(gs.rbx == 7);
    CHECK(gs.lstar == 0xffffffff81000000ull);
    CHECK(gs.kernel_gs_base == 0x1234);
    CHECK(gs.dirty == 0);

    std::map<uint32_t, uint64_t> written;
    auto write = [&](uint32_t e, uint64_t v) { written[e] = v; };
    GuestGprs out{};
    LazyMsrs mo;
    gs.rax = 42;
    store_guest_state(gs, f.s, out, mo, write);
    CHECK(written.empty()); // nothing dirty, RSP unchanged
    CHECK(out.rax == 42);
    CHECK(mo.lstar == 0xffffffff81000000ull);

    gs.rip = 0x100002;
    gs.rsp = 0x7fe8;
    gs.star = 0x23001000000000ull;
    gs.dirty = sp::vm::dirty::rip | sp::vm::dirty::efer | sp::vm::dirty::syscall_msrs;
    store_guest_state(gs, f.s, out, mo, write);
    CHECK(written.size() == 3);
    CHECK(written[field::guest_rip] == 0x100002);
    CHECK(written[field::guest_rsp] == 0x7fe8);
    CHECK(written.count(field::guest_efer) == 1);
    CHECK(mo.star == 0x23001000000000ull);
}

TEST_CASE("Every snapshot field lands in the snapshot", "[vmx][state]")
{
    size_t n = 0;
    const uint32_t* fields = snapshot_fields(n);
    REQUIRE(n > 20);
    for (size_t i = 0; i < n; ++i) {
        ExitSnapshot before, after;
        set_snapshot_field(after, fields[i], 0x5a5a5a5a);
        INFO("field 0x" << std::hex << fields[i]);
        CHECK(std::memcmp(&before, &after, sizeof before) != 0);
    }
}

TEST_CASE("Events are encoded for VM entry, and interrupted deliveries are found again", "[vmx][events]")
{
    sp::vm::EventInjection gp{true, sp::vm::EventType::exception, 13, true, 0};
    CHECK(encode_event(gp) == (interruption::valid | interruption::error_code_valid | (3u << 8) | 13));
    sp::vm::EventInjection ud{true, sp::vm::EventType::exception, 6, false, 0};
    CHECK(encode_event(ud) == (interruption::valid | (3u << 8) | 6));
    sp::vm::EventInjection irq{true, sp::vm::EventType::external_interrupt, 0x30, false, 0};
    CHECK(encode_event(irq) == (interruption::valid | 0x30));
    CHECK(encode_event({}) == 0);

    ExitSnapshot s;
    CHECK_FALSE(interrupted_event(s).pending);
    s.idt_vectoring_info = interruption::valid | interruption::error_code_valid | (3u << 8) | 14;
    s.idt_vectoring_error = 2;
    auto pf = interrupted_event(s);
    CHECK(pf.pending);
    CHECK(pf.type == sp::vm::EventType::exception);
    CHECK(pf.vector == 14);
    CHECK(pf.has_error_code);
    CHECK(pf.error_code == 2);
    s.idt_vectoring_info = interruption::valid | (4u << 8) | 0x80; // INT 0x80: re-executed instead
    CHECK_FALSE(interrupted_event(s).pending);
    s.idt_vectoring_info = interruption::valid | (2u << 8) | 2;
    CHECK(interrupted_event(s).type == sp::vm::EventType::nmi);
}
