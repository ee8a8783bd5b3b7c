#include "arch/vmx/vmx_exit_decode.hpp"

#include "arch/vmx/vmx_exit_reasons.hpp"

namespace sp::vmx {
namespace {

using vm::ExitKind;

constexpr uint64_t cr4_vmxe = 1ull << 13;

uint64_t edx_eax(const GuestGprs& g) { return (g.rdx << 32) | (g.rax & 0xffffffffull); }

vm::Exit forbidden(vm::ForbiddenInstruction which)
{
    vm::Exit e;
    e.kind = ExitKind::forbidden_instruction;
    e.forbidden = which;
    return e;
}

vm::Exit exception(uint8_t vector, bool has_error, uint32_t error)
{
    vm::Exit e;
    e.kind = ExitKind::exception;
    e.exception = {vector, has_error, error};
    return e;
}

vm::Exit invalid(const ExitSnapshot& s, uint64_t third, const char* text)
{
    vm::Exit e;
    e.kind = ExitKind::invalid_state;
    e.invalid = {{s.exit_reason, s.qualification, third}, text};
    return e;
}

uint64_t gpr_value(const ExitSnapshot& s, const GuestGprs& g, unsigned index)
{
    const uint64_t regs[16] = {g.rax, g.rcx, g.rdx, g.rbx, s.rsp, g.rbp, g.rsi, g.rdi,
                               g.r8,  g.r9,  g.r10, g.r11, g.r12, g.r13, g.r14, g.r15};
    return regs[index & 15];
}

// Only CR4.VMXE is host-owned in CR4, so a MOV to CR4 exits only when the guest tries to set
// VMXE, which a CPU without VMX (what CPUID shows) answers with #GP(0). CR0's host-owned bits
// are the ones VMX fixes (NE, and PE/PG without unrestricted guest): emulating writes to them is
// not done yet, so such an exit stops the VM as unsupported.
vm::Exit control_register_access(const ExitSnapshot& s, const GuestGprs& g)
{
    uint64_t q = s.qualification;
    if (cr_qualification::access(q) == cr_qualification::mov_to_cr && cr_qualification::cr(q) == 4 &&
        (gpr_value(s, g, cr_qualification::gpr(q)) & cr4_vmxe))
        return exception(vm::vector::gp, true, 0);
    vm::Exit e;
    e.kind = ExitKind::unsupported;
    e.invalid = {{s.exit_reason, q, 0}, "control-register access to a host-owned bit"};
    return e;
}

} // namespace

vm::Exit decode_exit(const ExitSnapshot& s, const GuestGprs& g)
{
    vm::Exit e;
    if (s.outcome == EntryOutcome::fail_invalid) {
        e.kind = ExitKind::invalid_state;
        e.invalid = {{0, 0, 0}, "VMfailInvalid (no current VMCS)"};
        return e;
    }
    if (s.outcome == EntryOutcome::fail_valid) {
        const char* text = instruction_error_text(s.instruction_error);
        e.kind = ExitKind::invalid_state;
        e.invalid = {{0, 0, s.instruction_error}, text ? text : "VM entry failed with an unknown VM-instruction error"};
        return e;
    }
    const uint32_t basic = basic_reason(s.exit_reason);
    if (s.exit_reason & exit_reason_entry_failed) {
        const char* text = basic == reason::entry_failure_msr_loading ? "MSR loading failed"
                           : basic == reason::entry_failure_machine_check ? "machine check during entry"
                           : s.qualification == entry_failure_qualification::vmcs_link_pointer
                               ? "invalid guest state (VMCS link pointer)"
                               : "invalid guest state";
        return invalid(s, 0, text);
    }
    const uint64_t next = s.rip + s.instruction_length;
    switch (basic) {
    case reason::exception_or_nmi: {
        uint32_t info = s.interruption_info;
        // An NMI belongs to the host; it was consumed by the exit (NMI exiting).
        if (interruption::type(info) == interruption::type_nmi) {
            e.kind = ExitKind::external_interrupt;
            return e;
        }
        auto vector = static_cast<uint8_t>(interruption::vector(info));
        return exception(vector, (info & interruption::error_code_valid) != 0, s.interruption_error);
    }
    case reason::external_interrupt:
    case reason::init:
    case reason::sipi:
    case reason::io_smi:
    case reason::other_smi:
    case reason::preemption_timer: // the time slice is over: the host takes the CPU back
        e.kind = ExitKind::external_interrupt;
        return e;
    case reason::triple_fault: e.kind = ExitKind::shutdown; return e;
    case reason::interrupt_window:
    case reason::nmi_window: e.kind = ExitKind::interrupt_window; return e;
    case reason::cpuid:
        e.kind = ExitKind::cpuid;
        e.cpuid = {static_cast<uint32_t>(g.rax), static_cast<uint32_t>(g.rcx)};
        e.next_rip = next;
        return e;
    case reason::hlt: e.kind = ExitKind::hlt; e.next_rip = next; return e;
    case reason::invd: e.kind = ExitKind::invd; e.next_rip = next; return e;
    case reason::vmcall: e.kind = ExitKind::hypercall; e.next_rip = next; return e;
    case reason::rdmsr:
    case reason::wrmsr:
        e.kind = basic == reason::wrmsr ? ExitKind::msr_write : ExitKind::msr_read;
        e.msr = {static_cast<uint32_t>(g.rcx), basic == reason::wrmsr ? edx_eax(g) : 0};
        e.next_rip = next;
        return e;
    case reason::io_instruction: {
        uint64_t q = s.qualification;
        e.kind = ExitKind::io;
        e.io.size = static_cast<uint8_t>((q & 7) + 1);
        e.io.in = (q & io_qualification::direction_in) != 0;
        e.io.string = (q & io_qualification::string) != 0;
        e.io.rep = (q & io_qualification::rep) != 0;
        e.io.port = static_cast<uint16_t>(q >> 16);
        uint64_t mask = e.io.size == 4 ? 0xffffffffull : e.io.size == 2 ? 0xffffull : 0xffull;
        e.io.value = static_cast<uint32_t>(g.rax & mask);
        e.next_rip = next;
        return e;
    }
    case reason::xsetbv:
        e.kind = ExitKind::xsetbv;
        e.xsetbv = {static_cast<uint32_t>(g.rcx), edx_eax(g)};
        e.next_rip = next;
        return e;
    case reason::ept_violation: {
        // The instruction length is meaningless here (Bochs reports 0, 4 or 8): never advance.
        uint64_t q = s.qualification;
        e.kind = ExitKind::nested_page_fault;
        e.npf.gpa = s.guest_physical;
        e.npf.access = (q & ept_qualification::fetch)   ? vm::Access::execute
                       : (q & ept_qualification::write) ? vm::Access::write
                                                        : vm::Access::read;
        e.npf.present = (q & (ept_qualification::readable | ept_qualification::writable |
                              ept_qualification::executable)) != 0;
        return e;
    }
    case reason::ept_misconfiguration:
        return invalid(s, s.guest_physical, "EPT misconfiguration: the VM's EPT holds a malformed entry");
    case reason::cr_access: return control_register_access(s, g);
    case reason::task_switch:
        e.kind = ExitKind::unsupported;
        e.invalid = {{s.exit_reason, s.qualification, 0}, "hardware task switch"};
        return e;
    case reason::vmxon: return forbidden(vm::ForbiddenInstruction::vmxon);
    case reason::vmxoff: return forbidden(vm::ForbiddenInstruction::vmxoff);
    case reason::vmlaunch: return forbidden(vm::ForbiddenInstruction::vmlaunch);
    case reason::vmresume: return forbidden(vm::ForbiddenInstruction::vmresume);
    case reason::vmptrld: return forbidden(vm::ForbiddenInstruction::vmptrld);
    case reason::vmptrst: return forbidden(vm::ForbiddenInstruction::vmptrst);
    case reason::vmclear: return forbidden(vm::ForbiddenInstruction::vmclear);
    case reason::vmread: return forbidden(vm::ForbiddenInstruction::vmread);
    case reason::vmwrite: return forbidden(vm::ForbiddenInstruction::vmwrite);
    case reason::invept: return forbidden(vm::ForbiddenInstruction::invept);
    case reason::invvpid: return forbidden(vm::ForbiddenInstruction::invvpid);
    case reason::vmfunc: return forbidden(vm::ForbiddenInstruction::vmfunc);
    case reason::getsec: return forbidden(vm::ForbiddenInstruction::getsec);
    // MONITOR/MWAIT are not offered in CPUID: raise #UD as a CPU without them would.
    case reason::monitor:
    case reason::mwait: return exception(vm::vector::ud, false, 0);
    default: break;
    }
    // An exit we did not ask for: stop the VM with the figures.
    return invalid(s, 0, "unexpected VMX exit reason");
}

void load_guest_state(const ExitSnapshot& s, const GuestGprs& g, const LazyMsrs& m, vm::GuestState& o)
{
    o.rax = g.rax; o.rbx = g.rbx; o.rcx = g.rcx; o.rdx = g.rdx; o.rsi = g.rsi; o.rdi = g.rdi; o.rbp = g.rbp;
    o.rsp = s.rsp;
    o.r8 = g.r8; o.r9 = g.r9; o.r10 = g.r10; o.r11 = g.r11; o.r12 = g.r12; o.r13 = g.r13; o.r14 = g.r14; o.r15 = g.r15;
    o.rip = s.rip;
    o.rflags = s.rflags;
    o.cr0 = guest_visible(s.cr0, s.cr0_mask, s.cr0_shadow);
    o.cr2 = 0; // VMX keeps CR2 live in the CPU; no handler reads it
    o.cr3 = s.cr3;
    o.cr4 = guest_visible(s.cr4, s.cr4_mask, s.cr4_shadow);
    o.efer = s.efer;
    o.pat = s.pat;
    o.star = m.star; o.lstar = m.lstar; o.cstar = m.cstar; o.sfmask = m.sfmask;
    o.fs_base = s.fs_base; o.gs_base = s.gs_base; o.kernel_gs_base = m.kernel_gs_base;
    o.sysenter_cs = s.sysenter_cs; o.sysenter_esp = s.sysenter_esp; o.sysenter_eip = s.sysenter_eip;
    o.tsc_aux = m.tsc_aux;
    o.xcr0 = 0;
    o.cpl = static_cast<uint8_t>((s.ss_access >> 5) & 3); // SS.DPL is the CPL (SDM 25.4.1)
    o.dirty = 0;
}

const uint32_t* snapshot_fields(size_t& count)
{
    static const uint32_t fields[] = {
        field::exit_reason, field::exit_qualification, field::exit_instruction_length,
        field::guest_physical_address, field::exit_interruption_info, field::exit_interruption_error,
        field::idt_vectoring_info, field::idt_vectoring_error, field::guest_rip, field::guest_rsp,
        field::guest_rflags, field::guest_cr0, field::guest_cr3, field::guest_cr4,
        field::cr0_guest_host_mask, field::cr0_read_shadow, field::cr4_guest_host_mask, field::cr4_read_shadow,
        field::guest_efer, field::guest_pat, field::guest_fs_base, field::guest_gs_base,
        field::guest_sysenter_cs, field::guest_sysenter_esp, field::guest_sysenter_eip, field::guest_ss_access,
    };
    count = sizeof fields / sizeof fields[0];
    return fields;
}

void set_snapshot_field(ExitSnapshot& s, uint32_t encoding, uint64_t v)
{
    auto v32 = static_cast<uint32_t>(v);
    switch (encoding) {
    case field::exit_reason: s.exit_reason = v32; break;
    case field::exit_qualification: s.qualification = v; break;
    case field::exit_instruction_length: s.instruction_length = v32; break;
    case field::guest_physical_address: s.guest_physical = v; break;
    case field::exit_interruption_info: s.interruption_info = v32; break;
    case field::exit_interruption_error: s.interruption_error = v32; break;
    case field::idt_vectoring_info: s.idt_vectoring_info = v32; break;
    case field::idt_vectoring_error: s.idt_vectoring_error = v32; break;
    case field::guest_rip: s.rip = v; break;
    case field::guest_rsp: s.rsp = v; break;
    case field::guest_rflags: s.rflags = v; break;
    case field::guest_cr0: s.cr0 = v; break;
    case field::guest_cr3: s.cr3 = v; break;
    case field::guest_cr4: s.cr4 = v; break;
    case field::cr0_guest_host_mask: s.cr0_mask = v; break;
    case field::cr0_read_shadow: s.cr0_shadow = v; break;
    case field::cr4_guest_host_mask: s.cr4_mask = v; break;
    case field::cr4_read_shadow: s.cr4_shadow = v; break;
    case field::guest_efer: s.efer = v; break;
    case field::guest_pat: s.pat = v; break;
    case field::guest_fs_base: s.fs_base = v; break;
    case field::guest_gs_base: s.gs_base = v; break;
    case field::guest_sysenter_cs: s.sysenter_cs = v; break;
    case field::guest_sysenter_esp: s.sysenter_esp = v; break;
    case field::guest_sysenter_eip: s.sysenter_eip = v; break;
    case field::guest_ss_access: s.ss_access = v32; break;
    default: break;
    }
}

uint32_t encode_event(const vm::EventInjection& ev)
{
    if (!ev.pending) return 0;
    uint32_t type = interruption::type_hardware_exception;
    switch (ev.type) {
    case vm::EventType::external_interrupt: type = interruption::type_external; break;
    case vm::EventType::nmi: type = interruption::type_nmi; break;
    case vm::EventType::exception: type = interruption::type_hardware_exception; break;
    case vm::EventType::software_interrupt: type = interruption::type_software_interrupt; break;
    }
    uint32_t info = ev.vector | (type << 8) | interruption::valid;
    if (ev.has_error_code) info |= interruption::error_code_valid;
    return info;
}

vm::EventInjection interrupted_event(const ExitSnapshot& s)
{
    vm::EventInjection ev;
    uint32_t info = s.idt_vectoring_info;
    if (!(info & interruption::valid)) return ev;
    switch (interruption::type(info)) {
    case interruption::type_external: ev.type = vm::EventType::external_interrupt; break;
    case interruption::type_nmi: ev.type = vm::EventType::nmi; break;
    case interruption::type_hardware_exception: ev.type = vm::EventType::exception; break;
    default: return ev; // software events: the guest executes their instruction again
    }
    ev.pending = true;
    ev.vector = static_cast<uint8_t>(interruption::vector(info));
    ev.has_error_code = (info & interruption::error_code_valid) != 0;
    ev.error_code = ev.has_error_code ? s.idt_vectoring_error : 0;
    return ev;
}

} // namespace sp::vmx
