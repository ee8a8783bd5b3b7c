// Turns SVM on for this CPU: EFER.SVME, the host save area (VM_HSAVE_PA) and a host VMCB for
// VMSAVE/VMLOAD of the hypervisor's own hidden state. Per CPU, so that SMP can come later.
#pragma once
#include <stdint.h>

#include "mm/frame_allocator.hpp"

namespace sp::svm {

struct PerCpu {
    bool enabled = false;
    uint64_t host_save_area_pa = 0;
    uint64_t host_vmcb_pa = 0;
};

constexpr unsigned max_cpus = 64;

// Returns nullptr on success, else why SVM could not be enabled.
const char* enable_on_this_cpu(unsigned cpu, mm::FrameAllocator& frames);
PerCpu& per_cpu(unsigned cpu);

} // namespace sp::svm
