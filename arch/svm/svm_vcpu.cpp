#include "arch/svm/svm_vcpu.hpp"

#include <string.h>

#include "arch/svm/svm_cpu.hpp"
#include "arch/svm/vmcb_setup.hpp"
#include "arch/x86/zeroed_frames.hpp"
#include "hv/lib/panic.hpp"

namespace sp::svm {

const char* SvmVcpu::init(mm::FrameAllocator& frames, mm::Owner owner, uint32_t asid, uint64_t nested_cr3,
                          const LongModeEntry& entry)
{
    if (asid == 0) return "ASID 0 belongs to the host";
    owner_ = owner;
    // Charged to the VM, so that its frame count covers everything it costs and returns to
    // zero when it ends.
    vmcb_pa_ = x86::alloc_zeroed(frames, 0, owner);
    iopm_pa_ = x86::alloc_zeroed(frames, 2, owner);
    msrpm_pa_ = x86::alloc_zeroed(frames, 1, owner);
    if (!vmcb_pa_ || !iopm_pa_ || !msrpm_pa_) {
        release(frames);
        return "no memory for the VMCB and permission maps";
    }
    // Intercept every port and every MSR: the common exit handling has the allow-lists.
    memset(reinterpret_cast<void*>(iopm_pa_), 0xff, 3 * 4096);
    memset(reinterpret_cast<void*>(msrpm_pa_), 0xff, 2 * 4096);

    fill_long_mode_vmcb(vmcb(), {asid, nested_cr3, iopm_pa_, msrpm_pa_, entry.rip, entry.rsp, entry.cr3});
    flush_pending_ = true;
    return nullptr;
}

void SvmVcpu::release(mm::FrameAllocator& frames)
{
    if (vmcb_pa_) frames.free(vmcb_pa_, 0, owner_);
    if (iopm_pa_) frames.free(iopm_pa_, 2, owner_);
    if (msrpm_pa_) frames.free(msrpm_pa_, 1, owner_);
    vmcb_pa_ = iopm_pa_ = msrpm_pa_ = 0;
}

RawExit SvmVcpu::run(unsigned cpu, uint8_t tlb)
{
    Vmcb& v = vmcb();
    v.control.tlb_control = tlb;
    v.control.clean_bits = 0; // nothing cached: we do not track which fields changed
    svm_run_guest(vmcb_pa_, per_cpu(cpu).host_vmcb_pa, &gprs_);
    v.control.tlb_control = tlb_control::nothing; // the CPU never clears it
    return {v.control.exit_code, v.control.exit_info1, v.control.exit_info2, v.control.exit_int_info,
            v.control.next_rip};
}

} // namespace sp::svm
