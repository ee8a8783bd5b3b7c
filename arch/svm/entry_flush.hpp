// The TLB side of every VMRUN: which ASID the vCPU enters with and what TLB_CONTROL says, from
// whether its nested table lost or narrowed a mapping since its last entry (NptTlb's request)
// and what the CPU offers:
//  - FlushByAsid: TLB_CONTROL=3 drops only this guest's translations;
//  - otherwise a fresh ASID of the current generation: it was never used since the last full
//    flush, so it holds no stale translation and nothing is flushed;
//  - when the generation runs out (more vCPUs than ASIDs), the first entry of the new
//    generation flushes everything (TLB_CONTROL=1), as the allocator says.
// Emulators flush at every VMRUN anyway, so unit tests prove this, not boot tests.
#pragma once
#include <stdint.h>

#include "arch/svm/asid_allocator.hpp"

namespace sp::svm {

struct EntryFlush {
    uint32_t asid;
    uint8_t tlb_control; // vmcb.hpp tlb_control::nothing, flush_all or flush_asid
};

EntryFlush plan_entry_flush(AsidAllocator& asids, VcpuAsid& vcpu, bool flush_requested, bool flush_by_asid);

} // namespace sp::svm
