// ASIDs per CPU, recycled with a generation counter (as KVM does): a vCPU keeps its ASID while
// the CPU's generation is the one it got it in. When VMs outnumber ASIDs (QEMU offers 16) the
// CPU starts a new generation: every vCPU gets a fresh ASID on its next entry, and the first
// entry of the new generation flushes the whole TLB so no stale translation of a recycled ASID
// survives. Also the way to flush one guest without FlushByAsid: give it a fresh ASID.
#pragma once
#include <stdint.h>

namespace sp::svm {

struct VcpuAsid {
    uint32_t asid = 0;      // 0: none yet
    uint64_t generation = 0;
};

class AsidAllocator {
public:
    // `asid_count` from CPUID 0x8000000A EBX; ASID 0 is the host's.
    explicit AsidAllocator(uint32_t asid_count = 0) : count_(asid_count) {}
    void reset(uint32_t asid_count)
    {
        count_ = asid_count;
        next_ = 1;
        generation_ = 1;
        flush_all_pending_ = false;
    }

    struct Assignment {
        uint32_t asid;
        bool flush_all; // this entry must flush the whole TLB (TLB_CONTROL=1)
    };

    // The ASID to enter `vcpu` with. `want_fresh` asks for a new ASID (a flush of that guest's
    // translations on CPUs without FlushByAsid).
    Assignment assign(VcpuAsid& vcpu, bool want_fresh = false);

    uint64_t generation() const { return generation_; }
    uint32_t capacity() const { return count_ > 0 ? count_ - 1 : 0; }

private:
    uint32_t count_;
    uint32_t next_ = 1;
    uint64_t generation_ = 1;
    bool flush_all_pending_ = false;
};

} // namespace sp::svm
