#include "arch/vmx/vmx_controls.hpp"

#include "arch/vmx/vmx_intercepts.hpp"
#include "hv/lib/format.hpp"

namespace sp::vmx {
namespace {

struct BitName {
    ControlSet set;
    unsigned bit;
    const char* name;
};

// SDM vol. 3C, tables 25-5 to 25-7, 25-13 and 25-15 (2023 numbering).
const BitName names[] = {
    {ControlSet::pin, 0, "external-interrupt exiting"},
    {ControlSet::pin, 3, "NMI exiting"},
    {ControlSet::pin, 5, "virtual NMIs"},
    {ControlSet::pin, 6, "activate VMX-preemption timer"},
    {ControlSet::pin, 7, "process posted interrupts"},
    {ControlSet::primary, 2, "interrupt-window exiting"},
    {ControlSet::primary, 3, "use TSC offsetting"},
    {ControlSet::primary, 7, "HLT exiting"},
    {ControlSet::primary, 9, "INVLPG exiting"},
    {ControlSet::primary, 10, "MWAIT exiting"},
    {ControlSet::primary, 11, "RDPMC exiting"},
    {ControlSet::primary, 12, "RDTSC exiting"},
    {ControlSet::primary, 15, "CR3-load exiting"},
    {ControlSet::primary, 16, "CR3-store exiting"},
    {ControlSet::primary, 19, "CR8-load exiting"},
    {ControlSet::primary, 20, "CR8-store exiting"},
    {ControlSet::primary, 21, "use TPR shadow"},
    {ControlSet::primary, 22, "NMI-window exiting"},
    {ControlSet::primary, 23, "MOV-DR exiting"},
    {ControlSet::primary, 24, "unconditional I/O exiting"},
    {ControlSet::primary, 25, "use I/O bitmaps"},
    {ControlSet::primary, 27, "monitor trap flag"},
    {ControlSet::primary, 28, "use MSR bitmaps"},
    {ControlSet::primary, 29, "MONITOR exiting"},
    {ControlSet::primary, 30, "PAUSE exiting"},
    {ControlSet::primary, 31, "activate secondary controls"},
    {ControlSet::secondary, 0, "virtualize APIC accesses"},
    {ControlSet::secondary, 1, "enable EPT"},
    {ControlSet::secondary, 2, "descriptor-table exiting"},
    {ControlSet::secondary, 3, "enable RDTSCP"},
    {ControlSet::secondary, 5, "enable VPID"},
    {ControlSet::secondary, 6, "WBINVD exiting"},
    {ControlSet::secondary, 7, "unrestricted guest"},
    {ControlSet::secondary, 12, "enable INVPCID"},
    {ControlSet::secondary, 13, "enable VM functions"},
    {ControlSet::secondary, 14, "VMCS shadowing"},
    {ControlSet::secondary, 17, "enable PML"},
    {ControlSet::secondary, 18, "EPT-violation #VE"},
    {ControlSet::secondary, 20, "enable XSAVES/XRSTORS"},
    {ControlSet::secondary, 22, "mode-based execute control for EPT"},
    {ControlSet::exit, 2, "save debug controls"},
    {ControlSet::exit, 9, "host address-space size"},
    {ControlSet::exit, 15, "acknowledge interrupt on exit"},
    {ControlSet::exit, 18, "save IA32_PAT"},
    {ControlSet::exit, 19, "load IA32_PAT"},
    {ControlSet::exit, 20, "save IA32_EFER"},
    {ControlSet::exit, 21, "load IA32_EFER"},
    {ControlSet::exit, 22, "save VMX-preemption timer value"},
    {ControlSet::entry, 2, "load debug controls"},
    {ControlSet::entry, 9, "IA-32e mode guest"},
    {ControlSet::entry, 10, "entry to SMM"},
    {ControlSet::entry, 11, "deactivate dual-monitor treatment"},
    {ControlSet::entry, 14, "load IA32_PAT"},
    {ControlSet::entry, 15, "load IA32_EFER"},
};

AllowedControls split(uint64_t msr)
{
    return {static_cast<uint32_t>(msr), static_cast<uint32_t>(msr >> 32)};
}

// required | offered optional | forced; 0 in `missing` when every required bit may be 1.
uint32_t choose(const ControlWish& wish, const AllowedControls& allowed, uint32_t& missing)
{
    missing = wish.required & ~allowed.may_be_one;
    return (wish.required | (wish.optional & allowed.may_be_one) | allowed.must_be_one) & allowed.may_be_one;
}

unsigned lowest_bit(uint32_t v)
{
    unsigned b = 0;
    while (!((v >> b) & 1)) ++b;
    return b;
}

} // namespace

const char* control_set_name(ControlSet set)
{
    switch (set) {
    case ControlSet::pin: return "pin-based VM-execution";
    case ControlSet::primary: return "primary processor-based VM-execution";
    case ControlSet::secondary: return "secondary processor-based VM-execution";
    case ControlSet::exit: return "VM-exit";
    case ControlSet::entry: return "VM-entry";
    }
    return "unknown";
}

const char* control_name(ControlSet set, unsigned bit)
{
    for (const auto& n : names)
        if (n.set == set && n.bit == bit) return n.name;
    return nullptr;
}

AllowedControls allowed_controls(const VmxCapabilities& caps, ControlSet set)
{
    const bool use_true = caps.has_true_controls();
    switch (set) {
    case ControlSet::pin: return split(use_true ? caps.true_pinbased : caps.pinbased);
    case ControlSet::primary: return split(use_true ? caps.true_procbased : caps.procbased);
    case ControlSet::secondary:
        // Exists only when the primary set may activate it; its allowed-0 half is all zero.
        if (!((split(caps.procbased).may_be_one >> 31) & 1)) return {};
        return split(caps.procbased2);
    case ControlSet::exit: return split(use_true ? caps.true_exit : caps.exit);
    case ControlSet::entry: return split(use_true ? caps.true_entry : caps.entry);
    }
    return {};
}

ControlsResult derive_controls(const VmxCapabilities& caps, const ControlWishes& wishes)
{
    ControlsResult r;
    struct Step {
        ControlSet set;
        const ControlWish* wish;
        uint32_t* out;
    } steps[] = {
        {ControlSet::pin, &wishes.pin, &r.controls.pin},
        {ControlSet::primary, &wishes.primary, &r.controls.primary},
        {ControlSet::secondary, &wishes.secondary, &r.controls.secondary},
        {ControlSet::exit, &wishes.exit, &r.controls.exit},
        {ControlSet::entry, &wishes.entry, &r.controls.entry},
    };
    for (const Step& s : steps) {
        uint32_t missing = 0;
        *s.out = choose(*s.wish, allowed_controls(caps, s.set), missing);
        if (missing && r.ok) {
            r.ok = false;
            r.missing_set = s.set;
            r.missing_bit = lowest_bit(missing);
        }
    }
    // Secondary controls take effect only when the primary set activates them.
    if (r.controls.secondary == 0) r.controls.primary &= ~primary::secondary_controls;
    else r.controls.primary |= primary::secondary_controls;
    return r;
}

size_t describe_missing_control(const ControlsResult& result, char* buffer, size_t capacity)
{
    if (result.ok) return format_to(buffer, capacity, "every required VMX control is available");
    const char* name = control_name(result.missing_set, result.missing_bit);
    return format_to(buffer, capacity, "this CPU cannot set the %s control '%s' (bit %u)",
                     control_set_name(result.missing_set), name ? name : "unnamed", result.missing_bit);
}

ControlWishes samepage_control_wishes()
{
    ControlWishes w;
    size_t count = 0;
    const ControlRow* rows = control_rows(count);
    for (size_t i = 0; i < count; ++i) {
        const ControlRow& r = rows[i];
        ControlWish* wish = r.word == RowWord::pin         ? &w.pin
                            : r.word == RowWord::primary   ? &w.primary
                            : r.word == RowWord::secondary ? &w.secondary
                            : r.word == RowWord::exit      ? &w.exit
                            : r.word == RowWord::entry     ? &w.entry
                                                           : nullptr;
        if (!wish) continue; // exception bitmap, unconditional exits
        (r.need == RowNeed::required ? wish->required : wish->optional) |= r.bit;
    }
    return w;
}

uint32_t samepage_exception_bitmap()
{
    uint32_t bitmap = 0;
    size_t count = 0;
    const ControlRow* rows = control_rows(count);
    for (size_t i = 0; i < count; ++i)
        if (rows[i].word == RowWord::exception_bitmap) bitmap |= rows[i].bit;
    return bitmap;
}

} // namespace sp::vmx
