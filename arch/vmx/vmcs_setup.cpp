#include "arch/vmx/vmcs_setup.hpp"

namespace sp::vmx {
namespace {

constexpr uint64_t cr0_pe = 1, cr0_mp = 2, cr0_et = 1 << 4, cr0_ne = 1 << 5, cr0_wp = 1 << 16, cr0_pg = 1ull << 31;
constexpr uint64_t cr4_pae = 1 << 5, cr4_osfxsr = 1 << 9, cr4_osxmmexcpt = 1 << 10;
constexpr uint64_t efer_lme = 1 << 8, efer_lma = 1 << 10, efer_nxe = 1 << 11;
constexpr uint64_t pat_power_on = 0x0007040600070406ull; // the guest's PAT after reset

VmcsSegment flat(uint16_t selector, uint64_t access) { return {selector, 0, 0xffffffffu, access}; }

} // namespace

void fill_long_mode_vmcs(VmcsImage& v, const VmcsSetup& s, const VmxCapabilities& caps)
{
    v = VmcsImage{};
    v.pin_controls = s.controls.pin;
    v.primary_controls = s.controls.primary;
    v.secondary_controls = s.controls.secondary;
    v.exit_controls = s.controls.exit;
    v.entry_controls = s.controls.entry;
    v.exception_bitmap = samepage_exception_bitmap(); // #DB, #AC: CVE-2015-8104, CVE-2015-5307
    v.io_bitmap_a = s.io_bitmap_a;
    v.io_bitmap_b = s.io_bitmap_b;
    v.msr_bitmap = s.msr_bitmap;
    v.ept_pointer = s.eptp;
    v.vpid = s.vpid;

    // CR0 and CR4 bits VMX fixes belong to the host: the guest reads them from the shadows and
    // a MOV that would change them exits. CR4.VMXE stays set underneath but reads as 0.
    const bool unrestricted = (s.controls.secondary & secondary::unrestricted_guest) != 0;
    uint64_t cr0_fixed = caps.cr0_fixed0 & ~(unrestricted ? (cr0_pe | cr0_pg) : 0);
    uint64_t cr0 = (cr0_pe | cr0_mp | cr0_et | cr0_ne | cr0_wp | cr0_pg | cr0_fixed) & caps.cr0_fixed1;
    uint64_t cr4_guest = cr4_pae | cr4_osfxsr | cr4_osxmmexcpt;
    v.cr0_guest_host_mask = cr0_fixed;
    v.cr0_read_shadow = cr0;
    v.cr4_guest_host_mask = caps.cr4_fixed0 | cr4_vmxe;
    v.cr4_read_shadow = cr4_guest;
    v.cr0 = cr0;
    v.cr4 = (cr4_guest | caps.cr4_fixed0) & caps.cr4_fixed1;
    v.cr3 = s.cr3;

    const HostState& h = s.host;
    v.host_cr0 = h.cr0;
    v.host_cr3 = h.cr3;
    v.host_cr4 = h.cr4;
    v.host_cs = h.cs;
    v.host_ss = h.ss;
    v.host_ds = h.ds;
    v.host_es = h.es;
    v.host_fs = h.fs;
    v.host_gs = h.gs;
    v.host_tr = h.tr;
    v.host_fs_base = h.fs_base;
    v.host_gs_base = h.gs_base;
    v.host_tr_base = h.tr_base;
    v.host_gdtr_base = h.gdtr_base;
    v.host_idtr_base = h.idtr_base;
    v.host_efer = h.efer;
    v.host_pat = h.pat;
    v.host_rip = h.rip;

    v.cs = flat(0x08, guest_access::code64);
    v.ss = v.ds = v.es = v.fs = v.gs = flat(0x10, guest_access::data);
    v.tr = {0x18, 0, 0x67, guest_access::tss_busy};
    v.ldtr = {0, 0, 0, guest_access::unusable};
    v.dr7 = 0x400;
    v.rflags = 0x2;
    v.rip = s.rip;
    v.rsp = s.rsp;
    v.pat = pat_power_on;
    v.efer = efer_lme | efer_lma | efer_nxe;
    v.vmcs_link_pointer = ~0ull; // no VMCS shadowing
}

} // namespace sp::vmx
