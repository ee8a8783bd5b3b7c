#include "arch/x86/exception_names.hpp"

namespace sp::x86 {

ExceptionName exception_name(uint64_t vector)
{
    static const ExceptionName names[32] = {
        {"#DE", "divide error"},        {"#DB", "debug"},
        {"NMI", "non-maskable interrupt"}, {"#BP", "breakpoint"},
        {"#OF", "overflow"},            {"#BR", "bound range exceeded"},
        {"#UD", "invalid opcode"},      {"#NM", "device not available"},
        {"#DF", "double fault"},        {"#CSO", "coprocessor segment overrun"},
        {"#TS", "invalid TSS"},         {"#NP", "segment not present"},
        {"#SS", "stack-segment fault"}, {"#GP", "general protection"},
        {"#PF", "page fault"},          {"#15", "reserved"},
        {"#MF", "x87 floating-point error"}, {"#AC", "alignment check"},
        {"#MC", "machine check"},       {"#XM", "SIMD floating-point"},
        {"#VE", "virtualization exception"}, {"#CP", "control protection"},
        {"#22", "reserved"},            {"#23", "reserved"},
        {"#24", "reserved"},            {"#25", "reserved"},
        {"#26", "reserved"},            {"#27", "reserved"},
        {"#HV", "hypervisor injection"}, {"#VC", "VMM communication"},
        {"#SX", "security exception"},  {"#31", "reserved"},
    };
    if (vector < 32) return names[vector];
    return {"#??", "unknown vector"};
}

} // namespace sp::x86
