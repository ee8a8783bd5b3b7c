// What the common exit handling needs from the machine, injected by the embedder so that the
// code runs unchanged in host tests: real CPUID, a console for diagnostics, and per VM a
// guest-memory reader and the guest's clock.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/lib/sink.hpp"

namespace sp::vm {

struct CpuidResult {
    uint32_t eax, ebx, ecx, edx;
};

// One per registry (the machine).
struct HostServices {
    // Executes the real CPUID instruction on this CPU. Required.
    CpuidResult (*cpuid)(void* context, uint32_t leaf, uint32_t subleaf) = nullptr;
    void* context = nullptr;
    // Diagnostic lines ("vm 1 (web): ..."), each ending in "\n". nullptr: kept only in the VM.
    Sink* diagnostics = nullptr;
};

// One per VM.
struct VmServices {
    void* context = nullptr;
    // Copies guest-physical [gpa, gpa + length) to `out`; false when any byte of it is not
    // the VM's RAM. Required (hypercalls read strings through it).
    bool (*read_guest)(void* context, uint64_t gpa, void* out, size_t length) = nullptr;
    // The guest's time stamp counter (host TSC plus the VM's offset): TSC reads and the
    // rate limit of diagnostics. Required.
    uint64_t (*guest_ticks)(void* context) = nullptr;
    uint64_t ticks_per_second = 0; // > 0
};

} // namespace sp::vm
