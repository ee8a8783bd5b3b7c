#include "arch/vmx/vmx_intercepts.hpp"

#include "arch/vmx/vmx_controls.hpp"
#include "arch/vmx/vmx_exit_reasons.hpp"

namespace sp::vmx {
namespace {

using vm::ExitKind;
using W = RowWord;
constexpr RowNeed req = RowNeed::required, opt = RowNeed::optional;
constexpr uint32_t hw_exception(uint32_t vector) { return interruption::valid | (3u << 8) | vector; }
constexpr uint32_t nmi_info = interruption::valid | (2u << 8) | 2;
constexpr const char* kVmx = "a VMX instruction: guests never see VMX";

const ControlRow kRows[] = {
    {"#DB", W::exception_bitmap, 1u << 1, req, reason::exception_or_nmi, hw_exception(1), ExitKind::exception,
     "CVE-2015-8104: a #DB delivery loop would hang the CPU; reflected, loops stopped"},
    {"#AC", W::exception_bitmap, 1u << 17, req, reason::exception_or_nmi, hw_exception(17), ExitKind::exception,
     "CVE-2015-5307: an #AC delivery loop would hang the CPU; reflected, loops stopped"},

    {"external-interrupt exiting", W::pin, pin::external_interrupt_exiting, req, reason::external_interrupt, 0,
     ExitKind::external_interrupt, "the host's timer takes the CPU back from any guest"},
    {"NMI exiting", W::pin, pin::nmi_exiting, req, reason::exception_or_nmi, nmi_info, ExitKind::external_interrupt,
     "NMIs belong to the host"},
    {"activate VMX-preemption timer", W::pin, pin::preemption_timer, req, reason::preemption_timer, 0,
     ExitKind::external_interrupt,
     "ends time slices also when the guest has IF=0 (Bochs ignores external-interrupt exiting then)"},

    {"HLT exiting", W::primary, primary::hlt_exiting, req, reason::hlt, 0, ExitKind::hlt,
     "an idle guest gives the CPU back"},
    {"MWAIT exiting", W::primary, primary::mwait_exiting, req, reason::mwait, 0, ExitKind::exception,
     "not offered in CPUID: #UD, as on a CPU without it"},
    {"MONITOR exiting", W::primary, primary::monitor_exiting, req, reason::monitor, 0, ExitKind::exception,
     "not offered in CPUID: #UD, as on a CPU without it"},
    {"use I/O bitmaps", W::primary, primary::io_bitmaps, req, reason::io_instruction, 0, ExitKind::io,
     "every bit set: every port goes through the I/O handling"},
    {"use MSR bitmaps (RDMSR)", W::primary, primary::msr_bitmaps, req, reason::rdmsr, 0, ExitKind::msr_read,
     "every bit set: every MSR goes through the MSR table"},
    {"use MSR bitmaps (WRMSR)", W::primary, primary::msr_bitmaps, req, reason::wrmsr, 0, ExitKind::msr_write,
     "every bit set: every MSR goes through the MSR table"},
    {"activate secondary controls", W::primary, primary::secondary_controls, req, kNoExit, 0, ExitKind::count,
     "EPT lives there"},

    {"enable EPT (violation)", W::secondary, secondary::ept, req, reason::ept_violation, 0,
     ExitKind::nested_page_fault, "guest memory through the memory core's EPT; faults go to the memory side"},
    {"enable EPT (misconfiguration)", W::secondary, secondary::ept, req, reason::ept_misconfiguration, 0,
     ExitKind::invalid_state, "a malformed EPT entry is our bug: the VM stops with the address"},
    {"enable VPID", W::secondary, secondary::vpid, opt, kNoExit, 0, ExitKind::count,
     "translations survive exits; flushed by INVVPID before a VPID is reused"},
    {"unrestricted guest", W::secondary, secondary::unrestricted_guest, opt, kNoExit, 0, ExitKind::count,
     "guests may run with paging or protection off (real-mode start-up code)"},
    {"enable RDTSCP", W::secondary, secondary::rdtscp, opt, kNoExit, 0, ExitKind::count,
     "without it RDTSCP raises #UD although CPUID offers it"},
    {"enable INVPCID", W::secondary, secondary::invpcid, opt, kNoExit, 0, ExitKind::count,
     "without it INVPCID raises #UD although CPUID offers it"},

    {"host address-space size", W::exit, exit_control::host_address_space_size, req, kNoExit, 0, ExitKind::count,
     "Samepage runs in 64-bit mode"},
    {"save IA32_PAT", W::exit, exit_control::save_pat, req, kNoExit, 0, ExitKind::count, "the guest's PAT is its own"},
    {"load IA32_PAT", W::exit, exit_control::load_pat, req, kNoExit, 0, ExitKind::count, "the host's PAT back"},
    {"save IA32_EFER", W::exit, exit_control::save_efer, req, kNoExit, 0, ExitKind::count,
     "the guest's EFER is its own"},
    {"load IA32_EFER", W::exit, exit_control::load_efer, req, kNoExit, 0, ExitKind::count, "the host's EFER back"},

    {"IA-32e mode guest", W::entry, entry_control::ia32e_mode_guest, req, kNoExit, 0, ExitKind::count,
     "the test guests start in 64-bit mode"},
    {"load IA32_PAT (entry)", W::entry, entry_control::load_pat, req, kNoExit, 0, ExitKind::count,
     "the guest's PAT on entry"},
    {"load IA32_EFER (entry)", W::entry, entry_control::load_efer, req, kNoExit, 0, ExitKind::count,
     "the guest's EFER on entry"},

    {"CPUID", W::unconditional, 0, req, reason::cpuid, 0, ExitKind::cpuid,
     "guests see the CPUID policy: no SVM/VMX, hypervisor leaves"},
    {"INVD", W::unconditional, 0, req, reason::invd, 0, ExitKind::invd,
     "discarding caches could lose writes to shared frames; run as WBINVD"},
    {"XSETBV", W::unconditional, 0, req, reason::xsetbv, 0, ExitKind::xsetbv,
     "guests may enable only the components Samepage saves for them"},
    {"VMCALL", W::unconditional, 0, req, reason::vmcall, 0, ExitKind::hypercall, "the hypercall interface"},
    {"triple fault", W::unconditional, 0, req, reason::triple_fault, 0, ExitKind::shutdown,
     "a triple fault ends (or restarts) the VM, never the host"},
    {"task switch", W::unconditional, 0, req, reason::task_switch, 0, ExitKind::unsupported,
     "hardware task switches are not emulated: the VM stops with a clear reason"},
    {"INIT", W::unconditional, 0, req, reason::init, 0, ExitKind::external_interrupt,
     "an INIT must not reset the host's CPU under a guest"},
    {"SIPI", W::unconditional, 0, req, reason::sipi, 0, ExitKind::external_interrupt, "start-up IPIs belong to the host"},
    {"GETSEC", W::unconditional, 0, req, reason::getsec, 0, ExitKind::forbidden_instruction,
     "SMX is hidden from guests"},
    {"VMXON", W::unconditional, 0, req, reason::vmxon, 0, ExitKind::forbidden_instruction, kVmx},
    {"VMXOFF", W::unconditional, 0, req, reason::vmxoff, 0, ExitKind::forbidden_instruction, kVmx},
    {"VMLAUNCH", W::unconditional, 0, req, reason::vmlaunch, 0, ExitKind::forbidden_instruction, kVmx},
    {"VMRESUME", W::unconditional, 0, req, reason::vmresume, 0, ExitKind::forbidden_instruction, kVmx},
    {"VMPTRLD", W::unconditional, 0, req, reason::vmptrld, 0, ExitKind::forbidden_instruction, kVmx},
    {"VMPTRST", W::unconditional, 0, req, reason::vmptrst, 0, ExitKind::forbidden_instruction, kVmx},
    {"VMCLEAR", W::unconditional, 0, req, reason::vmclear, 0, ExitKind::forbidden_instruction, kVmx},
    {"VMREAD", W::unconditional, 0, req, reason::vmread, 0, ExitKind::forbidden_instruction, kVmx},
    {"VMWRITE", W::unconditional, 0, req, reason::vmwrite, 0, ExitKind::forbidden_instruction, kVmx},
    {"INVEPT", W::unconditional, 0, req, reason::invept, 0, ExitKind::forbidden_instruction, kVmx},
    {"INVVPID", W::unconditional, 0, req, reason::invvpid, 0, ExitKind::forbidden_instruction, kVmx},
    {"VMFUNC", W::unconditional, 0, req, reason::vmfunc, 0, ExitKind::forbidden_instruction, kVmx},
};

} // namespace

const ControlRow* control_rows(size_t& count)
{
    count = sizeof kRows / sizeof kRows[0];
    return kRows;
}

} // namespace sp::vmx
