// The memory core's TLB policy for a guest's nested page table on SVM: a flush request marks
// the vCPU so that its next VMRUN flushes (TLB_CONTROL=1, the only narrow-enough choice QEMU
// and CPUs without FlushByAsid offer). Guests run on the boot CPU only: a request naming
// another CPU would need an IPI that does not exist yet, and panics instead of leaving stale
// translations behind.
#pragma once
#include "arch/svm/svm_vcpu.hpp"
#include "arch/x86/host_tlb.hpp"
#include "hv/lib/panic.hpp"
#include "mm/tlb.hpp"

namespace sp::svm {

class NptTlb {
public:
    void attach(SvmVcpu* vcpu) { vcpu_ = vcpu; }
    void invalidate(const mm::TlbInvalidation& request)
    {
        x86::require_boot_cpu_only(request.cpus, "nested");
        ++requests_;
        if (vcpu_) vcpu_->request_tlb_flush();
    }
    uint64_t requests() const { return requests_; }

private:
    SvmVcpu* vcpu_ = nullptr;
    uint64_t requests_ = 0;
};

} // namespace sp::svm
