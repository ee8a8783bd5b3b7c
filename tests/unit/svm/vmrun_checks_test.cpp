#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "arch/svm/vmcb_setup.hpp"
#include "arch/svm/vmrun_checks.hpp"

using namespace sp::svm;

namespace {
std::unique_ptr<Vmcb> good_vmcb()
{
    auto v = std::make_unique<Vmcb>();
    fill_long_mode_vmcb(*v, {7, 0x1000000, 0x2000000, 0x3000000, 0x100000, 0x7ff0, 0x1000});
    return v;
}

std::string field_of(const Vmcb& v, SvmHostLimits host = {})
{
    VmrunCheck r = check_vmrun(v, host);
    return r.passed() ? "passed" : r.field;
}
} // namespace

TEST_CASE("The VMCB Samepage builds for a 64-bit guest passes every VMRUN consistency check", "[svm]")
{
    auto v = good_vmcb();
    CHECK(check_vmrun(*v, {}).passed());
    CHECK(v->state.cs.attrib == 0x0a9b); // packed format, not the raw descriptor's 0xa09b
    CHECK((v->control.intercept_misc2 & misc2::vmrun) != 0);
    CHECK(v->control.guest_asid == 7);
    CHECK(v->control.np_control == 1);
}

// One corruption per check: each must be caught and named.
TEST_CASE("Each broken VMRUN rule is named by the field it breaks", "[svm]")
{
    struct Case {
        const char* expected;
        void (*corrupt)(Vmcb&);
    };
    const Case cases[] = {
        {"EFER", [](Vmcb& v) { v.state.efer &= ~efer_svme; }},
        {"CR0", [](Vmcb& v) { v.state.cr0 |= 1ull << 29; }},             // NW without CD
        {"CR0", [](Vmcb& v) { v.state.cr0 |= 1ull << 40; }},             // upper half
        {"CR3", [](Vmcb& v) { v.state.cr3 |= 1ull << 60; }},
        {"CR4", [](Vmcb& v) { v.state.cr4 |= 1ull << 15; }},
        {"DR6", [](Vmcb& v) { v.state.dr6 |= 1ull << 33; }},
        {"DR7", [](Vmcb& v) { v.state.dr7 |= 1ull << 40; }},
        {"EFER", [](Vmcb& v) { v.state.efer |= 1ull << 1; }},
        {"CR4", [](Vmcb& v) { v.state.cr4 &= ~(1ull << 5); }},            // PAE off in long mode
        {"CR0", [](Vmcb& v) { v.state.cr0 &= ~1ull; }},                   // PE off with PG on
        {"CS", [](Vmcb& v) { v.state.cs.attrib |= 1u << 10; }},           // L and D together
        {"intercept VMRUN", [](Vmcb& v) { v.control.intercept_misc2 &= ~misc2::vmrun; }},
        {"MSRPM_BASE_PA", [](Vmcb& v) { v.control.msrpm_base_pa = (1ull << 48) - 4096; }},
        {"IOPM_BASE_PA", [](Vmcb& v) { v.control.iopm_base_pa = (1ull << 48) - 4096; }},
        {"EVENTINJ", [](Vmcb& v) { v.control.event_inject = event::valid | (1ull << 8) | 14; }},
        {"EVENTINJ", [](Vmcb& v) { v.control.event_inject = event::valid | (event::type_exception << 8) | 2; }},
        {"EVENTINJ", [](Vmcb& v) { v.control.event_inject = event::valid | (event::type_exception << 8) | 40; }},
        {"ASID", [](Vmcb& v) { v.control.guest_asid = 0; }},
        {"N_CR3", [](Vmcb& v) { v.control.n_cr3 = 1ull << 50; }},
        {"G_PAT", [](Vmcb& v) { v.state.g_pat = 0x0007040600070402ull; }},
    };
    for (const auto& c : cases) {
        auto v = good_vmcb();
        c.corrupt(*v);
        INFO("expected " << c.expected);
        CHECK(field_of(*v) == c.expected);
    }
}

TEST_CASE("Host limits are part of the checks: no long mode, no nested paging", "[svm]")
{
    auto v = good_vmcb();
    SvmHostLimits no_long;
    no_long.long_mode = false;
    CHECK(field_of(*v, no_long) == "EFER");
    SvmHostLimits no_npt;
    no_npt.nested_paging = false;
    CHECK(field_of(*v, no_npt) == "NP_ENABLE");
}

TEST_CASE("A valid exception injection passes, and the rule text says what is wrong", "[svm]")
{
    auto v = good_vmcb();
    v->control.event_inject = event::valid | event::error_valid | (event::type_exception << 8) | 13;
    CHECK(check_vmrun(*v, {}).passed());
    v->control.guest_asid = 0;
    VmrunCheck r = check_vmrun(*v, {});
    CHECK(std::string(r.rule) == "the guest ASID is zero");
}
