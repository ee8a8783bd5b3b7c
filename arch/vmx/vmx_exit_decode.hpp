// Translates a VMX exit into the neutral exit record (hv/vm/exit.hpp), and the guest's VMCS
// fields plus saved registers into the neutral guest state and back. Plain C++: the back-end
// reads the fields into an ExitSnapshot after every exit, and the tests feed recorded ones.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "arch/vmx/vmcs_fields.hpp"
#include "hv/vm/exit.hpp"
#include "hv/vm/guest_state.hpp"

namespace sp::vmx {

// The guest's general registers the VMCS does not hold (RSP and RIP live there). vmx_entry.S
// loads them before VM entry and stores them after the exit; offsets fixed.
struct GuestGprs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};
static_assert(offsetof(GuestGprs, rax) == 0 && offsetof(GuestGprs, r15) == 14 * 8);

// MSRs VMX does not switch: they stay live in the CPU while the hypervisor runs (it uses none
// of them) and are reloaded by the back-end when another vCPU ran on this CPU meanwhile.
// KERNEL_GS_BASE is read back after every exit (SWAPGS changes it without an exit).
struct LazyMsrs {
    uint64_t star = 0, lstar = 0, cstar = 0, sfmask = 0, kernel_gs_base = 0, tsc_aux = 0;
};

// How a VM entry ended, as the entry routine reports it.
enum class EntryOutcome : uint8_t { exited, fail_invalid, fail_valid };

// What the back-end reads from the VMCS after every VM exit (or failed entry).
struct ExitSnapshot {
    EntryOutcome outcome = EntryOutcome::exited;
    uint32_t instruction_error = 0; // fail_valid: the VM-instruction error field
    uint32_t exit_reason = 0;
    uint64_t qualification = 0;
    uint32_t instruction_length = 0;
    uint64_t guest_physical = 0;
    uint32_t interruption_info = 0, interruption_error = 0;
    uint32_t idt_vectoring_info = 0, idt_vectoring_error = 0;
    uint64_t rip = 0, rsp = 0, rflags = 0;
    uint64_t cr0 = 0, cr3 = 0, cr4 = 0;
    uint64_t cr0_mask = 0, cr0_shadow = 0, cr4_mask = 0, cr4_shadow = 0;
    uint64_t efer = 0, pat = 0;
    uint64_t fs_base = 0, gs_base = 0;
    uint64_t sysenter_cs = 0, sysenter_esp = 0, sysenter_eip = 0;
    uint32_t ss_access = 0;
};

// The fields the back-end reads into an ExitSnapshot, in order; `count` set on return.
const uint32_t* snapshot_fields(size_t& count);
// Stores the value VMREAD returned for `encoding` into the snapshot.
void set_snapshot_field(ExitSnapshot& snapshot, uint32_t encoding, uint64_t value);

vm::Exit decode_exit(const ExitSnapshot& snapshot, const GuestGprs& gprs);

// The guest's view of CR0/CR4: bits the host owns (mask) read as the shadow says.
constexpr uint64_t guest_visible(uint64_t actual, uint64_t mask, uint64_t shadow) { return (actual & ~mask) | (shadow & mask); }

void load_guest_state(const ExitSnapshot& snapshot, const GuestGprs& gprs, const LazyMsrs& msrs, vm::GuestState& out);

// Writes back the general registers and lazy MSR copies always; VMCS fields only when changed
// (RSP) or when `state.dirty` says so, through `write(encoding, value)`.
template <typename Write>
void store_guest_state(const vm::GuestState& s, const ExitSnapshot& snapshot, GuestGprs& g, LazyMsrs& m, Write&& write)
{
    g.rax = s.rax; g.rbx = s.rbx; g.rcx = s.rcx; g.rdx = s.rdx; g.rsi = s.rsi; g.rdi = s.rdi; g.rbp = s.rbp;
    g.r8 = s.r8; g.r9 = s.r9; g.r10 = s.r10; g.r11 = s.r11; g.r12 = s.r12; g.r13 = s.r13; g.r14 = s.r14; g.r15 = s.r15;
    if (s.rsp != snapshot.rsp) write(field::guest_rsp, s.rsp);
    if (s.dirty & vm::dirty::rip) write(field::guest_rip, s.rip);
    if (s.dirty & vm::dirty::rflags) write(field::guest_rflags, s.rflags);
    if (s.dirty & vm::dirty::efer) write(field::guest_efer, s.efer);
    if (s.dirty & vm::dirty::pat) write(field::guest_pat, s.pat);
    if (s.dirty & vm::dirty::segment_bases) {
        write(field::guest_fs_base, s.fs_base);
        write(field::guest_gs_base, s.gs_base);
    }
    if (s.dirty & vm::dirty::sysenter_msrs) {
        write(field::guest_sysenter_cs, s.sysenter_cs);
        write(field::guest_sysenter_esp, s.sysenter_esp);
        write(field::guest_sysenter_eip, s.sysenter_eip);
    }
    m.star = s.star; m.lstar = s.lstar; m.cstar = s.cstar; m.sfmask = s.sfmask;
    m.kernel_gs_base = s.kernel_gs_base; m.tsc_aux = s.tsc_aux;
}

// VM-entry interruption-information encoding of a pending event (0 when none); the error code
// goes to the entry exception error code field.
uint32_t encode_event(const vm::EventInjection& event);

// The event whose delivery the exit interrupted (IDT-vectoring information), to deliver again
// on the next entry; `pending` false when there is none. Software interrupts and exceptions are
// left out: the guest re-executes their instruction.
vm::EventInjection interrupted_event(const ExitSnapshot& snapshot);

} // namespace sp::vmx
