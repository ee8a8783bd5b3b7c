#include "arch/x86/cpu_features.hpp"

#include <string.h>

namespace sp::x86 {
namespace {

constexpr bool bit(uint64_t value, unsigned n) { return (value >> n) & 1; }

void copy_words(char* out, const uint32_t* words, int count)
{
    for (int i = 0; i < count; ++i)
        for (int b = 0; b < 4; ++b) out[i * 4 + b] = static_cast<char>(words[i] >> (8 * b));
    out[count * 4] = '\0';
}

// Brand strings are padded with leading spaces on some CPUs.
void trim_leading_spaces(char* s)
{
    size_t skip = 0;
    while (s[skip] == ' ') ++skip;
    if (skip) memmove(s, s + skip, strlen(s + skip) + 1);
}

VmxFeatures decode_vmx(const RawCpuInfo& raw)
{
    VmxFeatures v;
    v.supported = bit(raw.leaf1_ecx, 5);
    if (!v.supported) return v;
    if (raw.have_feature_control) {
        v.feature_control_locked = bit(raw.feature_control, 0);
        v.enabled_outside_smx = bit(raw.feature_control, 2);
        v.locked_off = v.feature_control_locked && !v.enabled_outside_smx;
    }
    if (raw.have_vmx_basic) {
        v.vmcs_revision = static_cast<uint32_t>(raw.vmx_basic & 0x7fffffff);
        v.true_controls = bit(raw.vmx_basic, 55);
    }
    // Allowed-1 settings are the high 32 bits of each control MSR (Intel SDM vol. 3, A.3).
    if (raw.have_procbased) v.secondary_controls = bit(raw.procbased, 32 + 31);
    if (v.secondary_controls && raw.have_secondary) {
        v.ept = bit(raw.secondary, 32 + 1);
        v.vpid = bit(raw.secondary, 32 + 5);
        v.unrestricted_guest = bit(raw.secondary, 32 + 7);
    }
    if (v.ept && raw.have_ept_vpid_cap) { // Intel SDM vol. 3, A.10
        uint64_t cap = raw.ept_vpid_cap;
        v.ept_4level = bit(cap, 6);
        v.ept_wb = bit(cap, 14);
        v.ept_2m = bit(cap, 16);
        v.ept_1g = bit(cap, 17);
        v.invept = bit(cap, 20);
        v.ept_ad = bit(cap, 21);
        v.invept_single = bit(cap, 25);
    }
    return v;
}

SvmFeatures decode_svm(const RawCpuInfo& raw)
{
    SvmFeatures s;
    s.supported = bit(raw.ext1_ecx, 2);
    if (!s.supported) return s;
    if (raw.have_vm_cr) s.disabled_by_firmware = bit(raw.vm_cr, 4);
    // CPUID 0x8000000A (AMD APM vol. 3, appendix E).
    s.revision = raw.svm_eax & 0xff;
    s.asids = raw.svm_ebx;
    s.npt = bit(raw.svm_edx, 0);
    s.nrips = bit(raw.svm_edx, 3);
    s.vmcb_clean = bit(raw.svm_edx, 5);
    s.flush_by_asid = bit(raw.svm_edx, 6);
    s.decode_assists = bit(raw.svm_edx, 7);
    s.pause_filter = bit(raw.svm_edx, 10);
    return s;
}

} // namespace

CpuFeatures decode_cpu_features(const RawCpuInfo& raw)
{
    CpuFeatures f;
    const uint32_t id[3] = {raw.leaf0[1], raw.leaf0[3], raw.leaf0[2]}; // EBX, EDX, ECX
    copy_words(f.vendor_id, id, 3);
    if (strcmp(f.vendor_id, "GenuineIntel") == 0) f.vendor = Vendor::intel;
    else if (strcmp(f.vendor_id, "AuthenticAMD") == 0) f.vendor = Vendor::amd;
    if (raw.ext_max >= 0x80000004) {
        copy_words(f.brand, raw.brand, 12);
        trim_leading_spaces(f.brand);
    }
    uint32_t base_family = (raw.leaf1_eax >> 8) & 0xf;
    uint32_t base_model = (raw.leaf1_eax >> 4) & 0xf;
    f.family = base_family == 0xf ? base_family + ((raw.leaf1_eax >> 20) & 0xff) : base_family;
    f.model = (base_family == 0x6 || base_family == 0xf)
                  ? base_model | (((raw.leaf1_eax >> 16) & 0xf) << 4)
                  : base_model;
    f.stepping = raw.leaf1_eax & 0xf;
    f.page_1g = bit(raw.ext1_edx, 26);
    f.nx = bit(raw.ext1_edx, 20);
    f.xsave = bit(raw.leaf1_ecx, 26);
    f.avx = bit(raw.leaf1_ecx, 28);
    f.avx2 = bit(raw.leaf7_ebx, 5);
    f.x2apic = bit(raw.leaf1_ecx, 21);
    f.under_hypervisor = bit(raw.leaf1_ecx, 31);
    f.vmx = decode_vmx(raw);
    f.svm = decode_svm(raw);
    return f;
}

const char* virtualization_problem(const CpuFeatures& cpu)
{
    if (cpu.vmx.supported) {
        if (cpu.vmx.locked_off)
            return "VMX is disabled by the firmware (IA32_FEATURE_CONTROL locked without VMX); "
                   "enable virtualization in the firmware setup";
        if (!cpu.vmx.ept) return "VMX without EPT: Samepage needs extended page tables";
        if (!cpu.vmx.ept_4level || !cpu.vmx.ept_wb)
            return "EPT lacks 4-level walks or write-back tables";
        return nullptr;
    }
    if (cpu.svm.supported) {
        if (cpu.svm.disabled_by_firmware)
            return "SVM is disabled by the firmware (VM_CR.SVMDIS); enable virtualization in the "
                   "firmware setup";
        if (!cpu.svm.npt) return "SVM without nested paging (NPT): Samepage needs it";
        return nullptr;
    }
    return "this CPU offers neither VMX nor SVM (under an emulator, expose it: QEMU -cpu "
           "qemu64,+svm,+npt; Bochs a VMX+EPT cpu model)";
}

const char* vendor_name(Vendor vendor)
{
    switch (vendor) {
    case Vendor::intel: return "Intel";
    case Vendor::amd: return "AMD";
    case Vendor::other: break;
    }
    return "other";
}

} // namespace sp::x86
