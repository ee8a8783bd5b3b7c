#include "arch/vmx/vmx_cpu.hpp"

#include "arch/vmx/vmx_instructions.hpp"
#include "arch/vmx/vmx_probe.hpp"
#include "arch/x86/cpu.hpp"
#include "arch/x86/io.hpp"
#include "arch/x86/zeroed_frames.hpp"
#include "hv/lib/format.hpp"

namespace sp::vmx {
namespace {

PerCpu cpus[max_cpus];
char control_error[160];

constexpr uint64_t feature_control_lock = 1, feature_control_vmx_outside_smx = 1ull << 2;

void write_cr0(uint64_t v) { asm volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
void write_cr4(uint64_t v) { asm volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }

} // namespace

PerCpu& per_cpu(unsigned cpu) { return cpus[cpu]; }

const char* enable_on_this_cpu(unsigned cpu, mm::FrameAllocator& frames)
{
    if (cpu >= max_cpus) return "CPU index out of range";
    PerCpu& pc = cpus[cpu];
    if (pc.enabled) return nullptr;

    // OVMF leaves the MSR unlocked (0) and VMXON then raises #GP: lock it with VMX allowed.
    uint64_t fc = x86::rdmsr(msr::feature_control);
    if (fc & feature_control_lock) {
        if (!(fc & feature_control_vmx_outside_smx))
            return "VMX is disabled by the firmware (IA32_FEATURE_CONTROL locked without VMX); enable "
                   "virtualization in the firmware setup";
    } else {
        x86::wrmsr(msr::feature_control, fc | feature_control_lock | feature_control_vmx_outside_smx);
    }

    pc.caps = read_capabilities();
    ControlWishes wishes = samepage_control_wishes();
    pc.invalidation = invalidation_support(pc.caps.ept_vpid_cap);
    if (!pc.invalidation.invept_single && !pc.invalidation.invept_all)
        return "EPT without INVEPT: EPT changes could not be flushed";
    if (!pc.invalidation.invvpid_single && !pc.invalidation.invvpid_all) wishes.secondary.optional &= ~secondary::vpid;
    ControlsResult r = derive_controls(pc.caps, wishes);
    if (!r.ok) {
        describe_missing_control(r, control_error, sizeof control_error);
        return control_error;
    }
    pc.controls = r.controls;
    pc.has_rdtscp = (x86::cpuid(0x80000001).edx >> 27) & 1;

    // CR0 and CR4 must hold the bits VMX fixes (CR4.VMXE; CR0.PE/NE/PG, already set in 64-bit
    // mode) before VMXON and as long as VMX is on.
    write_cr0((x86::read_cr0() | pc.caps.cr0_fixed0) & pc.caps.cr0_fixed1);
    write_cr4((x86::read_cr4() | pc.caps.cr4_fixed0) & pc.caps.cr4_fixed1);

    pc.vmxon_pa = x86::alloc_zeroed(frames, 0, mm::Owner::hypervisor());
    if (!pc.vmxon_pa) return "no memory for the VMXON region";
    *reinterpret_cast<uint32_t*>(pc.vmxon_pa) = pc.caps.vmcs_revision();
    if (!vmxon(pc.vmxon_pa)) {
        frames.free(pc.vmxon_pa, 0, mm::Owner::hypervisor());
        pc.vmxon_pa = 0;
        return "VMXON failed";
    }
    // Nothing of an earlier VMX user may survive in the TLB.
    VmxInstructions instructions;
    if (pc.invalidation.invept_all) instructions.invept(InveptType::all_context, 0);
    if (pc.invalidation.invvpid_all) instructions.invvpid(InvvpidType::all_context, 0);
    pc.enabled = true;
    return nullptr;
}

} // namespace sp::vmx
