#include "arch/vmx/vmx_exit_reasons.hpp"

namespace sp::vmx {

const char* exit_reason_name(uint32_t basic)
{
    static const char* const names[] = {
        "exception or NMI", "external interrupt", "triple fault", "INIT", "SIPI", "I/O SMI", "other SMI",
        "interrupt window", "NMI window", "task switch", "CPUID", "GETSEC", "HLT", "INVD", "INVLPG",
        "RDPMC", "RDTSC", "RSM", "VMCALL", "VMCLEAR", "VMLAUNCH", "VMPTRLD", "VMPTRST", "VMREAD",
        "VMRESUME", "VMWRITE", "VMXOFF", "VMXON", "control-register access", "MOV DR", "I/O instruction",
        "RDMSR", "WRMSR", "VM-entry failure: invalid guest state", "VM-entry failure: MSR loading",
        nullptr, "MWAIT", "monitor trap flag", nullptr, "MONITOR", "PAUSE",
        "VM-entry failure: machine check", nullptr, "TPR below threshold", "APIC access",
        "virtualized EOI", "GDTR/IDTR access", "LDTR/TR access", "EPT violation", "EPT misconfiguration",
        "INVEPT", "RDTSCP", "VMX-preemption timer expired", "INVVPID", "WBINVD", "XSETBV", "APIC write",
        "RDRAND", "INVPCID", "VMFUNC", "ENCLS", "RDSEED", "page-modification log full", "XSAVES", "XRSTORS",
    };
    static_assert(sizeof names / sizeof names[0] == reason::xrstors + 1);
    return basic < sizeof names / sizeof names[0] ? names[basic] : nullptr;
}

const char* instruction_error_text(uint32_t error)
{
    switch (error) {
    case 1: return "VMCALL executed in VMX root operation";
    case 2: return "VMCLEAR with an invalid physical address";
    case 3: return "VMCLEAR with the VMXON pointer";
    case 4: return "VMLAUNCH with a non-clear VMCS";
    case 5: return "VMRESUME with a non-launched VMCS";
    case 6: return "VMRESUME after VMXOFF";
    case 7: return "VM entry with invalid control field(s)";
    case 8: return "VM entry with invalid host-state field(s)";
    case 9: return "VMPTRLD with an invalid physical address";
    case 10: return "VMPTRLD with the VMXON pointer";
    case 11: return "VMPTRLD with an incorrect VMCS revision identifier";
    case 12: return "VMREAD/VMWRITE of an unsupported VMCS component";
    case 13: return "VMWRITE to a read-only VMCS component";
    case 15: return "VMXON executed in VMX root operation";
    case 16: return "VM entry with an invalid executive-VMCS pointer";
    case 17: return "VM entry with a non-launched executive VMCS";
    case 18: return "VM entry with an executive-VMCS pointer that is not the VMXON pointer";
    case 19: return "VMCALL with a non-clear VMCS";
    case 20: return "VMCALL with invalid VM-exit control fields";
    case 22: return "VMCALL with an incorrect MSEG revision identifier";
    case 23: return "VMXOFF under dual-monitor treatment of SMIs and SMM";
    case 24: return "VMCALL with invalid SMM-monitor features";
    case 25: return "VM entry with invalid VM-execution control fields in the executive VMCS";
    case 26: return "VM entry with events blocked by MOV SS";
    case 28: return "invalid operand to INVEPT/INVVPID";
    default: return nullptr;
    }
}

} // namespace sp::vmx
