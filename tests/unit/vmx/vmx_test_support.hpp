// Fixtures for the VMX tests: capability MSRs recorded from Bochs 2.7's corei7_haswell_4770
// (read by Samepage itself under Bochs), a CPU without TRUE controls, and a VMCS image built
// the way the back-end builds it.
#pragma once
#include "arch/vmx/eptp.hpp"
#include "arch/vmx/vmcs_setup.hpp"
#include "arch/vmx/vmx_capabilities.hpp"
#include "arch/vmx/vmx_controls.hpp"

namespace sp::vmx::test {

inline VmxCapabilities bochs_haswell()
{
    VmxCapabilities c;
    c.basic = 0x00d810000000002bull; // rev 0x2b, 4096 B, WB, INS/OUTS info, TRUE controls
    c.pinbased = 0x0000007f00000016ull;
    c.procbased = 0xf7f9fffe0401e172ull;
    c.exit = 0x007fffff00036dffull;
    c.entry = 0x0000ffff000011ffull;
    c.true_pinbased = 0x0000007f00000016ull;
    c.true_procbased = 0xf7f9fffe04006172ull;
    c.true_exit = 0x007fffff00036dfbull;
    c.true_entry = 0x0000ffff000011fbull;
    c.procbased2 = 0x00047fff00000000ull;
    c.ept_vpid_cap = 0x00000f0106334141ull;
    c.misc = 0x200401e0ull;
    c.cr0_fixed0 = 0x80000021ull;
    c.cr0_fixed1 = 0xffffffffull;
    c.cr4_fixed0 = 0x2000ull;
    c.cr4_fixed1 = 0x1727ffull;
    c.vmcs_enum = 0x34;
    c.physical_address_bits = 40;
    return c;
}

// The same CPU as an older one without the TRUE MSRs: CR3-load/store exiting and the
// debug-control save/load are then forced on.
inline VmxCapabilities without_true_controls()
{
    VmxCapabilities c = bochs_haswell();
    c.basic &= ~(1ull << 55);
    c.true_pinbased = c.true_procbased = c.true_exit = c.true_entry = 0;
    return c;
}

inline HostState sample_host()
{
    HostState h;
    h.cr0 = 0x80050033; // PE MP ET NE WP AM PG
    h.cr3 = 0x1000000;
    h.cr4 = 0x26a0; // PAE PGE OSFXSR OSXMMEXCPT VMXE
    h.cs = 0x08;
    h.ss = h.ds = h.es = h.fs = h.gs = 0x10;
    h.tr = 0x18;
    h.tr_base = 0x1234000;
    h.gdtr_base = 0x1235000;
    h.idtr_base = 0x1236000;
    h.efer = 0xd01; // SCE LME LMA NXE
    h.pat = 0x0007040600070406ull;
    h.rip = 0x401000;
    return h;
}

inline VmcsImage sample_vmcs(const VmxCapabilities& caps = bochs_haswell())
{
    VmcsSetup s;
    s.controls = derive_controls(caps, samepage_control_wishes()).controls;
    s.eptp = make_eptp(0x2000000, caps).eptp;
    s.vpid = 1;
    s.io_bitmap_a = 0x3000000;
    s.io_bitmap_b = 0x3001000;
    s.msr_bitmap = 0x3002000;
    s.rip = 0x100000;
    s.rsp = 0x7ff0;
    s.cr3 = 0x1000;
    s.host = sample_host();
    VmcsImage v;
    fill_long_mode_vmcs(v, s, caps);
    return v;
}

} // namespace sp::vmx::test
