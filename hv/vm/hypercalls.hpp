// The guest-to-Samepage call interface (docs/hypercalls.md), the same on both vendors: VMMCALL
// (AMD) or VMCALL (Intel) with RAX = function, RBX, RCX = arguments; the result comes back in
// RAX (negative numbers are errors). Only CPL 0 may call.
#pragma once
#include <stdint.h>

#include "hv/vm/guest_state.hpp"
#include "hv/vm/vm.hpp"

namespace sp::vm {

inline constexpr uint32_t kHypercallVersion = 2; // also CPUID 0x40000001.EAX

namespace hypercall {
inline constexpr uint64_t version = 0;
inline constexpr uint64_t print = 1;         // RBX = guest-physical address, RCX = max length
inline constexpr uint64_t report_result = 2; // RBX = 1 passed / 0 failed, RCX = code
inline constexpr uint64_t report_figure = 3; // RBX = address of a NUL-terminated name, RCX = value
inline constexpr uint64_t take_request = 4;  // -> the console's pending request word (0: none)

inline constexpr uint64_t kMaxPrint = 4096;

// Results in RAX (two's complement).
inline constexpr int64_t unknown_function = -1;
inline constexpr int64_t bad_address = -2;
inline constexpr int64_t bad_argument = -3;
inline constexpr int64_t no_room = -4;
inline constexpr int64_t not_permitted = -5;
} // namespace hypercall

enum class HypercallEffect : uint8_t { resume, vm_exited };

// Runs the call in `guest` (RAX..), writes RAX. vm_exited: a result was reported, the VM's
// state is `exited` with its verdict.
HypercallEffect handle_hypercall(Vcpu& vcpu, GuestState& guest);

} // namespace sp::vm
