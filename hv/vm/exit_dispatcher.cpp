#include "hv/vm/exit_dispatcher.hpp"

#include <stdarg.h>

#include "arch/x86/exception_names.hpp"
#include "hv/lib/format.hpp"
#include "hv/vm/cpuid_policy.hpp"
#include "hv/vm/hypercalls.hpp"
#include "hv/vm/msr_table.hpp"
#include "hv/vm/port_io.hpp"
#include "hv/vm/xsetbv_policy.hpp"

namespace sp::vm {

const char* action_kind_name(ActionKind kind)
{
    switch (kind) {
    case ActionKind::resume: return "resume";
    case ActionKind::inject: return "inject";
    case ActionKind::stop: return "stop";
    case ActionKind::restart: return "restart";
    case ActionKind::pause: return "pause";
    case ActionKind::halt: return "halt";
    case ActionKind::memory_fault: return "memory_fault";
    }
    return "unknown";
}

namespace {

using ull = unsigned long long;

// A guest looping on #AC or #DB delivery (CVE-2015-5307, CVE-2015-8104) exits once per
// delivery; this many in a row at one RIP is a loop, not a debugger single-stepping.
constexpr uint32_t kExceptionLoopLimit = 1000;

ExitAction resume() { return ExitAction{}; }

// Completes the instruction that exited: RIP moves to the one after it.
bool advance(GuestState& guest, const Exit& exit)
{
    if (exit.next_rip == 0) return false;
    guest.rip = exit.next_rip;
    guest.dirty |= dirty::rip;
    return true;
}

// "vm N (name): <reason> at rip 0x..." and the VM stops (or keeps `exited`).
ExitAction end_vm(Vm& vm, const GuestState& guest, ActionKind kind, const char* fmt, ...)
    __attribute__((format(printf, 4, 5)));
ExitAction end_vm(Vm& vm, const GuestState& guest, ActionKind kind, const char* fmt, ...)
{
    char reason[kMessageBytes];
    BufferSink sink(reason, sizeof reason);
    va_list args;
    va_start(args, fmt);
    vformat(sink, fmt, args);
    va_end(args);
    vm.diagnose("%s at rip 0x%llx", reason, static_cast<ull>(guest.rip));
    if (kind == ActionKind::stop && vm.state() != VmState::exited) vm.set_state(VmState::stopped);
    if (kind == ActionKind::restart) ++vm.counters.restarts;
    ExitAction a;
    a.kind = kind;
    a.message = vm.last_message();
    return a;
}

ExitAction inject_exception(Vcpu& vcpu, const GuestState& guest, uint8_t vector, bool has_error, uint32_t error)
{
    if (vcpu.pending_event.pending) {
        // The back-end delivers and clears the event at every entry: a leftover is its bug.
        return end_vm(vcpu.vm(), guest, ActionKind::stop,
                      "internal error: event %u still pending when injecting %u",
                      vcpu.pending_event.vector, vector);
    }
    EventInjection e;
    e.pending = true;
    e.type = EventType::exception;
    e.vector = vector;
    e.has_error_code = has_error;
    e.error_code = has_error ? error : 0;
    vcpu.pending_event = e;
    ExitAction a;
    a.kind = ActionKind::inject;
    a.event = e;
    return a;
}

ExitAction inject_gp0(Vcpu& vcpu, const GuestState& guest)
{
    ++vcpu.vm().counters.gp_injected;
    return inject_exception(vcpu, guest, vector::gp, true, 0);
}

// The back-end must give the next RIP for exits that complete an instruction.
ExitAction no_next_rip(Vm& vm, const GuestState& guest, const Exit& exit)
{
    return end_vm(vm, guest, ActionKind::stop, "internal error: no next rip for a %s exit",
                  exit_kind_name(exit.kind));
}

ExitAction completed(Vm& vm, GuestState& guest, const Exit& exit)
{
    return advance(guest, exit) ? resume() : no_next_rip(vm, guest, exit);
}

ExitAction on_cpuid(Vcpu& vcpu, GuestState& guest, const Exit& exit)
{
    Vm& vm = vcpu.vm();
    if (exit.next_rip == 0) return no_next_rip(vm, guest, exit);
    CpuidResult r = guest_cpuid(vm.host(), guest, exit.cpuid.leaf, exit.cpuid.subleaf);
    guest.rax = r.eax; // 32-bit results zero-extend, as on hardware
    guest.rbx = r.ebx;
    guest.rcx = r.ecx;
    guest.rdx = r.edx;
    return completed(vm, guest, exit);
}

ExitAction on_msr(Vcpu& vcpu, GuestState& guest, const Exit& exit)
{
    Vm& vm = vcpu.vm();
    if (exit.next_rip == 0) return no_next_rip(vm, guest, exit);
    uint32_t index = exit.msr.index;
    bool known = find_msr_rule(index) != nullptr;
    bool ok;
    if (exit.kind == ExitKind::msr_read) {
        const VmServices& s = vm.services();
        MsrContext context{s.guest_ticks(s.context), vcpu.index()};
        uint64_t value = 0;
        ok = read_msr(guest, context, index, value);
        if (ok) {
            guest.rax = value & 0xffffffffu;
            guest.rdx = value >> 32;
        }
    } else {
        ok = write_msr(guest, index, exit.msr.value);
    }
    if (ok) return completed(vm, guest, exit);
    if (!known)
        vm.diagnose_limited("unknown MSR 0x%x %s at rip 0x%llx: #GP", index,
                            exit.kind == ExitKind::msr_read ? "read" : "write", static_cast<ull>(guest.rip));
    else if (exit.kind == ExitKind::msr_write)
        vm.diagnose_limited("MSR %s write 0x%llx refused at rip 0x%llx: #GP", find_msr_rule(index)->name,
                            static_cast<ull>(exit.msr.value), static_cast<ull>(guest.rip));
    return inject_gp0(vcpu, guest);
}

void merge_in(GuestState& guest, uint8_t size, uint32_t value)
{
    if (size == 4) guest.rax = value; // a 32-bit destination clears bits 63:32
    else if (size == 2) guest.rax = (guest.rax & ~0xffffull) | (value & 0xffff);
    else guest.rax = (guest.rax & ~0xffull) | (value & 0xff);
}

ExitAction on_io(Vcpu& vcpu, GuestState& guest, const Exit& exit)
{
    Vm& vm = vcpu.vm();
    const IoExit& io = exit.io;
    if (io.size != 1 && io.size != 2 && io.size != 4)
        return end_vm(vm, guest, ActionKind::stop, "internal error: port access of %u bytes", io.size);
    if (io.string)
        // INS/OUTS need the guest's linear address space (segments, paging): not emulated yet.
        return end_vm(vm, guest, ActionKind::stop, "string port I/O (%s) on port 0x%x is not supported",
                      io.in ? "INS" : "OUTS", io.port);
    if (exit.next_rip == 0) return no_next_rip(vm, guest, exit);
    IoOutcome out = handle_port_io(vm, io, guest.rip);
    if (out.effect == IoEffect::restart)
        return end_vm(vm, guest, ActionKind::restart, "restart requested by %s", out.reset_port);
    if (io.in) merge_in(guest, io.size, out.value);
    return completed(vm, guest, exit);
}

ExitAction on_hlt(Vcpu& vcpu, GuestState& guest, const Exit& exit)
{
    Vm& vm = vcpu.vm();
    if (!advance(guest, exit)) return no_next_rip(vm, guest, exit);
    // No interrupt can ever arrive with IF clear (no NMI sources yet): the guest is done.
    if (!(guest.rflags & kRflagsIf))
        return end_vm(vm, guest, ActionKind::stop, "halted with interrupts disabled (powered off)");
    vcpu.halted = true;
    ExitAction a;
    a.kind = ActionKind::halt;
    return a;
}

ExitAction on_hypercall(Vcpu& vcpu, GuestState& guest, const Exit& exit)
{
    Vm& vm = vcpu.vm();
    if (exit.next_rip == 0) return no_next_rip(vm, guest, exit);
    HypercallEffect effect = handle_hypercall(vcpu, guest);
    advance(guest, exit);
    if (effect == HypercallEffect::vm_exited) {
        ExitAction a;
        a.kind = ActionKind::stop;
        a.message = vm.last_message();
        return a;
    }
    return resume();
}

ExitAction on_npf(Vm& vm, const GuestState& guest, const Exit& exit)
{
    const NestedPageFaultExit& f = exit.npf;
    if (!vm.in_ram(f.gpa, 1))
        return end_vm(vm, guest, ActionKind::stop, "%s outside RAM at gpa 0x%llx", access_name(f.access),
                      static_cast<ull>(f.gpa));
    ExitAction a;
    a.kind = ActionKind::memory_fault;
    a.gpa = f.gpa;
    a.access = f.access;
    return a;
}

ExitAction on_exception(Vcpu& vcpu, const GuestState& guest, const Exit& exit)
{
    Vm& vm = vcpu.vm();
    const ExceptionExit& e = exit.exception;
    if (e.vector == vector::mc)
        return end_vm(vm, guest, ActionKind::stop, "machine check while the guest ran");
    // Reflected, not handled: the guest's own handler runs. Intercepting #AC and #DB at all is
    // the CVE-2015-5307/CVE-2015-8104 defence (a guest can no longer wedge the CPU in an
    // endless microcode delivery loop); a guest looping on them just keeps exiting.
    if (e.vector == vector::ac) ++vm.counters.ac_reflected;
    else if (e.vector == vector::db) ++vm.counters.db_reflected;
    else ++vm.counters.other_reflected;
    Vcpu::ExceptionStreak& streak = vcpu.exception_streak;
    if (streak.count && streak.vector == e.vector && streak.rip == guest.rip) {
        if (++streak.count >= kExceptionLoopLimit)
            return end_vm(vm, guest, ActionKind::stop,
                          "exception loop: %s reflected %u times in a row without progress",
                          x86::exception_name(e.vector).mnemonic, streak.count);
    } else {
        streak = {e.vector, guest.rip, 1};
    }
    bool has_error = exception_has_error_code(e.vector);
    return inject_exception(vcpu, guest, e.vector, has_error, has_error ? e.error_code : 0);
}

ExitAction on_xsetbv(Vcpu& vcpu, GuestState& guest, const Exit& exit)
{
    Vm& vm = vcpu.vm();
    if (exit.next_rip == 0) return no_next_rip(vm, guest, exit);
    CpuidResult leaf_d = vm.host().cpuid(vm.host().context, 0xd, 0);
    uint64_t supported = (static_cast<uint64_t>(leaf_d.edx) << 32) | leaf_d.eax;
    switch (check_xsetbv(guest, exit.xsetbv.xcr, exit.xsetbv.value, supported)) {
    case XsetbvVerdict::ok:
        guest.xcr0 = exit.xsetbv.value;
        guest.dirty |= dirty::xcr0;
        return completed(vm, guest, exit);
    case XsetbvVerdict::ud: return inject_exception(vcpu, guest, vector::ud, false, 0);
    case XsetbvVerdict::gp: break;
    }
    vm.diagnose_limited("XSETBV XCR%u=0x%llx refused at rip 0x%llx: #GP", exit.xsetbv.xcr,
                        static_cast<ull>(exit.xsetbv.value), static_cast<ull>(guest.rip));
    return inject_gp0(vcpu, guest);
}

} // namespace

ExitAction handle_exit(Vcpu& vcpu, GuestState& guest, const Exit& exit)
{
    Vm& vm = vcpu.vm();
    if (static_cast<unsigned>(exit.kind) >= kExitKindCount)
        return end_vm(vm, guest, ActionKind::stop, "internal error: exit kind %u",
                      static_cast<unsigned>(exit.kind));
    vm.count_exit(exit.kind);
    ++vcpu.exits;
    // Host interrupts say nothing about the guest's progress; any other exit ends a streak.
    if (exit.kind != ExitKind::exception && exit.kind != ExitKind::external_interrupt &&
        exit.kind != ExitKind::interrupt_window)
        vcpu.exception_streak.count = 0;
    if (vm.kill_requested()) return end_vm(vm, guest, ActionKind::stop, "killed from the console");

    ExitAction a;
    switch (exit.kind) {
    case ExitKind::cpuid: a = on_cpuid(vcpu, guest, exit); break;
    case ExitKind::msr_read:
    case ExitKind::msr_write: a = on_msr(vcpu, guest, exit); break;
    case ExitKind::io: a = on_io(vcpu, guest, exit); break;
    case ExitKind::nested_page_fault: a = on_npf(vm, guest, exit); break;
    case ExitKind::hlt: a = on_hlt(vcpu, guest, exit); break;
    case ExitKind::hypercall: a = on_hypercall(vcpu, guest, exit); break;
    case ExitKind::shutdown:
        a = end_vm(vm, guest,
                   vm.config().on_triple_fault == TripleFaultPolicy::restart ? ActionKind::restart
                                                                              : ActionKind::stop,
                   "triple fault (shutdown)");
        break;
    case ExitKind::interrupt_window:   // nothing to deliver yet: enter again
    case ExitKind::external_interrupt: // the host took its interrupt on the way out
        a = resume();
        break;
    case ExitKind::invalid_state:
        a = end_vm(vm, guest, ActionKind::stop, "VM entry failed: %s (0x%llx 0x%llx 0x%llx)",
                   exit.invalid.text ? exit.invalid.text : "invalid guest state",
                   static_cast<ull>(exit.invalid.raw[0]), static_cast<ull>(exit.invalid.raw[1]),
                   static_cast<ull>(exit.invalid.raw[2]));
        break;
    case ExitKind::exception: a = on_exception(vcpu, guest, exit); break;
    case ExitKind::forbidden_instruction:
        a = end_vm(vm, guest, ActionKind::stop, "guest executed %s", forbidden_instruction_name(exit.forbidden));
        break;
    case ExitKind::xsetbv: a = on_xsetbv(vcpu, guest, exit); break;
    case ExitKind::invd:
        // Treated as WBINVD, i.e. ignored: discarding dirty lines could lose writes to memory
        // the guest shares with others (shared pages, the hypervisor), and a guest gains
        // nothing from INVD that it could rely on.
        a = completed(vm, guest, exit);
        break;
    case ExitKind::unsupported:
        a = end_vm(vm, guest, ActionKind::stop, "unsupported: %s",
                   exit.invalid.text ? exit.invalid.text : "an operation Samepage does not emulate");
        break;
    case ExitKind::count: break;
    }

    // A pause asked for meanwhile takes effect now; the guest's progress (RIP, pending event)
    // is kept for the resume.
    if (vm.pause_requested() &&
        (a.kind == ActionKind::resume || a.kind == ActionKind::inject || a.kind == ActionKind::halt)) {
        vm.set_state(VmState::paused);
        a.kind = ActionKind::pause;
    }
    return a;
}

} // namespace sp::vm
