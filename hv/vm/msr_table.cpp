#include "hv/vm/msr_table.hpp"

namespace sp::vm {
namespace {

using G = GuestState;
constexpr uint64_t kFeatureControlLocked = 1;      // locked with VMX off: nothing to enable
constexpr uint64_t kVmCrLockedDisabled = 0x18;     // VM_CR.LOCK | VM_CR.SVMDIS
constexpr uint64_t kMiscEnableDefault = 0x1801;    // fast strings; BTS and PEBS unavailable
constexpr uint64_t kMtrrDefTypeWriteBack = 0x806;  // MTRRs enabled, default type WB
constexpr uint64_t kApicBase = 0xfee00000;
constexpr uint64_t kApicEnable = 1ull << 11, kApicBsp = 1ull << 8;

// Why each row exists: the MSRs a 64-bit kernel (Linux) touches while booting and switching
// tasks, the guest-owned state the back-end keeps in the VMCB/VMCS, and the virtualization
// controls that must read as "off, locked" so a guest never tries to use them.
const MsrRule kRules[] = {
    // index               name                      read                 write                      field              dirty bit                constant
    {msr::tsc,             "IA32_TIME_STAMP_COUNTER", MsrRead::tsc,       MsrWrite::refuse,          nullptr,           0,                       0},
    {msr::apic_base,       "IA32_APIC_BASE",         MsrRead::apic_base,  MsrWrite::refuse,          nullptr,           0,                       0},
    {msr::feature_control, "IA32_FEATURE_CONTROL",   MsrRead::constant,   MsrWrite::refuse,          nullptr,           0,                       kFeatureControlLocked},
    {msr::mtrr_cap,        "IA32_MTRRCAP",           MsrRead::constant,   MsrWrite::refuse,          nullptr,           0,                       0},
    {msr::sysenter_cs,     "IA32_SYSENTER_CS",       MsrRead::field,      MsrWrite::field,           &G::sysenter_cs,   dirty::sysenter_msrs,    0},
    {msr::sysenter_esp,    "IA32_SYSENTER_ESP",      MsrRead::field,      MsrWrite::canonical_field, &G::sysenter_esp,  dirty::sysenter_msrs,    0},
    {msr::sysenter_eip,    "IA32_SYSENTER_EIP",      MsrRead::field,      MsrWrite::canonical_field, &G::sysenter_eip,  dirty::sysenter_msrs,    0},
    {msr::misc_enable,     "IA32_MISC_ENABLE",       MsrRead::constant,   MsrWrite::refuse,          nullptr,           0,                       kMiscEnableDefault},
    {msr::pat,             "IA32_PAT",               MsrRead::field,      MsrWrite::pat,             &G::pat,           dirty::pat,              0},
    {msr::mtrr_def_type,   "IA32_MTRR_DEF_TYPE",     MsrRead::constant,   MsrWrite::refuse,          nullptr,           0,                       kMtrrDefTypeWriteBack},
    {msr::efer,            "IA32_EFER",              MsrRead::field,      MsrWrite::efer,            &G::efer,          dirty::efer,             0},
    {msr::star,            "IA32_STAR",              MsrRead::field,      MsrWrite::field,           &G::star,          dirty::syscall_msrs,     0},
    {msr::lstar,           "IA32_LSTAR",             MsrRead::field,      MsrWrite::canonical_field, &G::lstar,         dirty::syscall_msrs,     0},
    {msr::cstar,           "IA32_CSTAR",             MsrRead::field,      MsrWrite::canonical_field, &G::cstar,         dirty::syscall_msrs,     0},
    {msr::sfmask,          "IA32_FMASK",             MsrRead::field,      MsrWrite::low32_field,     &G::sfmask,        dirty::syscall_msrs,     0},
    {msr::fs_base,         "IA32_FS_BASE",           MsrRead::field,      MsrWrite::canonical_field, &G::fs_base,       dirty::segment_bases,    0},
    {msr::gs_base,         "IA32_GS_BASE",           MsrRead::field,      MsrWrite::canonical_field, &G::gs_base,       dirty::segment_bases,    0},
    {msr::kernel_gs_base,  "IA32_KERNEL_GS_BASE",    MsrRead::field,      MsrWrite::canonical_field, &G::kernel_gs_base, dirty::segment_bases,   0},
    {msr::tsc_aux,         "IA32_TSC_AUX",           MsrRead::field,      MsrWrite::low32_field,     &G::tsc_aux,       dirty::tsc_aux,          0},
    {msr::vm_cr,           "VM_CR",                  MsrRead::constant,   MsrWrite::refuse,          nullptr,           0,                       kVmCrLockedDisabled},
    {msr::vm_hsave_pa,     "VM_HSAVE_PA",            MsrRead::constant,   MsrWrite::refuse,          nullptr,           0,                       0},
};

bool valid_efer_write(const GuestState& guest, uint64_t value)
{
    constexpr uint64_t allowed = kEferSce | kEferLme | kEferLma | kEferNxe;
    if (value & ~allowed) return false; // reserved bits, and SVME: no nested SVM here
    // Toggling long mode with paging on is #GP on hardware too.
    constexpr uint64_t kCr0Pg = 1ull << 31;
    if ((guest.cr0 & kCr0Pg) && ((value ^ guest.efer) & kEferLme)) return false;
    return true;
}

} // namespace

const MsrRule* msr_rules(size_t& count)
{
    count = sizeof kRules / sizeof kRules[0];
    return kRules;
}

const MsrRule* find_msr_rule(uint32_t index)
{
    for (const MsrRule& r : kRules)
        if (r.index == index) return &r;
    return nullptr;
}

bool is_canonical(uint64_t address)
{
    uint64_t top = address >> 47; // bits 63:47 all equal (48-bit addresses)
    return top == 0 || top == 0x1ffff;
}

bool valid_pat(uint64_t value)
{
    for (int i = 0; i < 8; ++i) {
        uint64_t type = (value >> (8 * i)) & 0xff;
        if (type == 2 || type == 3 || type > 7) return false; // reserved encodings
    }
    return true;
}

bool read_msr(const GuestState& guest, const MsrContext& context, uint32_t index, uint64_t& value)
{
    const MsrRule* rule = find_msr_rule(index);
    if (!rule) return false;
    switch (rule->read) {
    case MsrRead::field: value = guest.*(rule->field); return true;
    case MsrRead::constant: value = rule->constant; return true;
    case MsrRead::tsc: value = context.guest_tsc; return true;
    case MsrRead::apic_base:
        value = kApicBase | kApicEnable | (context.vcpu_index == 0 ? kApicBsp : 0);
        return true;
    }
    return false;
}

bool write_msr(GuestState& guest, uint32_t index, uint64_t value)
{
    const MsrRule* rule = find_msr_rule(index);
    if (!rule) return false;
    switch (rule->write) {
    case MsrWrite::refuse: return false;
    case MsrWrite::field: break;
    case MsrWrite::canonical_field:
        if (!is_canonical(value)) return false;
        break;
    case MsrWrite::low32_field:
        if (value >> 32) return false;
        break;
    case MsrWrite::pat:
        if (!valid_pat(value)) return false;
        break;
    case MsrWrite::efer:
        if (!valid_efer_write(guest, value)) return false;
        // LMA is the CPU's to set (long mode active), not the guest's.
        value = (value & ~kEferLma) | (guest.efer & kEferLma);
        break;
    }
    guest.*(rule->field) = value;
    guest.dirty |= rule->dirty_bit;
    return true;
}

} // namespace sp::vm
