#include "arch/svm/intercepts.hpp"

#include "arch/svm/vmcb.hpp"

namespace sp::svm {
namespace {

using vm::ExitKind;
using W = InterceptWord;

const Intercept kIntercepts[] = {
    {"#DB", W::exceptions, 1u << 1, exit_code::exception_base + 1, ExitKind::exception,
     "CVE-2015-8104: a #DB delivery loop would hang the CPU; reflected, loops stopped"},
    {"#AC", W::exceptions, 1u << 17, exit_code::exception_base + 17, ExitKind::exception,
     "CVE-2015-5307: an #AC delivery loop would hang the CPU; reflected, loops stopped"},
    {"INTR", W::misc1, misc1::intr, exit_code::intr, ExitKind::external_interrupt,
     "the host's timer takes the CPU back from any guest"},
    {"NMI", W::misc1, misc1::nmi, exit_code::nmi, ExitKind::external_interrupt, "NMIs belong to the host"},
    {"SMI", W::misc1, misc1::smi, exit_code::smi, ExitKind::external_interrupt, "SMIs belong to the host"},
    {"INIT", W::misc1, misc1::init, exit_code::init, ExitKind::external_interrupt,
     "an INIT must not reset the host's CPU under a guest"},
    {"CPUID", W::misc1, misc1::cpuid, exit_code::cpuid, ExitKind::cpuid,
     "guests see the CPUID policy: no SVM/VMX, hypervisor leaves"},
    {"RSM", W::misc1, misc1::rsm, exit_code::rsm, ExitKind::exception,
     "RSM outside SMM: #UD, as on a CPU"},
    {"INVD", W::misc1, misc1::invd, exit_code::invd, ExitKind::invd,
     "discarding caches could lose writes to shared frames; run as WBINVD"},
    {"HLT", W::misc1, misc1::hlt, exit_code::hlt, ExitKind::hlt, "an idle guest gives the CPU back"},
    {"INVLPGA", W::misc1, misc1::invlpga, exit_code::invlpga, ExitKind::forbidden_instruction,
     "an SVM instruction: guests never see SVM"},
    {"IOIO", W::misc1, misc1::ioio, exit_code::ioio, ExitKind::io, "every port goes through the I/O handling"},
    {"MSR", W::misc1, misc1::msr, exit_code::msr, ExitKind::msr_read, "every MSR goes through the MSR table"},
    {"task switch", W::misc1, misc1::task_switch, exit_code::task_switch, ExitKind::unsupported,
     "hardware task switches are not emulated: the VM stops with a clear reason"},
    {"shutdown", W::misc1, misc1::shutdown, exit_code::shutdown, ExitKind::shutdown,
     "a triple fault ends (or restarts) the VM, never the host"},
    {"VMRUN", W::misc2, misc2::vmrun, exit_code::vmrun, ExitKind::forbidden_instruction,
     "required by the CPU; guests never see SVM"},
    {"VMMCALL", W::misc2, misc2::vmmcall, exit_code::vmmcall, ExitKind::hypercall, "the hypercall interface"},
    {"VMLOAD", W::misc2, misc2::vmload, exit_code::vmload, ExitKind::forbidden_instruction,
     "an SVM instruction: guests never see SVM"},
    {"VMSAVE", W::misc2, misc2::vmsave, exit_code::vmsave, ExitKind::forbidden_instruction,
     "an SVM instruction: guests never see SVM"},
    {"STGI", W::misc2, misc2::stgi, exit_code::stgi, ExitKind::forbidden_instruction,
     "an SVM instruction: guests never see SVM"},
    {"CLGI", W::misc2, misc2::clgi, exit_code::clgi, ExitKind::forbidden_instruction,
     "an SVM instruction: guests never see SVM"},
    {"SKINIT", W::misc2, misc2::skinit, exit_code::skinit, ExitKind::forbidden_instruction,
     "an SVM instruction: guests never see SVM"},
    {"XSETBV", W::misc2, misc2::xsetbv, exit_code::xsetbv, ExitKind::xsetbv,
     "guests may enable only the components Samepage saves for them"},
    {"MONITOR", W::misc2, misc2::monitor, exit_code::monitor, ExitKind::exception,
     "not offered in CPUID: #UD, as on a CPU without it"},
    {"MWAIT", W::misc2, misc2::mwait, exit_code::mwait, ExitKind::exception,
     "not offered in CPUID: #UD, as on a CPU without it"},
    {"MWAIT armed", W::misc2, misc2::mwait_armed, exit_code::mwait_armed, ExitKind::exception,
     "not offered in CPUID: #UD, as on a CPU without it"},
};

} // namespace

const Intercept* intercepts(size_t& count)
{
    count = sizeof kIntercepts / sizeof kIntercepts[0];
    return kIntercepts;
}

} // namespace sp::svm
