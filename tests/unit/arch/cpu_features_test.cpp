#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "arch/x86/cpu_features.hpp"

namespace {
void set_vendor(sp::x86::RawCpuInfo& raw, const char* id)
{
    std::memcpy(&raw.leaf0[1], id, 4);     // EBX
    std::memcpy(&raw.leaf0[3], id + 4, 4); // EDX
    std::memcpy(&raw.leaf0[2], id + 8, 4); // ECX
}

// What QEMU 7.2 TCG reports for -cpu qemu64,+svm,+npt,+pdpe1gb (measured: revision 1, 16 ASIDs,
// NPT only: no NRIPS, no FlushByAsid, no decode assists).
sp::x86::RawCpuInfo qemu_svm()
{
    sp::x86::RawCpuInfo raw;
    set_vendor(raw, "AuthenticAMD");
    raw.leaf0[0] = 0xd;
    raw.leaf1_eax = 0x000663;
    raw.leaf1_ecx = 0x80002001u; // SSE3, CX16, hypervisor
    raw.ext_max = 0x8000000a;
    raw.ext1_ecx = 1u << 2;      // SVM
    raw.ext1_edx = (1u << 26) | (1u << 20); // 1 GiB pages, NX
    raw.svm_eax = 1;
    raw.svm_ebx = 16;
    raw.svm_edx = 1;             // NPT
    raw.have_vm_cr = true;
    raw.vm_cr = 0;
    return raw;
}

// Bochs corei7_haswell_4770: VMX with EPT (2M, 1G, A/D), unrestricted guest, VPID; firmware
// leaves IA32_FEATURE_CONTROL unlocked.
sp::x86::RawCpuInfo bochs_haswell()
{
    sp::x86::RawCpuInfo raw;
    set_vendor(raw, "GenuineIntel");
    raw.leaf0[0] = 0xd;
    raw.leaf1_eax = 0x306c3;     // family 6, model 0x3c
    raw.leaf1_ecx = (1u << 5) | (1u << 26) | (1u << 28); // VMX, XSAVE, AVX
    raw.leaf7_ebx = 1u << 5;     // AVX2
    raw.ext_max = 0x80000008;
    raw.ext1_edx = 1u << 26;
    raw.have_feature_control = true;
    raw.feature_control = 0;
    raw.have_vmx_basic = true;
    raw.vmx_basic = (1ull << 55) | (4096ull << 32) | 0x2b;
    raw.have_procbased = true;
    raw.procbased = (0xfff9fffeull << 32) | 0x04006172;
    raw.have_secondary = true;
    raw.secondary = 0x47fffull << 32;
    raw.have_ept_vpid_cap = true;
    raw.ept_vpid_cap = (1ull << 6) | (1ull << 14) | (1ull << 16) | (1ull << 17) | (1ull << 20) |
                       (1ull << 21) | (1ull << 25) | (1ull << 26) | (1ull << 32);
    return raw;
}
} // namespace

TEST_CASE("QEMU's emulated SVM decodes as AMD with NPT and without NRIPS", "[cpu]")
{
    auto f = sp::x86::decode_cpu_features(qemu_svm());
    CHECK(f.vendor == sp::x86::Vendor::amd);
    CHECK(std::string(f.vendor_id) == "AuthenticAMD");
    CHECK(f.svm.supported);
    CHECK(f.svm.npt);
    CHECK_FALSE(f.svm.nrips);
    CHECK_FALSE(f.svm.flush_by_asid);
    CHECK(f.svm.asids == 16);
    CHECK(f.svm.revision == 1);
    CHECK(f.page_1g);
    CHECK(f.nx);
    CHECK(f.under_hypervisor);
    CHECK_FALSE(f.vmx.supported);
    CHECK(sp::x86::virtualization_problem(f) == nullptr);
}

TEST_CASE("Bochs' Haswell decodes as Intel VMX with EPT 2M/1G, unrestricted guest and VPID", "[cpu]")
{
    auto f = sp::x86::decode_cpu_features(bochs_haswell());
    CHECK(f.vendor == sp::x86::Vendor::intel);
    CHECK(f.family == 6);
    CHECK(f.model == 0x3c);
    CHECK(f.vmx.supported);
    CHECK(f.vmx.vmcs_revision == 0x2b);
    CHECK(f.vmx.true_controls);
    CHECK(f.vmx.secondary_controls);
    CHECK(f.vmx.ept);
    CHECK(f.vmx.ept_2m);
    CHECK(f.vmx.ept_1g);
    CHECK(f.vmx.ept_ad);
    CHECK(f.vmx.unrestricted_guest);
    CHECK(f.vmx.vpid);
    CHECK_FALSE(f.vmx.feature_control_locked);
    CHECK(f.avx2);
    CHECK(sp::x86::virtualization_problem(f) == nullptr);
}

TEST_CASE("Missing or firmware-disabled virtualization is explained", "[cpu]")
{
    auto plain = qemu_svm();
    plain.ext1_ecx = 0;
    auto f = sp::x86::decode_cpu_features(plain);
    REQUIRE(sp::x86::virtualization_problem(f) != nullptr);
    CHECK(std::string(sp::x86::virtualization_problem(f)).find("neither VMX nor SVM") != std::string::npos);

    auto svmdis = qemu_svm();
    svmdis.vm_cr = 1u << 4;
    CHECK(std::string(sp::x86::virtualization_problem(sp::x86::decode_cpu_features(svmdis))).find("VM_CR.SVMDIS") != std::string::npos);

    auto no_npt = qemu_svm();
    no_npt.svm_edx = 0;
    CHECK(std::string(sp::x86::virtualization_problem(sp::x86::decode_cpu_features(no_npt))).find("nested paging") != std::string::npos);

    auto locked = bochs_haswell();
    locked.feature_control = 1; // locked, VMX outside SMX off
    auto lf = sp::x86::decode_cpu_features(locked);
    CHECK(lf.vmx.locked_off);
    CHECK(std::string(sp::x86::virtualization_problem(lf)).find("disabled by the firmware") != std::string::npos);

    auto no_ept = bochs_haswell();
    no_ept.secondary = 0;
    CHECK(std::string(sp::x86::virtualization_problem(sp::x86::decode_cpu_features(no_ept))).find("without EPT") != std::string::npos);
}

TEST_CASE("Capability MSRs that were not read leave their features off", "[cpu]")
{
    auto raw = bochs_haswell();
    raw.have_secondary = false;
    raw.have_ept_vpid_cap = false;
    auto f = sp::x86::decode_cpu_features(raw);
    CHECK_FALSE(f.vmx.ept);
    CHECK_FALSE(f.vmx.ept_1g);
}
