// What the CPU offers for virtualization, decoded from raw CPUID leaves and capability MSRs.
// The decoding is plain C++ (host-tested with recorded values); cpu_probe.cpp reads the raw
// values on the machine, only the MSRs the CPU says exist.
#pragma once
#include <stdint.h>

namespace sp::x86 {

enum class Vendor { intel, amd, other };

struct RawCpuInfo {
    uint32_t leaf0[4] = {};          // eax (max leaf), ebx, ecx, edx (vendor string)
    uint32_t leaf1_eax = 0, leaf1_ecx = 0, leaf1_edx = 0;
    uint32_t leaf7_ebx = 0, leaf7_ecx = 0;
    uint32_t ext_max = 0;            // CPUID 0x80000000.eax
    uint32_t ext1_ecx = 0, ext1_edx = 0; // CPUID 0x80000001
    uint32_t brand[12] = {};         // CPUID 0x80000002..4
    uint32_t svm_eax = 0, svm_ebx = 0, svm_edx = 0; // CPUID 0x8000000A
    // Intel capability MSRs; have_* says whether it was safe (and done) to read it.
    bool have_feature_control = false, have_vmx_basic = false, have_procbased = false;
    bool have_secondary = false, have_ept_vpid_cap = false;
    uint64_t feature_control = 0;    // IA32_FEATURE_CONTROL (0x3A)
    uint64_t vmx_basic = 0;          // IA32_VMX_BASIC (0x480)
    uint64_t procbased = 0;          // IA32_VMX_PROCBASED_CTLS (0x482)
    uint64_t secondary = 0;          // IA32_VMX_PROCBASED_CTLS2 (0x48B)
    uint64_t ept_vpid_cap = 0;       // IA32_VMX_EPT_VPID_CAP (0x48C)
    // AMD
    bool have_vm_cr = false;
    uint64_t vm_cr = 0;              // VM_CR (0xC0010114)
};

struct VmxFeatures {
    bool supported = false;          // CPUID.1:ECX.VMX
    bool feature_control_locked = false;
    bool enabled_outside_smx = false;
    bool locked_off = false;         // locked by firmware without VMX: cannot be turned on
    uint32_t vmcs_revision = 0;
    bool true_controls = false;
    bool secondary_controls = false;
    bool ept = false, ept_4level = false, ept_wb = false, ept_2m = false, ept_1g = false;
    bool ept_ad = false, invept = false, invept_single = false;
    bool unrestricted_guest = false, vpid = false;
};

struct SvmFeatures {
    bool supported = false;          // CPUID 0x80000001:ECX.SVM
    bool disabled_by_firmware = false; // VM_CR.SVMDIS
    uint32_t revision = 0;
    uint32_t asids = 0;
    bool npt = false, nrips = false, flush_by_asid = false, decode_assists = false;
    bool vmcb_clean = false, pause_filter = false;
};

struct CpuFeatures {
    Vendor vendor = Vendor::other;
    char vendor_id[13] = {};
    char brand[49] = {};
    uint32_t family = 0, model = 0, stepping = 0;
    bool page_1g = false, nx = false, xsave = false, avx = false, avx2 = false, x2apic = false;
    bool under_hypervisor = false;   // CPUID.1:ECX[31]: we are nested
    VmxFeatures vmx;
    SvmFeatures svm;
};

CpuFeatures decode_cpu_features(const RawCpuInfo& raw);

// nullptr when Samepage can run guests on this CPU; otherwise a one-line reason for the user.
const char* virtualization_problem(const CpuFeatures& cpu);

const char* vendor_name(Vendor vendor);

} // namespace sp::x86
