#include "arch/svm/vmcb_setup.hpp"

#include <string.h>

#include "arch/svm/intercepts.hpp"

namespace sp::svm {
namespace {

// Packed 12-bit attributes (APM 15.5.1): a raw descriptor's 0xA09B would be taken silently
// and run the guest as 16-bit code.
constexpr uint16_t attrib_code64 = 0x0a9b, attrib_data = 0x0c93, attrib_tss64 = 0x008b, attrib_ldt = 0x0082;
constexpr uint64_t cr0_pe = 1, cr0_mp = 2, cr0_et = 1 << 4, cr0_ne = 1 << 5, cr0_wp = 1 << 16, cr0_pg = 1ull << 31;
constexpr uint64_t cr4_pae = 1 << 5, cr4_osfxsr = 1 << 9, cr4_osxmmexcpt = 1 << 10;
constexpr uint64_t efer_lme = 1 << 8, efer_lma = 1 << 10, efer_nxe = 1 << 11;
constexpr uint64_t pat_power_on = 0x0007040600070406ull; // the guest's PAT after reset
constexpr uint64_t v_intr_masking = 1ull << 24;

VmcbSegment flat(uint16_t selector, uint16_t attrib) { return {selector, attrib, 0xffffffffu, 0}; }

} // namespace

void fill_long_mode_vmcb(Vmcb& v, const VmcbSetup& setup)
{
    memset(&v, 0, sizeof v);
    VmcbControl& c = v.control;
    size_t count = 0;
    const Intercept* rows = intercepts(count);
    for (size_t i = 0; i < count; ++i) {
        switch (rows[i].word) {
        case InterceptWord::exceptions: c.intercept_exceptions |= rows[i].bit; break;
        case InterceptWord::misc1: c.intercept_misc1 |= rows[i].bit; break;
        case InterceptWord::misc2: c.intercept_misc2 |= rows[i].bit; break;
        }
    }
    c.iopm_base_pa = setup.iopm_pa;
    c.msrpm_base_pa = setup.msrpm_pa;
    c.guest_asid = setup.asid;
    c.virtual_interrupt = v_intr_masking; // the guest's IF never gates host interrupts
    c.np_control = 1;
    c.n_cr3 = setup.nested_cr3;

    VmcbState& s = v.state;
    s.cs = flat(0x08, attrib_code64);
    s.ds = s.es = s.ss = s.fs = s.gs = flat(0x10, attrib_data);
    s.tr = {0x18, attrib_tss64, 0x67, 0};
    s.ldtr = {0, attrib_ldt, 0, 0};
    s.cpl = 0;
    // Set LMA ourselves: with LME and paging on but LMA clear, QEMU runs the guest in legacy
    // PAE mode where hardware would refuse. SVME must be set in the guest's EFER for VMRUN.
    s.efer = efer_lme | efer_lma | efer_nxe | efer_svme;
    s.cr0 = cr0_pe | cr0_mp | cr0_et | cr0_ne | cr0_wp | cr0_pg;
    s.cr4 = cr4_pae | cr4_osfxsr | cr4_osxmmexcpt;
    s.cr3 = setup.cr3;
    s.dr6 = 0xffff0ff0;
    s.dr7 = 0x400;
    s.rflags = 0x2;
    s.rip = setup.rip;
    s.rsp = setup.rsp;
    s.g_pat = pat_power_on;
}

} // namespace sp::svm
