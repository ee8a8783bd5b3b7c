#include "arch/svm/svm_cpu.hpp"

#include "arch/svm/vmcb.hpp"
#include "arch/x86/io.hpp"
#include "arch/x86/zeroed_frames.hpp"

namespace sp::svm {
namespace {
PerCpu cpus[max_cpus];
constexpr uint32_t msr_efer = 0xc0000080;
constexpr uint64_t vm_cr_svmdis = 1ull << 4;
} // namespace

PerCpu& per_cpu(unsigned cpu) { return cpus[cpu]; }

const char* enable_on_this_cpu(unsigned cpu, mm::FrameAllocator& frames)
{
    if (cpu >= max_cpus) return "CPU index out of range";
    PerCpu& pc = cpus[cpu];
    if (pc.enabled) return nullptr;
    if (x86::rdmsr(msr_vm_cr) & vm_cr_svmdis) return "SVM is disabled by the firmware (VM_CR.SVMDIS)";
    pc.host_save_area_pa = x86::alloc_zeroed(frames, 0, mm::Owner::hypervisor());
    pc.host_vmcb_pa = x86::alloc_zeroed(frames, 0, mm::Owner::hypervisor());
    if (!pc.host_save_area_pa || !pc.host_vmcb_pa) return "no memory for the host save area";
    x86::wrmsr(msr_efer, x86::rdmsr(msr_efer) | efer_svme);
    x86::wrmsr(msr_vm_hsave_pa, pc.host_save_area_pa);
    pc.enabled = true;
    return nullptr;
}

} // namespace sp::svm
