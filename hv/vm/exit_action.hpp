// What the back-end does after the dispatcher has handled an exit.
#pragma once
#include <stdint.h>

#include "hv/vm/exit.hpp"
#include "hv/vm/guest_state.hpp"

namespace sp::vm {

enum class ActionKind : uint8_t {
    resume,       // enter the guest again (RIP already advanced in GuestState when needed)
    inject,       // enter the guest again delivering Vcpu::pending_event (RIP not advanced)
    stop,         // the VM is stopped or exited (Vm::state says which); do not enter again
    restart,      // reset the VM (registers, RAM reload) and start it again
    pause,        // do not enter again until the VM is resumed
    halt,         // the vCPU waits for an interrupt (HLT with interrupts enabled)
    memory_fault, // nested page fault inside RAM: the memory side resolves it, then resume
};

const char* action_kind_name(ActionKind kind);

struct ExitAction {
    ActionKind kind = ActionKind::resume;
    EventInjection event{};         // inject: a copy of what is pending on the vCPU
    uint64_t gpa = 0;               // memory_fault
    Access access = Access::read;   // memory_fault
    const char* message = nullptr;  // stop/restart: the diagnostic line (the VM's storage)
};

} // namespace sp::vm
