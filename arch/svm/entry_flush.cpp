#include "arch/svm/entry_flush.hpp"

#include "arch/svm/vmcb.hpp"

namespace sp::svm {

EntryFlush plan_entry_flush(AsidAllocator& asids, VcpuAsid& vcpu, bool flush_requested, bool flush_by_asid)
{
    const bool fresh = flush_requested && !flush_by_asid;
    AsidAllocator::Assignment a = asids.assign(vcpu, fresh);
    if (a.flush_all) return {a.asid, tlb_control::flush_all};
    if (flush_requested && flush_by_asid) return {a.asid, tlb_control::flush_asid};
    return {a.asid, tlb_control::nothing};
}

} // namespace sp::svm
