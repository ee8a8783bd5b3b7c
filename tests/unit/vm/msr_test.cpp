#include "vm_test_support.hpp"

#include "hv/vm/msr_table.hpp"

using namespace vm_test;

namespace {

// RDMSR that must succeed: returns EDX:EAX, RIP moved on.
uint64_t read_ok(Machine& m, uint32_t index)
{
    m.guest.rax = m.guest.rdx = 0xffffffff00000000ull;
    m.complete(m.rdmsr(index));
    CHECK(m.guest.rax >> 32 == 0);
    CHECK(m.guest.rdx >> 32 == 0);
    return (m.guest.rdx << 32) | m.guest.rax;
}

void expect_gp(Machine& m, const Exit& exit)
{
    uint64_t rip = m.guest.rip;
    m.vcpu().pending_event = {};
    ExitAction a = m.run(exit);
    REQUIRE(a.kind == ActionKind::inject);
    CHECK(a.event.vector == 13);
    CHECK(a.event.has_error_code);
    CHECK(a.event.error_code == 0);
    CHECK(m.vcpu().pending_event.pending);
    CHECK(m.vcpu().pending_event.vector == 13);
    CHECK(m.guest.rip == rip); // a fault: the instruction did not complete
    m.vcpu().pending_event = {}; // the back-end delivered it
}

void write_ok(Machine& m, uint32_t index, uint64_t value, uint32_t dirty_bit)
{
    m.guest.dirty = 0;
    m.complete(m.wrmsr(index, value));
    CHECK((m.guest.dirty & dirty_bit) == dirty_bit);
    CHECK(read_ok(m, index) == value);
}

constexpr uint64_t kNonCanonical = 0x0000800000000000ull;
constexpr uint64_t kHighCanonical = 0xffff800000001000ull;

} // namespace

TEST_CASE("The MSR table has exactly the rows tested here (add a test with every new row)", "[vm][msr]")
{
    size_t count = 0;
    const MsrRule* rules = msr_rules(count);
    CHECK(count == 21);
    for (size_t i = 0; i < count; ++i) {
        INFO(rules[i].name);
        bool needs_field = rules[i].read == MsrRead::field || rules[i].write != MsrWrite::refuse;
        CHECK((rules[i].field != nullptr) == needs_field);
        CHECK(find_msr_rule(rules[i].index) == &rules[i]); // no duplicates
    }
}

TEST_CASE("MSR TSC (0x10): reads the guest clock; writes #GP", "[vm][msr]")
{
    Machine m;
    m.guest_ram.ticks = 0x123456789abcull;
    CHECK(read_ok(m, msr::tsc) == 0x123456789abcull);
    expect_gp(m, m.wrmsr(msr::tsc, 0));
}

TEST_CASE("MSR APIC_BASE (0x1b): xAPIC at 0xfee00000, enabled, BSP on vCPU 0; writes #GP", "[vm][msr]")
{
    Machine m;
    CHECK(read_ok(m, msr::apic_base) == 0xfee00900ull);
    expect_gp(m, m.wrmsr(msr::apic_base, 0xfee00900ull));
}

TEST_CASE("MSR FEATURE_CONTROL (0x3a): locked with VMX off; writes #GP", "[vm][msr]")
{
    Machine m;
    CHECK(read_ok(m, msr::feature_control) == 1);
    expect_gp(m, m.wrmsr(msr::feature_control, 5));
    CHECK(m.vm->counters.gp_injected == 1);
}

TEST_CASE("MSR MTRRCAP (0xfe): no variable or fixed ranges, no WC; writes #GP", "[vm][msr]")
{
    Machine m;
    CHECK(read_ok(m, msr::mtrr_cap) == 0);
    expect_gp(m, m.wrmsr(msr::mtrr_cap, 0));
}

TEST_CASE("MSR SYSENTER_CS (0x174): guest field, any value", "[vm][msr]")
{
    Machine m;
    write_ok(m, msr::sysenter_cs, 0x10, dirty::sysenter_msrs);
    CHECK(m.guest.sysenter_cs == 0x10);
}

TEST_CASE("MSR SYSENTER_ESP (0x175): guest field, canonical addresses only", "[vm][msr]")
{
    Machine m;
    write_ok(m, msr::sysenter_esp, kHighCanonical, dirty::sysenter_msrs);
    CHECK(m.guest.sysenter_esp == kHighCanonical);
    expect_gp(m, m.wrmsr(msr::sysenter_esp, kNonCanonical));
    CHECK(m.guest.sysenter_esp == kHighCanonical);
}

TEST_CASE("MSR SYSENTER_EIP (0x176): guest field, canonical addresses only", "[vm][msr]")
{
    Machine m;
    write_ok(m, msr::sysenter_eip, 0x7fffffffffffull, dirty::sysenter_msrs);
    expect_gp(m, m.wrmsr(msr::sysenter_eip, kNonCanonical));
}

TEST_CASE("MSR MISC_ENABLE (0x1a0): fast strings, BTS/PEBS unavailable; writes #GP", "[vm][msr]")
{
    Machine m;
    CHECK(read_ok(m, msr::misc_enable) == 0x1801);
    expect_gp(m, m.wrmsr(msr::misc_enable, 0x1801));
}

TEST_CASE("MSR PAT (0x277): guest field; a reserved memory type (2, 3, >7) in any byte is #GP", "[vm][msr]")
{
    Machine m;
    CHECK(read_ok(m, msr::pat) == 0x0007040600070406ull);
    write_ok(m, msr::pat, 0x0105040600070406ull, dirty::pat);
    expect_gp(m, m.wrmsr(msr::pat, 0x0002040600070406ull));
    expect_gp(m, m.wrmsr(msr::pat, 0x0007040600070403ull));
    expect_gp(m, m.wrmsr(msr::pat, 0x0800000000000000ull));
    CHECK(m.guest.pat == 0x0105040600070406ull);
}

TEST_CASE("MSR MTRR_DEF_TYPE (0x2ff): MTRRs enabled, default write-back; writes #GP", "[vm][msr]")
{
    Machine m;
    CHECK(read_ok(m, msr::mtrr_def_type) == 0x806);
    expect_gp(m, m.wrmsr(msr::mtrr_def_type, 0));
}

TEST_CASE("MSR EFER (0xc0000080): the guest's EFER; SVME, reserved bits and LME changes under paging are #GP", "[vm][msr]")
{
    Machine m;
    CHECK(read_ok(m, msr::efer) == m.guest.efer);
    m.guest.dirty = 0;
    m.complete(m.wrmsr(msr::efer, kEferLme | kEferLma | kEferNxe)); // SCE off
    CHECK(m.guest.efer == (kEferLme | kEferLma | kEferNxe));
    CHECK((m.guest.dirty & dirty::efer) != 0);

    uint64_t before = m.guest.efer;
    expect_gp(m, m.wrmsr(msr::efer, before | kEferSvme)); // no nested SVM
    expect_gp(m, m.wrmsr(msr::efer, before | (1ull << 20)));
    expect_gp(m, m.wrmsr(msr::efer, before & ~kEferLme)); // leaving long mode with paging on
    CHECK(m.guest.efer == before);

    // LMA is the CPU's: a write cannot set or clear it.
    m.guest.cr0 = 0x11; // paging off
    m.guest.efer = 0;
    m.complete(m.wrmsr(msr::efer, kEferLme | kEferLma));
    CHECK(m.guest.efer == kEferLme);
}

TEST_CASE("MSR STAR (0xc0000081): guest field, any value", "[vm][msr]")
{
    Machine m;
    write_ok(m, msr::star, 0x0023001000000000ull, dirty::syscall_msrs);
    CHECK(m.guest.star == 0x0023001000000000ull);
}

TEST_CASE("MSR LSTAR (0xc0000082): guest field, canonical addresses only", "[vm][msr]")
{
    Machine m;
    write_ok(m, msr::lstar, 0xffffffff81a00000ull, dirty::syscall_msrs);
    expect_gp(m, m.wrmsr(msr::lstar, kNonCanonical));
    CHECK(m.guest.lstar == 0xffffffff81a00000ull);
}

TEST_CASE("MSR CSTAR (0xc0000083): guest field, canonical addresses only", "[vm][msr]")
{
    Machine m;
    write_ok(m, msr::cstar, kHighCanonical, dirty::syscall_msrs);
    expect_gp(m, m.wrmsr(msr::cstar, 0x1234567812345678ull));
}

TEST_CASE("MSR SFMASK (0xc0000084): guest field, bits 63:32 reserved", "[vm][msr]")
{
    Machine m;
    write_ok(m, msr::sfmask, 0x47700, dirty::syscall_msrs);
    expect_gp(m, m.wrmsr(msr::sfmask, 1ull << 32));
}

TEST_CASE("MSR FS_BASE (0xc0000100): guest field, canonical addresses only", "[vm][msr]")
{
    Machine m;
    write_ok(m, msr::fs_base, 0x7f0000001000ull, dirty::segment_bases);
    CHECK(m.guest.fs_base == 0x7f0000001000ull);
    expect_gp(m, m.wrmsr(msr::fs_base, kNonCanonical));
}

TEST_CASE("MSR GS_BASE (0xc0000101): guest field, canonical addresses only", "[vm][msr]")
{
    Machine m;
    write_ok(m, msr::gs_base, kHighCanonical, dirty::segment_bases);
    CHECK(m.guest.gs_base == kHighCanonical);
    expect_gp(m, m.wrmsr(msr::gs_base, kNonCanonical));
}

TEST_CASE("MSR KERNEL_GS_BASE (0xc0000102): guest field, canonical addresses only", "[vm][msr]")
{
    Machine m;
    write_ok(m, msr::kernel_gs_base, kHighCanonical, dirty::segment_bases);
    CHECK(m.guest.kernel_gs_base == kHighCanonical);
    expect_gp(m, m.wrmsr(msr::kernel_gs_base, kNonCanonical));
}

TEST_CASE("MSR TSC_AUX (0xc0000103): guest field, bits 63:32 reserved", "[vm][msr]")
{
    Machine m;
    write_ok(m, msr::tsc_aux, 3, dirty::tsc_aux);
    CHECK(m.guest.tsc_aux == 3);
    expect_gp(m, m.wrmsr(msr::tsc_aux, 1ull << 40));
}

TEST_CASE("MSR VM_CR (0xc0010114): SVM disabled and locked; writes #GP", "[vm][msr]")
{
    Machine m;
    CHECK(read_ok(m, msr::vm_cr) == 0x18);
    expect_gp(m, m.wrmsr(msr::vm_cr, 0));
}

TEST_CASE("MSR VM_HSAVE_PA (0xc0010117): reads 0; writes #GP", "[vm][msr]")
{
    Machine m;
    CHECK(read_ok(m, msr::vm_hsave_pa) == 0);
    expect_gp(m, m.wrmsr(msr::vm_hsave_pa, 0x1000));
}

TEST_CASE("An MSR not in the table is #GP(0) on read and write, with a diagnostic naming it", "[vm][msr]")
{
    Machine m;
    expect_gp(m, m.rdmsr(0x8b));
    CHECK(m.diagnostics.text.find("unknown MSR 0x8b read") != std::string::npos);
    expect_gp(m, m.wrmsr(0xc0011029, 1));
    CHECK(m.diagnostics.text.find("unknown MSR 0xc0011029 write") != std::string::npos);
    CHECK(m.vm->counters.gp_injected == 2);
    CHECK(m.vm->exits(ExitKind::msr_read) == 1);
    CHECK(m.vm->exits(ExitKind::msr_write) == 1);
}

TEST_CASE("A refused write to a known MSR is #GP with a diagnostic naming the MSR and the value", "[vm][msr]")
{
    Machine m;
    expect_gp(m, m.wrmsr(msr::vm_cr, 0));
    CHECK_THAT(m.diagnostics.text, Catch::Contains("MSR VM_CR write 0x0 refused"));
}
