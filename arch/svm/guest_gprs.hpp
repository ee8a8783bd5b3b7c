#pragma once
#include <stddef.h>
#include <stdint.h>

namespace sp::svm {
// The guest's general registers that VMRUN does not keep in the VMCB (RAX, RSP and RIP live
// there). svm_entry.S loads them before VMRUN and stores them after #VMEXIT; offsets fixed.
struct GuestGprs {
    uint64_t rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};
static_assert(offsetof(GuestGprs, rbx) == 0 && offsetof(GuestGprs, r15) == 13 * 8);

// Runs the guest of `guest_vmcb_pa` once: saves the host's hidden state (VMSAVE host VMCB),
// loads the guest's (VMLOAD), VMRUN, then the reverse. Returns after the #VMEXIT.
extern "C" void svm_run_guest(uint64_t guest_vmcb_pa, uint64_t host_vmcb_pa, GuestGprs* gprs);
} // namespace sp::svm
