#include "arch/svm/asid_allocator.hpp"

#include "hv/lib/panic.hpp"

namespace sp::svm {

AsidAllocator::Assignment AsidAllocator::assign(VcpuAsid& vcpu, bool want_fresh)
{
    SP_ASSERT(count_ >= 2); // at least one guest ASID
    if (vcpu.asid != 0 && vcpu.generation == generation_ && !want_fresh) {
        bool flush = flush_all_pending_;
        flush_all_pending_ = false;
        return {vcpu.asid, flush};
    }
    if (next_ >= count_) { // out of ASIDs: new generation, everyone re-assigned
        ++generation_;
        next_ = 1;
        flush_all_pending_ = true;
    }
    vcpu.asid = next_++;
    vcpu.generation = generation_;
    bool flush = flush_all_pending_;
    flush_all_pending_ = false;
    return {vcpu.asid, flush};
}

} // namespace sp::svm
