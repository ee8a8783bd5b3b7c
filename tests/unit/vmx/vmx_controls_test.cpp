#include <catch2/catch.hpp>

#include <string>

#include "vmx_test_support.hpp"

using namespace sp::vmx;

TEST_CASE("Bochs' Haswell gives every control Samepage needs, with the forced bits and without default1 exiting", "[vmx][controls]")
{
    ControlsResult r = derive_controls(test::bochs_haswell(), samepage_control_wishes());
    REQUIRE(r.ok);
    const Controls& c = r.controls;
    // Pin: forced 0x16 plus external-interrupt and NMI exiting and the preemption timer.
    CHECK(c.pin == (0x16u | pin::external_interrupt_exiting | pin::nmi_exiting | pin::preemption_timer));
    CHECK((c.primary & 0x04006172u) == 0x04006172u); // the TRUE MSR's forced bits
    CHECK((c.primary & (primary::hlt_exiting | primary::io_bitmaps | primary::msr_bitmaps |
                        primary::secondary_controls | primary::mwait_exiting | primary::monitor_exiting)) != 0);
    CHECK((c.primary & primary::cr3_load_exiting) == 0); // TRUE controls let us clear it
    CHECK((c.primary & primary::cr3_store_exiting) == 0);
    CHECK((c.primary & primary::unconditional_io_exiting) == 0);
    CHECK(c.secondary == (secondary::ept | secondary::vpid | secondary::unrestricted_guest | secondary::rdtscp |
                          secondary::invpcid));
    CHECK((c.exit & exit_control::acknowledge_interrupt) == 0); // the host takes its interrupts itself
    CHECK((c.exit & 0x36dfbu) == 0x36dfbu);
    CHECK((c.exit & exit_control::save_debug_controls) == 0);
    CHECK((c.entry & 0x11fbu) == 0x11fbu);
    CHECK((c.entry & entry_control::ia32e_mode_guest) != 0);
    for (const auto& set : {ControlSet::pin, ControlSet::primary, ControlSet::secondary, ControlSet::exit,
                            ControlSet::entry}) {
        uint32_t v = set == ControlSet::pin ? c.pin : set == ControlSet::primary ? c.primary
                   : set == ControlSet::secondary ? c.secondary : set == ControlSet::exit ? c.exit : c.entry;
        CHECK(allowed_controls(test::bochs_haswell(), set).allows(v));
    }
}

TEST_CASE("Without TRUE MSRs the default1 controls stay forced on", "[vmx][controls]")
{
    ControlsResult r = derive_controls(test::without_true_controls(), samepage_control_wishes());
    REQUIRE(r.ok);
    CHECK((r.controls.primary & (primary::cr3_load_exiting | primary::cr3_store_exiting)) ==
          (primary::cr3_load_exiting | primary::cr3_store_exiting));
    CHECK((r.controls.exit & exit_control::save_debug_controls) != 0);
    CHECK((r.controls.entry & entry_control::load_debug_controls) != 0);
}

TEST_CASE("A missing required control is named; missing optional ones are dropped silently", "[vmx][controls]")
{
    char text[200];
    SECTION("no VMX-preemption timer")
    {
        auto caps = test::bochs_haswell();
        caps.true_pinbased &= ~(static_cast<uint64_t>(pin::preemption_timer) << 32);
        ControlsResult r = derive_controls(caps, samepage_control_wishes());
        CHECK_FALSE(r.ok);
        CHECK(r.missing_set == ControlSet::pin);
        CHECK(r.missing_bit == 6);
        describe_missing_control(r, text, sizeof text);
        CHECK(std::string(text) ==
              "this CPU cannot set the pin-based VM-execution control 'activate VMX-preemption timer' (bit 6)");
    }
    SECTION("no secondary controls at all: the primary control that activates them is named")
    {
        auto caps = test::bochs_haswell();
        caps.procbased &= ~(1ull << 63);
        caps.true_procbased &= ~(1ull << 63);
        ControlsResult r = derive_controls(caps, samepage_control_wishes());
        CHECK_FALSE(r.ok);
        describe_missing_control(r, text, sizeof text);
        CHECK(std::string(text).find("primary processor-based VM-execution control 'activate secondary controls'") !=
              std::string::npos);
    }
    SECTION("no EPT")
    {
        auto caps = test::bochs_haswell();
        caps.procbased2 &= ~(static_cast<uint64_t>(secondary::ept) << 32);
        ControlsResult r = derive_controls(caps, samepage_control_wishes());
        CHECK_FALSE(r.ok);
        CHECK(r.missing_set == ControlSet::secondary);
        describe_missing_control(r, text, sizeof text);
        CHECK(std::string(text) ==
              "this CPU cannot set the secondary processor-based VM-execution control 'enable EPT' (bit 1)");
    }
    SECTION("no VPID and no unrestricted guest: still fine")
    {
        auto caps = test::bochs_haswell();
        caps.procbased2 &= ~(static_cast<uint64_t>(secondary::vpid | secondary::unrestricted_guest) << 32);
        ControlsResult r = derive_controls(caps, samepage_control_wishes());
        CHECK(r.ok);
        CHECK((r.controls.secondary & (secondary::vpid | secondary::unrestricted_guest)) == 0);
        CHECK((r.controls.secondary & secondary::ept) != 0);
    }
}

TEST_CASE("Every control Samepage asks for has a name for its error message", "[vmx][controls]")
{
    ControlWishes w = samepage_control_wishes();
    struct Set {
        ControlSet set;
        uint32_t bits;
    } sets[] = {{ControlSet::pin, w.pin.required | w.pin.optional},
                {ControlSet::primary, w.primary.required | w.primary.optional},
                {ControlSet::secondary, w.secondary.required | w.secondary.optional},
                {ControlSet::exit, w.exit.required | w.exit.optional},
                {ControlSet::entry, w.entry.required | w.entry.optional}};
    for (const Set& s : sets)
        for (unsigned b = 0; b < 32; ++b)
            if ((s.bits >> b) & 1) {
                INFO(control_set_name(s.set) << " bit " << b);
                CHECK(control_name(s.set, b) != nullptr);
            }
}
