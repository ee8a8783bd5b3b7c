// The common exit handling: the back-end calls handle_exit after every #VMEXIT / VM exit with
// the neutral exit record and the guest registers, and does what the returned action says.
// The decisions per exit kind are tabled in docs/vm-exits.md.
//
//   GuestState guest = back_end.load_state();       // VMCB/VMCS + saved GPRs
//   Exit exit = back_end.decode(raw);
//   ExitAction a = sp::vm::handle_exit(vcpu, guest, exit);
//   back_end.store_state(guest);                    // GPRs always, the rest by guest.dirty
//   switch (a.kind) { case resume: case inject: enter again (deliver vcpu.pending_event) ... }
#pragma once
#include "hv/vm/exit.hpp"
#include "hv/vm/exit_action.hpp"
#include "hv/vm/guest_state.hpp"
#include "hv/vm/vm.hpp"

namespace sp::vm {

ExitAction handle_exit(Vcpu& vcpu, GuestState& guest, const Exit& exit);

} // namespace sp::vm
