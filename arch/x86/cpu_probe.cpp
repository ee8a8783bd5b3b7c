#include "arch/x86/cpu_probe.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/io.hpp"

namespace sp::x86 {

RawCpuInfo probe_cpu()
{
    RawCpuInfo raw;
    auto l0 = cpuid(0);
    raw.leaf0[0] = l0.eax;
    raw.leaf0[1] = l0.ebx;
    raw.leaf0[2] = l0.ecx;
    raw.leaf0[3] = l0.edx;
    if (l0.eax >= 1) {
        auto l1 = cpuid(1);
        raw.leaf1_eax = l1.eax;
        raw.leaf1_ecx = l1.ecx;
        raw.leaf1_edx = l1.edx;
    }
    if (l0.eax >= 7) {
        auto l7 = cpuid(7, 0);
        raw.leaf7_ebx = l7.ebx;
        raw.leaf7_ecx = l7.ecx;
    }
    raw.ext_max = cpuid(0x80000000).eax;
    if (raw.ext_max >= 0x80000001) {
        auto e1 = cpuid(0x80000001);
        raw.ext1_ecx = e1.ecx;
        raw.ext1_edx = e1.edx;
    }
    if (raw.ext_max >= 0x80000004) {
        for (uint32_t i = 0; i < 3; ++i) {
            auto b = cpuid(0x80000002 + i);
            raw.brand[i * 4 + 0] = b.eax;
            raw.brand[i * 4 + 1] = b.ebx;
            raw.brand[i * 4 + 2] = b.ecx;
            raw.brand[i * 4 + 3] = b.edx;
        }
    }
    const bool vmx = (raw.leaf1_ecx >> 5) & 1;
    const bool svm = (raw.ext1_ecx >> 2) & 1;
    if (vmx) {
        raw.feature_control = rdmsr(0x3a);
        raw.have_feature_control = true;
        raw.vmx_basic = rdmsr(0x480);
        raw.have_vmx_basic = true;
        raw.procbased = rdmsr(0x482);
        raw.have_procbased = true;
        if ((raw.procbased >> 63) & 1) {
            raw.secondary = rdmsr(0x48b);
            raw.have_secondary = true;
            const bool ept_or_vpid = ((raw.secondary >> 33) & 1) || ((raw.secondary >> 37) & 1);
            if (ept_or_vpid) {
                raw.ept_vpid_cap = rdmsr(0x48c);
                raw.have_ept_vpid_cap = true;
            }
        }
    }
    if (svm && raw.ext_max >= 0x8000000a) {
        auto s = cpuid(0x8000000a);
        raw.svm_eax = s.eax;
        raw.svm_ebx = s.ebx;
        raw.svm_edx = s.edx;
        raw.vm_cr = rdmsr(0xc0010114);
        raw.have_vm_cr = true;
    }
    return raw;
}

} // namespace sp::x86
