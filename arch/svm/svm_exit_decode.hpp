// Translates SVM's exit figures into the neutral exit record (hv/vm/exit.hpp), and the VMCB plus
// saved registers into the neutral guest state and back. Plain C++: unit-tested with recorded
// exits, no hardware needed.
#pragma once
#include "arch/svm/guest_gprs.hpp"
#include "arch/svm/svm_vcpu.hpp"
#include "arch/svm/vmcb.hpp"
#include "hv/vm/exit.hpp"
#include "hv/vm/guest_state.hpp"

namespace sp::svm {

// `guest_rip` is the RIP of the exiting instruction (VMCB state); `has_nrips` says whether
// the CPU filled next_rip. Without NRIPS (QEMU) the fixed lengths of the intercepted
// instructions are used, and EXITINFO2 for port I/O.
vm::Exit decode_exit(const RawExit& raw, const VmcbState& state, const GuestGprs& gprs, bool has_nrips);

void load_guest_state(const Vmcb& vmcb, const GuestGprs& gprs, vm::GuestState& out);
// Writes back the general registers always, other fields only where `state.dirty` says so.
void store_guest_state(const vm::GuestState& state, Vmcb& vmcb, GuestGprs& gprs);

// The EVENTINJ encoding of a pending event (0 when none).
uint64_t encode_event(const vm::EventInjection& event);

// The event whose delivery the exit interrupted (EXITINTINFO), to deliver again on the next
// VMRUN; `pending` false when there is none (valid bit 31 clear: QEMU leaves the rest of a
// delivered event there). Software interrupts are left out: the guest executes INT n again.
vm::EventInjection interrupted_event(uint64_t exit_int_info);

} // namespace sp::svm
