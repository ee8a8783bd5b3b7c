#include "arch/vmx/vmx_probe.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/io.hpp"

namespace sp::vmx {

VmxCapabilities read_capabilities()
{
    using x86::rdmsr;
    VmxCapabilities c;
    c.basic = rdmsr(msr::basic);
    c.pinbased = rdmsr(msr::pinbased);
    c.procbased = rdmsr(msr::procbased);
    c.exit = rdmsr(msr::exit);
    c.entry = rdmsr(msr::entry);
    c.misc = rdmsr(msr::misc);
    c.cr0_fixed0 = rdmsr(msr::cr0_fixed0);
    c.cr0_fixed1 = rdmsr(msr::cr0_fixed1);
    c.cr4_fixed0 = rdmsr(msr::cr4_fixed0);
    c.cr4_fixed1 = rdmsr(msr::cr4_fixed1);
    c.vmcs_enum = rdmsr(msr::vmcs_enum);
    if (c.has_true_controls()) {
        c.true_pinbased = rdmsr(msr::true_pinbased);
        c.true_procbased = rdmsr(msr::true_procbased);
        c.true_exit = rdmsr(msr::true_exit);
        c.true_entry = rdmsr(msr::true_entry);
    }
    if ((c.procbased >> 63) & 1) { // "activate secondary controls" may be 1
        c.procbased2 = rdmsr(msr::procbased2);
        bool ept_or_vpid = ((c.procbased2 >> 33) & 1) || ((c.procbased2 >> 37) & 1);
        if (ept_or_vpid) c.ept_vpid_cap = rdmsr(msr::ept_vpid_cap);
    }
    if (x86::cpuid(0x80000000).eax >= 0x80000008) c.physical_address_bits = x86::cpuid(0x80000008).eax & 0xff;
    return c;
}

} // namespace sp::vmx
