#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "arch/vmx/vm_entry_checks.hpp"
#include "arch/vmx/vmcs_fields.hpp"
#include "arch/vmx/vmx_exit_reasons.hpp"
#include "vmx_test_support.hpp"

using namespace sp::vmx;

namespace {
std::string field_of(const VmcsImage& v, const VmxCapabilities& caps = test::bochs_haswell())
{
    EntryCheck r = check_vm_entry(v, caps);
    return r.passed() ? "passed" : r.field;
}
} // namespace

TEST_CASE("The VMCS Samepage builds for a 64-bit guest passes every VM-entry check", "[vmx][checks]")
{
    VmcsImage v = test::sample_vmcs();
    EntryCheck r = check_vm_entry(v, test::bochs_haswell());
    INFO((r.passed() ? "" : r.field) << ": " << (r.passed() ? "" : r.rule));
    CHECK(r.passed());
    CHECK(v.cs.access == 0xa09b);
    CHECK(v.tr.access == 0x8b);
    CHECK(v.ldtr.access == 0x10000);
    CHECK(v.vmcs_link_pointer == ~0ull);
    CHECK((v.cr4 & cr4_vmxe) != 0);           // VMX fixes it to 1...
    CHECK((v.cr4_read_shadow & cr4_vmxe) == 0); // ...the guest reads 0
    // A CPU without TRUE controls gets a VMCS that passes its own checks too.
    CHECK(field_of(test::sample_vmcs(test::without_true_controls()), test::without_true_controls()) == "passed");
}

// One corruption per check: each must be caught and named by the field it breaks.
TEST_CASE("Each broken VM-entry rule is named by the field it breaks", "[vmx][checks]")
{
    struct Case {
        const char* expected;
        void (*corrupt)(VmcsImage&);
    };
    const Case cases[] = {
        // Controls.
        {"pin-based VM-execution controls", [](VmcsImage& v) { v.pin_controls &= ~0x16ull; }},
        {"pin-based VM-execution controls", [](VmcsImage& v) { v.pin_controls |= 1ull << 7; }},
        {"primary processor-based VM-execution controls", [](VmcsImage& v) { v.primary_controls |= 1ull << 17; }},
        {"secondary processor-based VM-execution controls", [](VmcsImage& v) { v.secondary_controls |= 1ull << 20; }},
        {"CR3-target count", [](VmcsImage& v) { v.cr3_target_count = 5; }},
        {"I/O bitmap A address", [](VmcsImage& v) { v.io_bitmap_a |= 0x800; }},
        {"I/O bitmap B address", [](VmcsImage& v) { v.io_bitmap_b = 1ull << 41; }},
        {"MSR bitmap address", [](VmcsImage& v) { v.msr_bitmap |= 8; }},
        {"pin-based VM-execution controls", [](VmcsImage& v) { v.pin_controls = (v.pin_controls & ~8ull) | 0x20; }},
        {"primary processor-based VM-execution controls", [](VmcsImage& v) { v.primary_controls |= 1ull << 22; }},
        {"EPT pointer", [](VmcsImage& v) { v.ept_pointer = (v.ept_pointer & ~7ull) | 1; }},   // WC
        {"EPT pointer", [](VmcsImage& v) { v.ept_pointer = (v.ept_pointer & ~0x38ull) | 0x20; }}, // 5-level
        {"EPT pointer", [](VmcsImage& v) { v.ept_pointer |= 1ull << 7; }},
        {"EPT pointer", [](VmcsImage& v) { v.ept_pointer |= 1ull << 45; }},
        {"secondary processor-based VM-execution controls", [](VmcsImage& v) { v.secondary_controls &= ~2ull; }},
        {"VPID", [](VmcsImage& v) { v.vpid = 0; }},
        {"VM-exit controls", [](VmcsImage& v) { v.exit_controls |= 1ull << 23; }},
        {"VM-exit controls", [](VmcsImage& v) { v.pin_controls &= ~0x40ull; v.exit_controls |= 1ull << 22; }},
        {"VM-entry controls", [](VmcsImage& v) { v.entry_controls |= 1ull << 17; }},
        {"VM-entry controls", [](VmcsImage& v) { v.entry_controls |= 1ull << 10; }},
        {"VM-entry interruption-information field", [](VmcsImage& v) { v.entry_interruption_info = 0x80000100 | 13; }},
        {"VM-entry interruption-information field", [](VmcsImage& v) { v.entry_interruption_info = 0x80000200 | 3; }},
        {"VM-entry interruption-information field", [](VmcsImage& v) { v.entry_interruption_info = 0x80000300 | 40; }},
        {"VM-entry interruption-information field", [](VmcsImage& v) { v.entry_interruption_info = 0x80000300 | 13; }},
        {"VM-entry interruption-information field", [](VmcsImage& v) { v.entry_interruption_info = 0x80000b00 | 6; }},
        {"VM-entry interruption-information field", [](VmcsImage& v) { v.entry_interruption_info = 0x80010300 | 6; }},
        {"VM-entry instruction length", [](VmcsImage& v) { v.entry_interruption_info = 0x80000400 | 0x80; }},
        // Host state.
        {"host CR0", [](VmcsImage& v) { v.host_cr0 &= ~0x20ull; }},
        {"host CR4", [](VmcsImage& v) { v.host_cr4 &= ~cr4_vmxe; }},
        {"host CR3", [](VmcsImage& v) { v.host_cr3 = 1ull << 44; }},
        {"host IA32_SYSENTER_ESP", [](VmcsImage& v) { v.host_sysenter_esp = 1ull << 50; }},
        {"host IA32_SYSENTER_EIP", [](VmcsImage& v) { v.host_sysenter_eip = 1ull << 50; }},
        {"host IA32_PAT", [](VmcsImage& v) { v.host_pat = 0x0007040600070402ull; }},
        {"host IA32_EFER", [](VmcsImage& v) { v.host_efer |= 1ull << 12; }},
        {"host IA32_EFER", [](VmcsImage& v) { v.host_efer &= ~(1ull << 10); }},
        {"host ES selector", [](VmcsImage& v) { v.host_es = 0x13; }},
        {"host TR selector", [](VmcsImage& v) { v.host_tr = 0x1c; }},
        {"host CS selector", [](VmcsImage& v) { v.host_cs = 0; }},
        {"host TR selector", [](VmcsImage& v) { v.host_tr = 0; }},
        {"host FS base", [](VmcsImage& v) { v.host_fs_base = 0x0000900000000000ull; }},
        {"host GDTR base", [](VmcsImage& v) { v.host_gdtr_base = 0x8000000000000000ull; }},
        {"host IDTR base", [](VmcsImage& v) { v.host_idtr_base = 0x0001000000000000ull; }},
        {"host TR base", [](VmcsImage& v) { v.host_tr_base = 0x0001000000000000ull; }},
        {"host CR4", [](VmcsImage& v) { v.host_cr4 &= ~0x20ull; }},
        {"host RIP", [](VmcsImage& v) { v.host_rip = 0x0000800000000000ull; }},
        {"host SS selector", [](VmcsImage& v) { v.exit_controls &= ~((1ull << 9) | (1ull << 21)); v.host_ss = 0; }},
        {"VM-exit controls", [](VmcsImage& v) { v.exit_controls &= ~((1ull << 9) | (1ull << 21)); }},
        // Guest state: control registers, MSRs.
        {"guest CR0", [](VmcsImage& v) { v.cr0 &= ~0x20ull; }},                  // NE
        {"guest CR0", [](VmcsImage& v) { v.cr0 |= 1ull << 32; }},
        {"guest CR0", [](VmcsImage& v) { v.cr0 &= ~1ull; }},                     // PG without PE
        {"guest CR0", [](VmcsImage& v) { v.cr0 &= ~(1ull << 31); }},             // IA-32e mode without PG
        {"guest CR4", [](VmcsImage& v) { v.entry_controls &= ~(1ull << 9); v.cr4 |= 1ull << 17; }}, // PCIDE
        {"guest CR4", [](VmcsImage& v) { v.cr4 &= ~cr4_vmxe; }},
        {"guest IA32_DEBUGCTL", [](VmcsImage& v) { v.entry_controls |= 4; v.debugctl = 1ull << 3; }},
        {"guest CR4", [](VmcsImage& v) { v.cr4 &= ~0x20ull; }},                  // PAE in IA-32e mode
        {"guest CR3", [](VmcsImage& v) { v.cr3 = 1ull << 41; }},
        {"guest DR7", [](VmcsImage& v) { v.entry_controls |= 4; v.dr7 = 1ull << 33; }},
        {"guest IA32_SYSENTER_ESP", [](VmcsImage& v) { v.sysenter_esp = 1ull << 60; }},
        {"guest IA32_SYSENTER_EIP", [](VmcsImage& v) { v.sysenter_eip = 1ull << 60; }},
        {"guest IA32_PAT", [](VmcsImage& v) { v.pat = 0x0007040600070408ull; }},
        {"guest IA32_EFER", [](VmcsImage& v) { v.efer |= 1ull << 12; }},         // SVME does not exist here
        {"guest IA32_EFER", [](VmcsImage& v) { v.efer &= ~(1ull << 10); }},      // LMA vs IA-32e mode
        {"guest IA32_EFER", [](VmcsImage& v) { v.efer &= ~(1ull << 8); }},       // LME vs LMA
        // Segments.
        {"guest TR selector", [](VmcsImage& v) { v.tr.selector = 0x1c; }},
        {"guest LDTR selector", [](VmcsImage& v) { v.ldtr = {0x2c, 0, 0xffff, 0x82}; }},
        {"guest TR base", [](VmcsImage& v) { v.tr.base = 1ull << 50; }},
        {"guest FS base", [](VmcsImage& v) { v.fs.base = 1ull << 50; }},
        {"guest GS base", [](VmcsImage& v) { v.gs.base = 1ull << 50; }},
        {"guest LDTR base", [](VmcsImage& v) { v.ldtr = {0x28, 1ull << 50, 0xffff, 0x82}; }},
        {"guest CS base", [](VmcsImage& v) { v.cs.base = 1ull << 32; }},
        {"guest SS base", [](VmcsImage& v) { v.ss.base = 1ull << 33; }},
        {"guest DS base", [](VmcsImage& v) { v.ds.base = 1ull << 34; }},
        {"guest CS access rights", [](VmcsImage& v) { v.cs.access = (v.cs.access & ~0xfull) | 0x3; v.secondary_controls &= ~(1ull << 7); }},
        {"guest CS access rights", [](VmcsImage& v) { v.cs.access &= ~0x10ull; }},       // S
        {"guest CS access rights", [](VmcsImage& v) { v.cs.access |= 3u << 5; }},        // DPL != SS.DPL
        {"guest CS access rights", [](VmcsImage& v) { v.cs.access = (v.cs.access & ~0xfull) | 0xf | (3u << 5); }},
        {"guest CS access rights", [](VmcsImage& v) { v.cs.access &= ~0x80ull; }},       // P
        {"guest CS access rights", [](VmcsImage& v) { v.cs.access |= 0x100; }},          // reserved 11:8
        {"guest CS access rights", [](VmcsImage& v) { v.cs.access &= ~0x8000ull; }},     // G with a 4 GiB limit
        {"guest CS access rights", [](VmcsImage& v) { v.cs.access |= 1u << 14; }},       // L and D
        {"guest CS access rights", [](VmcsImage& v) { v.cs.access = (v.cs.access & ~0xfull) | 3 | (3u << 5); v.ss.access |= 3u << 5; }},
        {"guest SS access rights", [](VmcsImage& v) { v.cs.access = (v.cs.access & ~0xfull) | 3; v.ss.access |= 3u << 5; }},
        {"guest SS access rights", [](VmcsImage& v) { v.ss.access = (v.ss.access & ~0xfull) | 1; }},
        {"guest SS access rights", [](VmcsImage& v) { v.ss.access &= ~0x10ull; }},
        {"guest SS access rights", [](VmcsImage& v) { v.ss.selector = 0x13; v.cs.selector = 0x0b; v.secondary_controls &= ~(1ull << 7); }},
        {"guest SS access rights", [](VmcsImage& v) { v.ss.access &= ~0x80ull; }},
        {"guest SS selector", [](VmcsImage& v) { v.ss.selector = 0x13; v.secondary_controls &= ~(1ull << 7); }},
        {"guest DS access rights", [](VmcsImage& v) { v.ds.access &= ~1ull; }},          // accessed bit
        {"guest ES access rights", [](VmcsImage& v) { v.es.access = (v.es.access & ~0xfull) | 0x9; }}, // execute-only code
        {"guest FS access rights", [](VmcsImage& v) { v.fs.access &= ~0x10ull; }},
        {"guest GS access rights", [](VmcsImage& v) { v.gs.selector = 0x13; v.secondary_controls &= ~(1ull << 7); }},
        {"guest GS access rights", [](VmcsImage& v) { v.gs.access &= ~0x80ull; }},
        {"guest DS access rights", [](VmcsImage& v) { v.ds.limit = 0xffffe000; }},      // G=1 needs limit[11:0] all ones
        {"guest TR access rights", [](VmcsImage& v) { v.tr.access = 0x89; }},            // available, not busy
        {"guest TR access rights", [](VmcsImage& v) { v.tr.access |= 0x10; }},
        {"guest TR access rights", [](VmcsImage& v) { v.tr.access &= ~0x80ull; }},
        {"guest TR access rights", [](VmcsImage& v) { v.tr.access |= 0x10000; }},
        {"guest TR access rights", [](VmcsImage& v) { v.tr.limit = 0x100000; }},
        {"guest LDTR access rights", [](VmcsImage& v) { v.ldtr = {0x28, 0, 0xffff, 0x83}; }},
        {"guest LDTR access rights", [](VmcsImage& v) { v.ldtr = {0x28, 0, 0xffff, 0x92}; }},
        {"guest LDTR access rights", [](VmcsImage& v) { v.ldtr = {0x28, 0, 0xffff, 0x02}; }},
        {"guest GDTR base", [](VmcsImage& v) { v.gdtr_base = 1ull << 48; }},
        {"guest IDTR base", [](VmcsImage& v) { v.idtr_base = 1ull << 48; }},
        {"guest GDTR limit", [](VmcsImage& v) { v.gdtr_limit = 0x10000; }},
        {"guest IDTR limit", [](VmcsImage& v) { v.idtr_limit = 0x10000; }},
        // RIP, RFLAGS, activity, interruptibility, pending debug exceptions, link pointer.
        {"guest RIP", [](VmcsImage& v) { v.rip = 0x0000800000000000ull; }},
        {"guest RIP", [](VmcsImage& v) { v.cs.access &= ~(1ull << 13); v.rip = 1ull << 33; }},
        {"guest RFLAGS", [](VmcsImage& v) { v.rflags = 0; }},
        {"guest RFLAGS", [](VmcsImage& v) { v.rflags |= 1ull << 15; }},
        {"guest RFLAGS", [](VmcsImage& v) { v.rflags |= 1ull << 17; }},
        {"guest RFLAGS", [](VmcsImage& v) { v.entry_interruption_info = 0x80000000 | 0x30; }},
        {"guest activity state", [](VmcsImage& v) { v.activity_state = 4; }},
        {"guest activity state", [](VmcsImage& v) { v.activity_state = 1; v.ss.access |= 3u << 5; v.ss.selector = 0x13; v.cs.access |= 3u << 5; v.cs.selector = 0x0b; }},
        {"guest interruptibility state", [](VmcsImage& v) { v.interruptibility = 1u << 5; }},
        {"guest interruptibility state", [](VmcsImage& v) { v.rflags |= 1u << 9; v.interruptibility = 3; }},
        {"guest interruptibility state", [](VmcsImage& v) { v.interruptibility = 1; }},
        {"guest interruptibility state", [](VmcsImage& v) { v.rflags |= 1u << 9; v.interruptibility = 1; v.entry_interruption_info = 0x80000000 | 0x30; }},
        {"guest interruptibility state", [](VmcsImage& v) { v.interruptibility = 2; v.entry_interruption_info = 0x80000200 | 2; }},
        {"guest interruptibility state", [](VmcsImage& v) { v.interruptibility = 4; }},
        {"guest interruptibility state", [](VmcsImage& v) { v.pin_controls |= 0x20; v.interruptibility = 8; v.entry_interruption_info = 0x80000202; }},
        {"guest pending debug exceptions", [](VmcsImage& v) { v.pending_debug_exceptions = 1u << 4; }},
        {"guest pending debug exceptions", [](VmcsImage& v) { v.activity_state = 1; v.rflags |= 1u << 8; }},
        {"VMCS link pointer", [](VmcsImage& v) { v.vmcs_link_pointer = 0x5000; }},
    };
    for (const auto& c : cases) {
        VmcsImage v = test::sample_vmcs();
        c.corrupt(v);
        EntryCheck r = check_vm_entry(v, test::bochs_haswell());
        INFO("expected " << c.expected << "; got " << (r.passed() ? "passed" : r.field) << ": "
                         << (r.passed() ? "" : r.rule));
        CHECK(field_of(v) == c.expected);
    }
}

TEST_CASE("Checks respect the CPU: unrestricted guest relaxes CR0.PE/PG, and a missing HLT state is refused", "[vmx][checks]")
{
    VmcsImage v = test::sample_vmcs();
    v.entry_controls &= ~(1ull << 9);    // not IA-32e
    v.efer = 0;
    v.cs.access &= ~(1ull << 13);
    v.cr0 &= ~((1ull << 31) | 1ull);      // real mode
    v.cr4 &= ~0x20ull;
    v.ss.access &= ~(3ull << 5);
    CHECK(field_of(v) == "passed");       // with unrestricted guest
    v.secondary_controls &= ~(1ull << 7);
    CHECK(field_of(v) == "guest CR0");

    auto caps = test::bochs_haswell();
    auto no_ad = caps;
    no_ad.ept_vpid_cap &= ~ept_cap::accessed_dirty;
    VmcsImage ad = test::sample_vmcs();
    ad.ept_pointer |= 1ull << 6;
    CHECK(field_of(ad, caps) == "passed");
    CHECK(field_of(ad, no_ad) == "EPT pointer");
    caps.misc &= ~(1ull << 6);
    VmcsImage h = test::sample_vmcs();
    h.activity_state = 1;
    CHECK(field_of(h, caps) == "guest activity state");
}

TEST_CASE("The VMCS field table covers every member once, each with an encoding of its kind", "[vmx][vmcs]")
{
    size_t n = 0;
    const VmcsField* t = vmcs_field_table(n);
    CHECK(n * sizeof(uint64_t) == sizeof(VmcsImage));
    std::set<uint32_t> encodings;
    std::set<uint16_t> offsets;
    for (size_t i = 0; i < n; ++i) {
        INFO(t[i].name);
        CHECK(encodings.insert(t[i].encoding).second);
        CHECK(offsets.insert(t[i].offset).second);
        CHECK(t[i].offset % 8 == 0);
        CHECK((t[i].encoding & 1) == 0); // full fields, never the high half
        std::string name = t[i].name;
        FieldType type = field_type(t[i].encoding);
        if (name.rfind("host ", 0) == 0) CHECK(type == FieldType::host);
        else if (name.rfind("guest ", 0) == 0 || name == "VMCS link pointer" || name == "VMX-preemption timer value")
            CHECK(type == FieldType::guest);
        else CHECK(type == FieldType::control);
        if (name.find("selector") != std::string::npos) CHECK(field_width(t[i].encoding) == FieldWidth::bits16);
        if (name.find("access rights") != std::string::npos || name.find("limit") != std::string::npos)
            CHECK(field_width(t[i].encoding) == FieldWidth::bits32);
        CHECK(find_vmcs_field(t[i].encoding) == &t[i]);
    }
    VmcsImage v = test::sample_vmcs();
    CHECK(field_value(v, *find_vmcs_field(field::guest_cs_access)) == 0xa09b);
    CHECK(field_value(v, *find_vmcs_field(field::host_tr_selector)) == 0x18);
    CHECK(find_vmcs_field(field::vpid)->need == FieldNeed::vpid);
}
