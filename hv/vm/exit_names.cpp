#include "hv/vm/exit.hpp"

namespace sp::vm {

const char* exit_kind_name(ExitKind kind)
{
    switch (kind) {
    case ExitKind::cpuid: return "cpuid";
    case ExitKind::msr_read: return "msr_read";
    case ExitKind::msr_write: return "msr_write";
    case ExitKind::io: return "io";
    case ExitKind::nested_page_fault: return "npf";
    case ExitKind::hlt: return "hlt";
    case ExitKind::hypercall: return "hypercall";
    case ExitKind::shutdown: return "shutdown";
    case ExitKind::interrupt_window: return "interrupt_window";
    case ExitKind::external_interrupt: return "external_interrupt";
    case ExitKind::invalid_state: return "invalid_state";
    case ExitKind::exception: return "exception";
    case ExitKind::forbidden_instruction: return "forbidden";
    case ExitKind::xsetbv: return "xsetbv";
    case ExitKind::invd: return "invd";
    case ExitKind::unsupported: return "unsupported";
    case ExitKind::count: break;
    }
    return "unknown";
}

const char* forbidden_instruction_name(ForbiddenInstruction instruction)
{
    static const char* const names[] = {
        "VMRUN", "VMLOAD", "VMSAVE", "STGI", "CLGI", "SKINIT", "INVLPGA",
        "VMXON", "VMXOFF", "VMLAUNCH", "VMRESUME", "VMPTRLD", "VMPTRST", "VMCLEAR",
        "VMREAD", "VMWRITE", "INVEPT", "INVVPID", "VMFUNC", "GETSEC",
    };
    static_assert(sizeof names / sizeof names[0] == static_cast<unsigned>(ForbiddenInstruction::count));
    unsigned i = static_cast<unsigned>(instruction);
    return i < static_cast<unsigned>(ForbiddenInstruction::count) ? names[i] : "unknown instruction";
}

const char* access_name(Access access)
{
    switch (access) {
    case Access::read: return "read";
    case Access::write: return "write";
    case Access::execute: return "execute";
    }
    return "unknown access";
}

} // namespace sp::vm
