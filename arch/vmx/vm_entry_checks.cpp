#include "arch/vmx/vm_entry_checks.hpp"

#include "arch/vmx/eptp.hpp"
#include "arch/vmx/vmx_controls.hpp"
#include "arch/vmx/vmx_exit_reasons.hpp"

namespace sp::vmx {
namespace {

constexpr uint64_t bit(unsigned n) { return 1ull << n; }

constexpr uint64_t cr0_pe = bit(0), cr0_pg = bit(31);
constexpr uint64_t cr4_pae = bit(5), cr4_pcide = bit(17);
constexpr uint64_t efer_lme = bit(8), efer_lma = bit(10);
constexpr uint64_t efer_defined = bit(0) | bit(8) | bit(10) | bit(11); // SCE LME LMA NXE on Intel
constexpr uint64_t rflags_reserved = ~((1ull << 22) - 1) | bit(15) | bit(5) | bit(3);
constexpr uint64_t rflags_fixed1 = bit(1), rflags_tf = bit(8), rflags_if = bit(9), rflags_vm = bit(17);
constexpr uint64_t debugctl_btf = bit(1), debugctl_reserved = (~0ull << 16) | 0x3c;
constexpr uint32_t access_unusable = 1u << 16;
constexpr uint64_t access_reserved = 0xf00 | ~0x1ffffull; // bits 11:8 and 31:17 (and above)

// Blocking by STI (0), by MOV SS (1), by SMI (2), by NMI (3).
constexpr uint64_t block_sti = bit(0), block_mov_ss = bit(1), block_smi = bit(2), block_nmi = bit(3);
constexpr unsigned activity_active = 0, activity_hlt = 1;

bool canonical(uint64_t a) { return static_cast<uint64_t>(static_cast<int64_t>(a << 16) >> 16) == a; }

bool beyond_width(uint64_t a, unsigned bits) { return bits < 64 && (a >> bits) != 0; }

bool valid_pat(uint64_t pat)
{
    for (int i = 0; i < 8; ++i) {
        auto type = static_cast<uint8_t>(pat >> (8 * i));
        if (type == 2 || type == 3 || type > 7) return false;
    }
    return true;
}

bool fixed_ok(uint64_t value, uint64_t fixed0, uint64_t fixed1)
{
    return (value & fixed0) == fixed0 && (value & ~fixed1) == 0;
}

// Access-rights fields: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16.
constexpr unsigned type_of(uint64_t ar) { return ar & 0xf; }
constexpr bool s_of(uint64_t ar) { return (ar >> 4) & 1; }
constexpr unsigned dpl_of(uint64_t ar) { return (ar >> 5) & 3; }
constexpr bool p_of(uint64_t ar) { return (ar >> 7) & 1; }
constexpr bool l_of(uint64_t ar) { return (ar >> 13) & 1; }
constexpr bool d_of(uint64_t ar) { return (ar >> 14) & 1; }
constexpr bool g_of(uint64_t ar) { return (ar >> 15) & 1; }
constexpr bool usable(const VmcsSegment& s) { return !(s.access & access_unusable); }

// Limit and granularity must agree: 4 KiB granularity needs limit[11:0] all ones, and a limit
// above 1 MiB needs it.
bool granularity_ok(const VmcsSegment& s)
{
    if ((s.limit & 0xfff) != 0xfff && g_of(s.access)) return false;
    if ((s.limit & 0xfff00000) != 0 && !g_of(s.access)) return false;
    return true;
}

class Checker {
public:
    Checker(const VmcsImage& v, const VmxCapabilities& c) : v_(v), c_(c) {}

    EntryCheck run()
    {
        if (controls() || host() || guest()) return result_;
        return {};
    }

private:
    // Records the first failure; returns true so that callers stop.
    bool fail(CheckArea area, const char* field, const char* rule, uint64_t value)
    {
        result_ = {field, rule, value, area};
        return true;
    }
    bool ctl(const char* field, const char* rule, uint64_t value) { return fail(CheckArea::controls, field, rule, value); }
    bool hst(const char* field, const char* rule, uint64_t value) { return fail(CheckArea::host_state, field, rule, value); }
    bool gst(const char* field, const char* rule, uint64_t value) { return fail(CheckArea::guest_state, field, rule, value); }

    bool primary(uint32_t b) const { return v_.primary_controls & b; }
    bool secondary_active() const { return primary(primary::secondary_controls); }
    bool secondary(uint32_t b) const { return secondary_active() && (v_.secondary_controls & b); }
    bool ia32e_guest() const { return v_.entry_controls & entry_control::ia32e_mode_guest; }
    bool unrestricted() const { return secondary(secondary::unrestricted_guest); }

    bool allowed(ControlSet set, uint64_t value, const char* field)
    {
        AllowedControls a = allowed_controls(c_, set);
        if (value >> 32 || !a.allows(static_cast<uint32_t>(value)))
            return ctl(field, "outside what the capability MSR allows", value);
        return false;
    }

    bool bitmap_address(uint64_t pa, const char* field)
    {
        if ((pa & 0xfff) || beyond_width(pa, c_.physical_address_bits))
            return ctl(field, "not 4 KiB aligned or beyond the physical address width", pa);
        return false;
    }

    // SDM 27.2.1.1-27.2.1.3.
    bool controls()
    {
        if (allowed(ControlSet::pin, v_.pin_controls, "pin-based VM-execution controls")) return true;
        if (allowed(ControlSet::primary, v_.primary_controls, "primary processor-based VM-execution controls"))
            return true;
        if (secondary_active() &&
            allowed(ControlSet::secondary, v_.secondary_controls, "secondary processor-based VM-execution controls"))
            return true;
        if (v_.cr3_target_count > c_.cr3_target_count())
            return ctl("CR3-target count", "greater than the CPU supports", v_.cr3_target_count);
        if (primary(primary::io_bitmaps) && (bitmap_address(v_.io_bitmap_a, "I/O bitmap A address") ||
                                             bitmap_address(v_.io_bitmap_b, "I/O bitmap B address")))
            return true;
        if (primary(primary::msr_bitmaps) && bitmap_address(v_.msr_bitmap, "MSR bitmap address")) return true;
        if (!(v_.pin_controls & pin::nmi_exiting) && (v_.pin_controls & pin::virtual_nmis))
            return ctl("pin-based VM-execution controls", "virtual NMIs without NMI exiting", v_.pin_controls);
        if (!(v_.pin_controls & pin::virtual_nmis) && primary(primary::nmi_window_exiting))
            return ctl("primary processor-based VM-execution controls", "NMI-window exiting without virtual NMIs",
                       v_.primary_controls);
        if (secondary(secondary::ept) && eptp()) return true;
        if (secondary(secondary::unrestricted_guest) && !secondary(secondary::ept))
            return ctl("secondary processor-based VM-execution controls", "unrestricted guest without EPT",
                       v_.secondary_controls);
        if (secondary(secondary::vpid) && v_.vpid == 0) return ctl("VPID", "VPID enabled but the VPID is 0", 0);

        if (allowed(ControlSet::exit, v_.exit_controls, "VM-exit controls")) return true;
        if (!(v_.pin_controls & pin::preemption_timer) && (v_.exit_controls & exit_control::save_preemption_timer))
            return ctl("VM-exit controls", "save VMX-preemption timer value without the timer", v_.exit_controls);
        if (allowed(ControlSet::entry, v_.entry_controls, "VM-entry controls")) return true;
        if (v_.entry_controls & (entry_control::entry_to_smm | entry_control::deactivate_dual_monitor))
            return ctl("VM-entry controls", "entry to SMM or deactivate dual-monitor treatment outside SMM",
                       v_.entry_controls);
        return event_injection();
    }

    bool eptp()
    {
        uint64_t e = v_.ept_pointer;
        uint64_t type = e & 7, walk = (e >> 3) & 7;
        uint64_t cap = c_.ept_vpid_cap;
        bool type_ok = (type == 0 && (cap & ept_cap::memory_uc)) || (type == 6 && (cap & ept_cap::memory_wb));
        if (!type_ok) return ctl("EPT pointer", "memory type not offered by the CPU", e);
        bool walk_ok = (walk == 3 && (cap & ept_cap::walk_4)) || (walk == 4 && (cap & ept_cap::walk_5));
        if (!walk_ok) return ctl("EPT pointer", "page-walk length not offered by the CPU", e);
        if ((e & bit(6)) && !(cap & ept_cap::accessed_dirty))
            return ctl("EPT pointer", "accessed/dirty flags enabled but not offered", e);
        if (e & 0xf80) return ctl("EPT pointer", "a reserved bit (11:7) is set", e);
        if (beyond_width(e, c_.physical_address_bits))
            return ctl("EPT pointer", "bits beyond the physical address width are set", e);
        return false;
    }

    // SDM 27.2.1.3, VM-entry control fields: the event to inject.
    bool event_injection()
    {
        uint64_t info = v_.entry_interruption_info;
        if (!(info & interruption::valid)) return false;
        const char* f = "VM-entry interruption-information field";
        uint32_t type = interruption::type(static_cast<uint32_t>(info));
        uint32_t vector = interruption::vector(static_cast<uint32_t>(info));
        if (type == 1 || type == interruption::type_other) return ctl(f, "reserved interruption type", info);
        if (type == interruption::type_nmi && vector != 2) return ctl(f, "an NMI with a vector other than 2", info);
        if (type == interruption::type_hardware_exception && vector > 31)
            return ctl(f, "a hardware exception with a vector above 31", info);
        bool protected_mode = !unrestricted() || (v_.cr0 & cr0_pe);
        bool wants_error = type == interruption::type_hardware_exception &&
                           (vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21);
        bool has_error = info & interruption::error_code_valid;
        if (has_error != (protected_mode && wants_error))
            return ctl(f, "deliver-error-code does not match the exception and CR0.PE", info);
        if (info & 0x7ffff000u) return ctl(f, "a reserved bit (30:12) is set", info);
        bool software = type == interruption::type_software_interrupt ||
                        type == interruption::type_privileged_software_exception ||
                        type == interruption::type_software_exception;
        uint64_t length = v_.entry_instruction_length;
        if (software && (length > 15 || (length == 0 && !c_.zero_length_injection())))
            return ctl("VM-entry instruction length", "a software event needs a length of 1-15", length);
        return false;
    }

    // SDM 27.2.2-27.2.4.
    bool host()
    {
        if (!fixed_ok(v_.host_cr0, c_.cr0_fixed0, c_.cr0_fixed1))
            return hst("host CR0", "a bit VMX fixes (IA32_VMX_CR0_FIXED0/1) has the wrong value", v_.host_cr0);
        if (!fixed_ok(v_.host_cr4, c_.cr4_fixed0, c_.cr4_fixed1))
            return hst("host CR4", "a bit VMX fixes (IA32_VMX_CR4_FIXED0/1) has the wrong value", v_.host_cr4);
        if (beyond_width(v_.host_cr3, c_.physical_address_bits))
            return hst("host CR3", "bits beyond the physical address width are set", v_.host_cr3);
        if (!canonical(v_.host_sysenter_esp)) return hst("host IA32_SYSENTER_ESP", "not canonical", v_.host_sysenter_esp);
        if (!canonical(v_.host_sysenter_eip)) return hst("host IA32_SYSENTER_EIP", "not canonical", v_.host_sysenter_eip);
        const bool host64 = v_.exit_controls & exit_control::host_address_space_size;
        if ((v_.exit_controls & exit_control::load_pat) && !valid_pat(v_.host_pat))
            return hst("host IA32_PAT", "an entry holds a reserved memory type", v_.host_pat);
        if (v_.exit_controls & exit_control::load_efer) {
            if (v_.host_efer & ~efer_defined) return hst("host IA32_EFER", "a reserved bit is set", v_.host_efer);
            bool lma = v_.host_efer & efer_lma, lme = v_.host_efer & efer_lme;
            if (lma != host64 || lme != host64)
                return hst("host IA32_EFER", "LMA and LME differ from the host address-space size", v_.host_efer);
        }
        struct Sel {
            uint64_t value;
            const char* name;
        } selectors[] = {{v_.host_es, "host ES selector"}, {v_.host_cs, "host CS selector"},
                         {v_.host_ss, "host SS selector"}, {v_.host_ds, "host DS selector"},
                         {v_.host_fs, "host FS selector"}, {v_.host_gs, "host GS selector"},
                         {v_.host_tr, "host TR selector"}};
        for (const Sel& s : selectors)
            if (s.value & 7) return hst(s.name, "RPL or TI is not 0", s.value);
        if (v_.host_cs == 0) return hst("host CS selector", "is 0", 0);
        if (v_.host_tr == 0) return hst("host TR selector", "is 0 (load a TSS before VM entry)", 0);
        if (!host64 && v_.host_ss == 0) return hst("host SS selector", "is 0 with a 32-bit host", 0);
        struct Base {
            uint64_t value;
            const char* name;
        } bases[] = {{v_.host_fs_base, "host FS base"}, {v_.host_gs_base, "host GS base"},
                     {v_.host_gdtr_base, "host GDTR base"}, {v_.host_idtr_base, "host IDTR base"},
                     {v_.host_tr_base, "host TR base"}};
        for (const Base& b : bases)
            if (!canonical(b.value)) return hst(b.name, "not canonical", b.value);
        // Samepage runs in 64-bit mode: exits must return to it.
        if (!host64) return hst("VM-exit controls", "host address-space size is 0 for a 64-bit host", v_.exit_controls);
        if (!(v_.host_cr4 & cr4_pae)) return hst("host CR4", "PAE is 0 with a 64-bit host", v_.host_cr4);
        if (!canonical(v_.host_rip)) return hst("host RIP", "not canonical", v_.host_rip);
        return false;
    }

    bool segment_limit(const VmcsSegment& s, const char* name)
    {
        if (!granularity_ok(s)) return gst(name, "limit and granularity (G) disagree", s.access);
        if (s.access & access_reserved) return gst(name, "a reserved bit (11:8 or 31:17) is set", s.access);
        return false;
    }

    bool segments()
    {
        const VmcsSegment &cs = v_.cs, &ss = v_.ss, &tr = v_.tr, &ldtr = v_.ldtr;
        if (tr.selector & 4) return gst("guest TR selector", "TI is 1", tr.selector);
        if (usable(ldtr) && (ldtr.selector & 4)) return gst("guest LDTR selector", "TI is 1", ldtr.selector);
        if (!unrestricted() && (ss.selector & 3) != (cs.selector & 3))
            return gst("guest SS selector", "RPL differs from CS's", ss.selector);
        if (!canonical(tr.base)) return gst("guest TR base", "not canonical", tr.base);
        if (!canonical(v_.fs.base)) return gst("guest FS base", "not canonical", v_.fs.base);
        if (!canonical(v_.gs.base)) return gst("guest GS base", "not canonical", v_.gs.base);
        if (usable(ldtr) && !canonical(ldtr.base)) return gst("guest LDTR base", "not canonical", ldtr.base);
        if (cs.base >> 32) return gst("guest CS base", "bits 63:32 are not 0", cs.base);
        const VmcsSegment* upper32[] = {&ss, &v_.ds, &v_.es};
        const char* upper32_names[] = {"guest SS base", "guest DS base", "guest ES base"};
        for (int i = 0; i < 3; ++i)
            if (usable(*upper32[i]) && (upper32[i]->base >> 32))
                return gst(upper32_names[i], "bits 63:32 are not 0", upper32[i]->base);

        // CS.
        const char* csn = "guest CS access rights";
        unsigned cst = type_of(cs.access);
        bool cs_type_ok = cst == 9 || cst == 11 || cst == 13 || cst == 15 || (cst == 3 && unrestricted());
        if (!cs_type_ok) return gst(csn, "type is not an accessed code segment", cs.access);
        if (!s_of(cs.access)) return gst(csn, "S (descriptor type) is 0", cs.access);
        if ((cst == 9 || cst == 11) && dpl_of(cs.access) != dpl_of(ss.access))
            return gst(csn, "DPL of a non-conforming code segment differs from SS.DPL", cs.access);
        if ((cst == 13 || cst == 15) && dpl_of(cs.access) > dpl_of(ss.access))
            return gst(csn, "DPL of a conforming code segment is above SS.DPL", cs.access);
        if (cst == 3 && dpl_of(cs.access) != 0) return gst(csn, "DPL of a type-3 code segment is not 0", cs.access);
        if (!p_of(cs.access)) return gst(csn, "P (present) is 0", cs.access);
        if (segment_limit(cs, csn)) return true;
        if (ia32e_guest() && l_of(cs.access) && d_of(cs.access)) return gst(csn, "L and D are both 1", cs.access);

        // SS.
        if (usable(ss)) {
            const char* n = "guest SS access rights";
            unsigned t = type_of(ss.access);
            if (t != 3 && t != 7) return gst(n, "type is not a writable data segment", ss.access);
            if (!s_of(ss.access)) return gst(n, "S (descriptor type) is 0", ss.access);
            if (!unrestricted() && dpl_of(ss.access) != (ss.selector & 3))
                return gst(n, "DPL differs from the selector's RPL", ss.access);
            if ((cst == 3 || !(v_.cr0 & cr0_pe)) && dpl_of(ss.access) != 0)
                return gst(n, "DPL is not 0 in real mode or with a type-3 CS", ss.access);
            if (!p_of(ss.access)) return gst(n, "P (present) is 0", ss.access);
            if (segment_limit(ss, n)) return true;
        }

        // DS, ES, FS, GS.
        const VmcsSegment* data[] = {&v_.ds, &v_.es, &v_.fs, &v_.gs};
        const char* data_names[] = {"guest DS access rights", "guest ES access rights", "guest FS access rights",
                                    "guest GS access rights"};
        for (int i = 0; i < 4; ++i) {
            const VmcsSegment& s = *data[i];
            if (!usable(s)) continue;
            const char* n = data_names[i];
            unsigned t = type_of(s.access);
            if (!(t & 1)) return gst(n, "the accessed bit of the type is 0", s.access);
            if ((t & 8) && !(t & 2)) return gst(n, "a code segment that is not readable", s.access);
            if (!s_of(s.access)) return gst(n, "S (descriptor type) is 0", s.access);
            if (!unrestricted() && t <= 11 && dpl_of(s.access) < (s.selector & 3))
                return gst(n, "DPL is below the selector's RPL", s.access);
            if (!p_of(s.access)) return gst(n, "P (present) is 0", s.access);
            if (segment_limit(s, n)) return true;
        }

        // TR.
        const char* trn = "guest TR access rights";
        unsigned trt = type_of(tr.access);
        if (ia32e_guest() ? trt != 11 : (trt != 3 && trt != 11))
            return gst(trn, "type is not a busy TSS (64-bit: type 11)", tr.access);
        if (s_of(tr.access)) return gst(trn, "S (descriptor type) is 1", tr.access);
        if (!p_of(tr.access)) return gst(trn, "P (present) is 0", tr.access);
        if (!usable(tr)) return gst(trn, "TR is marked unusable", tr.access);
        if (segment_limit(tr, trn)) return true;

        // LDTR.
        if (usable(ldtr)) {
            const char* n = "guest LDTR access rights";
            if (type_of(ldtr.access) != 2) return gst(n, "type is not LDT (2)", ldtr.access);
            if (s_of(ldtr.access)) return gst(n, "S (descriptor type) is 1", ldtr.access);
            if (!p_of(ldtr.access)) return gst(n, "P (present) is 0", ldtr.access);
            if (segment_limit(ldtr, n)) return true;
        }
        return false;
    }

    // SDM 27.3.1.
    bool guest()
    {
        uint64_t fixed0 = c_.cr0_fixed0 & ~(unrestricted() ? (cr0_pe | cr0_pg) : 0);
        if (!fixed_ok(v_.cr0, fixed0, c_.cr0_fixed1))
            return gst("guest CR0", "a bit VMX fixes (IA32_VMX_CR0_FIXED0/1) has the wrong value", v_.cr0);
        if ((v_.cr0 & cr0_pg) && !(v_.cr0 & cr0_pe)) return gst("guest CR0", "PG is 1 but PE is 0", v_.cr0);
        if (!fixed_ok(v_.cr4, c_.cr4_fixed0, c_.cr4_fixed1))
            return gst("guest CR4", "a bit VMX fixes (IA32_VMX_CR4_FIXED0/1) has the wrong value", v_.cr4);
        const bool load_debug = v_.entry_controls & entry_control::load_debug_controls;
        if (load_debug && (v_.debugctl & debugctl_reserved))
            return gst("guest IA32_DEBUGCTL", "a reserved bit is set", v_.debugctl);
        if (ia32e_guest() && !(v_.cr0 & cr0_pg)) return gst("guest CR0", "PG is 0 for an IA-32e mode guest", v_.cr0);
        if (ia32e_guest() && !(v_.cr4 & cr4_pae)) return gst("guest CR4", "PAE is 0 for an IA-32e mode guest", v_.cr4);
        if (!ia32e_guest() && (v_.cr4 & cr4_pcide)) return gst("guest CR4", "PCIDE is 1 outside IA-32e mode", v_.cr4);
        if (beyond_width(v_.cr3, c_.physical_address_bits))
            return gst("guest CR3", "bits beyond the physical address width are set", v_.cr3);
        if (load_debug && (v_.dr7 >> 32)) return gst("guest DR7", "bits 63:32 are not 0", v_.dr7);
        if (!canonical(v_.sysenter_esp)) return gst("guest IA32_SYSENTER_ESP", "not canonical", v_.sysenter_esp);
        if (!canonical(v_.sysenter_eip)) return gst("guest IA32_SYSENTER_EIP", "not canonical", v_.sysenter_eip);
        if ((v_.entry_controls & entry_control::load_pat) && !valid_pat(v_.pat))
            return gst("guest IA32_PAT", "an entry holds a reserved memory type", v_.pat);
        if (v_.entry_controls & entry_control::load_efer) {
            if (v_.efer & ~efer_defined) return gst("guest IA32_EFER", "a reserved bit is set", v_.efer);
            bool lma = v_.efer & efer_lma;
            if (lma != ia32e_guest()) return gst("guest IA32_EFER", "LMA differs from IA-32e mode guest", v_.efer);
            if ((v_.cr0 & cr0_pg) && lma != static_cast<bool>(v_.efer & efer_lme))
                return gst("guest IA32_EFER", "LME differs from LMA with paging on", v_.efer);
        }
        if (segments()) return true;
        if (!canonical(v_.gdtr_base)) return gst("guest GDTR base", "not canonical", v_.gdtr_base);
        if (!canonical(v_.idtr_base)) return gst("guest IDTR base", "not canonical", v_.idtr_base);
        if (v_.gdtr_limit >> 16) return gst("guest GDTR limit", "bits 31:16 are not 0", v_.gdtr_limit);
        if (v_.idtr_limit >> 16) return gst("guest IDTR limit", "bits 31:16 are not 0", v_.idtr_limit);

        const bool long_cs = ia32e_guest() && l_of(v_.cs.access);
        if (!long_cs && (v_.rip >> 32)) return gst("guest RIP", "bits 63:32 are not 0 outside 64-bit mode", v_.rip);
        if (long_cs && !canonical(v_.rip)) return gst("guest RIP", "not canonical", v_.rip);
        uint64_t rf = v_.rflags;
        if ((rf & rflags_reserved) || !(rf & rflags_fixed1))
            return gst("guest RFLAGS", "a reserved bit is set or bit 1 is 0", rf);
        if ((ia32e_guest() || !(v_.cr0 & cr0_pe)) && (rf & rflags_vm))
            return gst("guest RFLAGS", "VM is 1 in IA-32e mode or real mode", rf);
        uint64_t info = v_.entry_interruption_info;
        bool injecting = info & interruption::valid;
        uint32_t inject_type = interruption::type(static_cast<uint32_t>(info));
        if (injecting && inject_type == interruption::type_external && !(rf & rflags_if))
            return gst("guest RFLAGS", "IF is 0 while an external interrupt is injected", rf);

        uint64_t act = v_.activity_state;
        bool act_supported = act == activity_active || (act == activity_hlt && c_.activity_hlt()) ||
                             (act == 2 && ((c_.misc >> 7) & 1)) || (act == 3 && ((c_.misc >> 8) & 1));
        if (!act_supported) return gst("guest activity state", "a state the CPU does not support", act);
        if (act == activity_hlt && dpl_of(v_.ss.access) != 0)
            return gst("guest activity state", "HLT with SS.DPL not 0", act);

        uint64_t is = v_.interruptibility;
        const char* isn = "guest interruptibility state";
        if (is >> 5) return gst(isn, "a reserved bit (31:5) is set", is);
        if ((is & block_sti) && (is & block_mov_ss)) return gst(isn, "blocking by STI and by MOV SS together", is);
        if (!(rf & rflags_if) && (is & block_sti)) return gst(isn, "blocking by STI with IF 0", is);
        if (injecting && inject_type == interruption::type_external && (is & (block_sti | block_mov_ss)))
            return gst(isn, "an external interrupt is injected during STI or MOV SS blocking", is);
        if (injecting && inject_type == interruption::type_nmi && (is & block_mov_ss))
            return gst(isn, "an NMI is injected during MOV SS blocking", is);
        if (is & block_smi) return gst(isn, "blocking by SMI outside SMM", is);
        if (injecting && inject_type == interruption::type_nmi && (v_.pin_controls & pin::virtual_nmis) &&
            (is & block_nmi))
            return gst(isn, "a virtual NMI is injected while virtual-NMI blocking is set", is);

        uint64_t pd = v_.pending_debug_exceptions;
        const char* pdn = "guest pending debug exceptions";
        if (pd & ((0xffull << 4) | bit(13) | bit(15) | (~0ull << 17)))
            return gst(pdn, "a reserved bit is set", pd);
        if ((is & (block_sti | block_mov_ss)) || act == activity_hlt) {
            bool bs = pd & bit(14);
            bool single_step = (rf & rflags_tf) && !(v_.debugctl & debugctl_btf);
            if (bs != single_step) return gst(pdn, "BS does not match RFLAGS.TF and DEBUGCTL.BTF while blocking", pd);
        }
        if (v_.vmcs_link_pointer != ~0ull)
            return gst("VMCS link pointer", "not all ones (Samepage uses no VMCS shadowing)", v_.vmcs_link_pointer);
        return false;
    }

    const VmcsImage& v_;
    const VmxCapabilities& c_;
    EntryCheck result_;
};

} // namespace

EntryCheck check_vm_entry(const VmcsImage& vmcs, const VmxCapabilities& caps)
{
    return Checker(vmcs, caps).run();
}

} // namespace sp::vmx
