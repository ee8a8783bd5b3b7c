#include "arch/svm/vmrun_checks.hpp"

namespace sp::svm {
namespace {

constexpr uint64_t bit(unsigned n) { return 1ull << n; }

constexpr uint64_t cr0_pe = bit(0), cr0_nw = bit(29), cr0_cd = bit(30), cr0_pg = bit(31);
constexpr uint64_t cr4_pae = bit(5);
constexpr uint64_t efer_lme = bit(8), efer_lma = bit(10);
// Bits AMD defines in CR4 (VME..LA57, FSGSBASE, PCIDE, OSXSAVE, SMEP, SMAP, PKE, CET) and in
// EFER (SCE, LME, LMA, NXE, SVME, LMSLE, FFXSR, TCE, MCOMMIT, INTWB, UAIE, AIBRSE); the rest
// must be zero.
constexpr uint64_t cr4_defined = 0x1fffull | bit(16) | bit(17) | bit(18) | bit(20) | bit(21) | bit(22) | bit(23);
constexpr uint64_t efer_defined = bit(0) | bit(8) | bit(10) | bit(11) | bit(12) | bit(13) | bit(14) | bit(15) |
                                  bit(17) | bit(18) | bit(20) | bit(21);
constexpr uint64_t cr3_mbz_long = 0xfff0000000000000ull; // bits 63:52
constexpr uint16_t cs_long = 1u << 9, cs_default = 1u << 10; // L and D in the packed attributes

bool valid_pat(uint64_t pat)
{
    for (int i = 0; i < 8; ++i) {
        uint8_t type = static_cast<uint8_t>(pat >> (8 * i));
        if (type == 2 || type == 3 || type > 7) return false;
    }
    return true;
}

VmrunCheck fail(const char* field, const char* rule, uint64_t value) { return {field, rule, value}; }

} // namespace

VmrunCheck check_vmrun(const Vmcb& v, const SvmHostLimits& host)
{
    const VmcbState& s = v.state;
    const VmcbControl& c = v.control;
    if (!(s.efer & efer_svme)) return fail("EFER", "EFER.SVME is zero", s.efer);
    if (!(s.cr0 & cr0_cd) && (s.cr0 & cr0_nw)) return fail("CR0", "CR0.CD is zero and CR0.NW is set", s.cr0);
    if (s.cr0 >> 32) return fail("CR0", "CR0[63:32] are not zero", s.cr0);
    if ((s.efer & efer_lma) && (s.cr3 & cr3_mbz_long)) return fail("CR3", "a must-be-zero bit of CR3 is set", s.cr3);
    if (s.cr4 & ~cr4_defined) return fail("CR4", "a must-be-zero bit of CR4 is set", s.cr4);
    if (s.dr6 >> 32) return fail("DR6", "DR6[63:32] are not zero", s.dr6);
    if (s.dr7 >> 32) return fail("DR7", "DR7[63:32] are not zero", s.dr7);
    if (s.efer & ~efer_defined) return fail("EFER", "a must-be-zero bit of EFER is set", s.efer);
    if ((s.efer & (efer_lma | efer_lme)) && !host.long_mode)
        return fail("EFER", "EFER.LMA or LME is set but the CPU has no long mode", s.efer);
    bool lme_pg = (s.efer & efer_lme) && (s.cr0 & cr0_pg);
    if (lme_pg && !(s.cr4 & cr4_pae)) return fail("CR4", "EFER.LME and CR0.PG are set but CR4.PAE is zero", s.cr4);
    if (lme_pg && !(s.cr0 & cr0_pe)) return fail("CR0", "EFER.LME and CR0.PG are set but CR0.PE is zero", s.cr0);
    if (lme_pg && (s.cr4 & cr4_pae) && (s.cs.attrib & cs_long) && (s.cs.attrib & cs_default))
        return fail("CS", "EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D are all set", s.cs.attrib);
    if (!(c.intercept_misc2 & misc2::vmrun)) return fail("intercept VMRUN", "the VMRUN intercept bit is clear", c.intercept_misc2);
    uint64_t limit = host.physical_address_bits >= 64 ? ~0ull : (1ull << host.physical_address_bits);
    if (c.msrpm_base_pa + 2 * 4096 > limit || c.msrpm_base_pa + 2 * 4096 < c.msrpm_base_pa)
        return fail("MSRPM_BASE_PA", "the MSR permission map reaches beyond the physical address width", c.msrpm_base_pa);
    if (c.iopm_base_pa + 3 * 4096 > limit || c.iopm_base_pa + 3 * 4096 < c.iopm_base_pa)
        return fail("IOPM_BASE_PA", "the I/O permission map reaches beyond the physical address width", c.iopm_base_pa);
    if (c.event_inject & event::valid) {
        uint64_t type = (c.event_inject >> 8) & 7;
        uint64_t vector = c.event_inject & 0xff;
        if (type == 1 || type > 4) return fail("EVENTINJ", "reserved event type", c.event_inject);
        if (type == event::type_exception && (vector == 2 || vector > 31))
            return fail("EVENTINJ", "an exception with vector 2 or 32-255", c.event_inject);
    }
    if (c.guest_asid == 0) return fail("ASID", "the guest ASID is zero", 0);
    if (c.np_control & 1) {
        if (!host.nested_paging) return fail("NP_ENABLE", "nested paging is enabled but the CPU has none", c.np_control);
        if (c.n_cr3 >> host.physical_address_bits) return fail("N_CR3", "N_CR3 points beyond the physical address width", c.n_cr3);
        if (!valid_pat(s.g_pat)) return fail("G_PAT", "a G_PAT entry holds a reserved memory type", s.g_pat);
    }
    return {};
}

} // namespace sp::svm
