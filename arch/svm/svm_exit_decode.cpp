#include "arch/svm/svm_exit_decode.hpp"

namespace sp::svm {
namespace {

using vm::ExitKind;

// Lengths of the instructions SVM intercepts (no prefixes in what guests execute here; with
// NRIPS the CPU tells us instead).
constexpr uint64_t len_cpuid = 2, len_msr = 2, len_hlt = 1, len_vmmcall = 3, len_xsetbv = 3, len_invd = 2;

uint64_t edx_eax(const VmcbState& s, const GuestGprs& g)
{
    return (g.rdx << 32) | (s.rax & 0xffffffffull);
}

vm::Exit forbidden(vm::ForbiddenInstruction which)
{
    vm::Exit e;
    e.kind = ExitKind::forbidden_instruction;
    e.forbidden = which;
    return e;
}

} // namespace

vm::Exit decode_exit(const RawExit& raw, const VmcbState& s, const GuestGprs& g, bool has_nrips)
{
    vm::Exit e;
    auto next = [&](uint64_t length) { return has_nrips && raw.next_rip ? raw.next_rip : s.rip + length; };
    if ((raw.code & 0xffffffffull) == exit_code::invalid_low32) {
        e.kind = ExitKind::invalid_state;
        e.invalid = {{raw.code, raw.info1, raw.info2}, "VMRUN failed (VMEXIT_INVALID)"};
        return e;
    }
    if (raw.code >= exit_code::exception_base && raw.code < exit_code::exception_base + 32) {
        e.kind = ExitKind::exception;
        e.exception.vector = static_cast<uint8_t>(raw.code - exit_code::exception_base);
        e.exception.has_error_code = vm::exception_has_error_code(e.exception.vector);
        e.exception.error_code = static_cast<uint32_t>(raw.info1);
        return e;
    }
    switch (raw.code) {
    case exit_code::cpuid:
        e.kind = ExitKind::cpuid;
        e.cpuid = {static_cast<uint32_t>(s.rax), static_cast<uint32_t>(g.rcx)};
        e.next_rip = next(len_cpuid);
        return e;
    case exit_code::msr:
        e.kind = raw.info1 & 1 ? ExitKind::msr_write : ExitKind::msr_read;
        e.msr = {static_cast<uint32_t>(g.rcx), raw.info1 & 1 ? edx_eax(s, g) : 0};
        e.next_rip = next(len_msr);
        return e;
    case exit_code::ioio: { // EXITINFO1 (APM 15.10.2): type, string, rep, size, port
        e.kind = ExitKind::io;
        e.io.in = raw.info1 & 1;
        e.io.string = (raw.info1 >> 2) & 1;
        e.io.rep = (raw.info1 >> 3) & 1;
        e.io.size = (raw.info1 & (1u << 6)) ? 4 : (raw.info1 & (1u << 5)) ? 2 : 1;
        e.io.port = static_cast<uint16_t>(raw.info1 >> 16);
        uint64_t mask = e.io.size == 4 ? 0xffffffffull : e.io.size == 2 ? 0xffffull : 0xffull;
        e.io.value = static_cast<uint32_t>(s.rax & mask);
        e.next_rip = raw.info2; // IOIO always reports the next RIP here
        return e;
    }
    case exit_code::npf: // EXITINFO1 is a page-fault error code, EXITINFO2 the address
        e.kind = ExitKind::nested_page_fault;
        e.npf.gpa = raw.info2;
        e.npf.present = raw.info1 & 1;
        e.npf.access = (raw.info1 & (1u << 4)) ? vm::Access::execute
                       : (raw.info1 & (1u << 1)) ? vm::Access::write
                                                 : vm::Access::read;
        return e;
    case exit_code::hlt: e.kind = ExitKind::hlt; e.next_rip = next(len_hlt); return e;
    case exit_code::vmmcall: e.kind = ExitKind::hypercall; e.next_rip = next(len_vmmcall); return e;
    case exit_code::shutdown: e.kind = ExitKind::shutdown; return e;
    case exit_code::vintr: e.kind = ExitKind::interrupt_window; return e;
    // Physical interrupts, NMIs, SMIs and INITs belong to the host: the guest resumes after
    // the host has taken them.
    case exit_code::intr:
    case exit_code::nmi:
    case exit_code::smi:
    case exit_code::init: e.kind = ExitKind::external_interrupt; return e;
    case exit_code::xsetbv:
        e.kind = ExitKind::xsetbv;
        e.xsetbv = {static_cast<uint32_t>(g.rcx), edx_eax(s, g)};
        e.next_rip = next(len_xsetbv);
        return e;
    case exit_code::invd: e.kind = ExitKind::invd; e.next_rip = next(len_invd); return e;
    case exit_code::vmrun: return forbidden(vm::ForbiddenInstruction::vmrun);
    case exit_code::vmload: return forbidden(vm::ForbiddenInstruction::vmload);
    case exit_code::vmsave: return forbidden(vm::ForbiddenInstruction::vmsave);
    case exit_code::stgi: return forbidden(vm::ForbiddenInstruction::stgi);
    case exit_code::clgi: return forbidden(vm::ForbiddenInstruction::clgi);
    case exit_code::skinit: return forbidden(vm::ForbiddenInstruction::skinit);
    case exit_code::invlpga: return forbidden(vm::ForbiddenInstruction::invlpga);
    case exit_code::task_switch:
        e.kind = ExitKind::unsupported;
        e.invalid = {{raw.code, raw.info1, raw.info2}, "hardware task switch"};
        return e;
    // RSM outside SMM, MONITOR/MWAIT (not offered in CPUID): #UD as on a CPU.
    case exit_code::rsm:
    case exit_code::monitor:
    case exit_code::mwait:
    case exit_code::mwait_armed:
        e.kind = ExitKind::exception;
        e.exception = {vm::vector::ud, false, 0};
        return e;
    default: break;
    }
    // Anything else is an intercept we did not ask for: stop the VM with the figures.
    e.kind = ExitKind::invalid_state;
    e.invalid = {{raw.code, raw.info1, raw.info2}, "unexpected SVM exit code"};
    return e;
}

void load_guest_state(const Vmcb& v, const GuestGprs& g, vm::GuestState& o)
{
    const VmcbState& s = v.state;
    o.rax = s.rax;
    o.rbx = g.rbx; o.rcx = g.rcx; o.rdx = g.rdx; o.rsi = g.rsi; o.rdi = g.rdi; o.rbp = g.rbp;
    o.rsp = s.rsp;
    o.r8 = g.r8; o.r9 = g.r9; o.r10 = g.r10; o.r11 = g.r11;
    o.r12 = g.r12; o.r13 = g.r13; o.r14 = g.r14; o.r15 = g.r15;
    o.rip = s.rip;
    o.rflags = s.rflags;
    o.cr0 = s.cr0; o.cr2 = s.cr2; o.cr3 = s.cr3; o.cr4 = s.cr4;
    o.efer = s.efer & ~efer_svme; // the guest never sees our SVME
    o.pat = s.g_pat;
    o.star = s.star; o.lstar = s.lstar; o.cstar = s.cstar; o.sfmask = s.sfmask;
    o.fs_base = s.fs.base; o.gs_base = s.gs.base; o.kernel_gs_base = s.kernel_gs_base;
    o.sysenter_cs = s.sysenter_cs; o.sysenter_esp = s.sysenter_esp; o.sysenter_eip = s.sysenter_eip;
    o.cpl = s.cpl;
    o.dirty = 0;
}

void store_guest_state(const vm::GuestState& i, Vmcb& v, GuestGprs& g)
{
    VmcbState& s = v.state;
    s.rax = i.rax;
    s.rsp = i.rsp;
    g.rbx = i.rbx; g.rcx = i.rcx; g.rdx = i.rdx; g.rsi = i.rsi; g.rdi = i.rdi; g.rbp = i.rbp;
    g.r8 = i.r8; g.r9 = i.r9; g.r10 = i.r10; g.r11 = i.r11;
    g.r12 = i.r12; g.r13 = i.r13; g.r14 = i.r14; g.r15 = i.r15;
    if (i.dirty & vm::dirty::rip) s.rip = i.rip;
    if (i.dirty & vm::dirty::rflags) s.rflags = i.rflags;
    if (i.dirty & vm::dirty::efer) s.efer = i.efer | efer_svme; // SVME stays on for VMRUN
    if (i.dirty & vm::dirty::pat) s.g_pat = i.pat;
    if (i.dirty & vm::dirty::syscall_msrs) {
        s.star = i.star; s.lstar = i.lstar; s.cstar = i.cstar; s.sfmask = i.sfmask;
    }
    if (i.dirty & vm::dirty::segment_bases) {
        s.fs.base = i.fs_base; s.gs.base = i.gs_base; s.kernel_gs_base = i.kernel_gs_base;
    }
    if (i.dirty & vm::dirty::sysenter_msrs) {
        s.sysenter_cs = i.sysenter_cs; s.sysenter_esp = i.sysenter_esp; s.sysenter_eip = i.sysenter_eip;
    }
}

uint64_t encode_event(const vm::EventInjection& ev)
{
    if (!ev.pending) return 0;
    uint64_t type = 0;
    switch (ev.type) {
    case vm::EventType::external_interrupt: type = event::type_interrupt; break;
    case vm::EventType::nmi: type = event::type_nmi; break;
    case vm::EventType::exception: type = event::type_exception; break;
    case vm::EventType::software_interrupt: type = event::type_software; break;
    }
    uint64_t e = ev.vector | (type << 8) | event::valid;
    if (ev.has_error_code) e |= event::error_valid | (static_cast<uint64_t>(ev.error_code) << 32);
    return e;
}

vm::EventInjection interrupted_event(uint64_t info)
{
    vm::EventInjection ev;
    if (!(info & event::valid)) return ev;
    switch ((info >> 8) & 7) {
    case event::type_interrupt: ev.type = vm::EventType::external_interrupt; break;
    case event::type_nmi: ev.type = vm::EventType::nmi; break;
    case event::type_exception: ev.type = vm::EventType::exception; break;
    default: return ev;
    }
    ev.pending = true;
    ev.vector = static_cast<uint8_t>(info & 0xff);
    ev.has_error_code = (info & event::error_valid) != 0;
    ev.error_code = ev.has_error_code ? static_cast<uint32_t>(info >> 32) : 0;
    return ev;
}

} // namespace sp::svm
