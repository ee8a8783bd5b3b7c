// The neutral exit record: what the vendor back-end (arch/svm, later arch/vmx) fills after each
// guest run, decoded from EXITCODE/EXITINFO or the VMCS exit fields. The common code never
// sees vendor figures except as opaque numbers in an invalid-state record.
#pragma once
#include <stdint.h>

namespace sp::vm {

enum class ExitKind : uint8_t {
    cpuid,
    msr_read,
    msr_write,
    io,
    nested_page_fault,
    hlt,
    hypercall, // VMMCALL (AMD) or VMCALL (Intel)
    shutdown,  // triple fault (SVM shutdown, VMX triple-fault exit)
    interrupt_window,
    external_interrupt,
    invalid_state, // VM entry failed
    exception,     // an intercepted guest exception
    forbidden_instruction,
    xsetbv,
    invd,
    unsupported, // something the guest did that Samepage does not emulate (text in `invalid.text`)
    count
};
inline constexpr unsigned kExitKindCount = static_cast<unsigned>(ExitKind::count);

// Short lower-case name ("cpuid", "msr_read"...), used as counter keys in `vm info`.
const char* exit_kind_name(ExitKind kind);

// Virtualization instructions a guest must never run here: they are hidden from CPUID.
enum class ForbiddenInstruction : uint8_t {
    vmrun, vmload, vmsave, stgi, clgi, skinit, invlpga,            // AMD SVM
    vmxon, vmxoff, vmlaunch, vmresume, vmptrld, vmptrst, vmclear, // Intel VMX
    vmread, vmwrite, invept, invvpid, vmfunc, getsec,
    count
};

// Upper-case mnemonic ("VMRUN").
const char* forbidden_instruction_name(ForbiddenInstruction instruction);

// Nested page fault access kinds.
enum class Access : uint8_t { read, write, execute };
const char* access_name(Access access);

struct CpuidExit {
    uint32_t leaf, subleaf; // EAX and ECX at the CPUID
};

struct MsrExit {
    uint32_t index; // ECX
    uint64_t value; // EDX:EAX for a write; unused for a read
};

struct IoExit {
    uint16_t port;
    uint8_t size; // 1, 2 or 4 bytes
    bool in;      // IN/INS (true) or OUT/OUTS
    bool string;  // INS/OUTS
    bool rep;
    uint32_t value; // the bytes an OUT writes (low `size` bytes of RAX)
};

struct NestedPageFaultExit {
    uint64_t gpa;
    Access access;
    bool present; // the translation exists: a permission fault, not a missing page
};

struct InvalidStateExit {
    uint64_t raw[3];  // vendor figures (SVM: EXITCODE, EXITINFO1/2; VMX: reason, qualification, instruction error)
    const char* text; // the back-end's one-line reason, static storage; may be nullptr
};

struct ExceptionExit {
    uint8_t vector;
    bool has_error_code;
    uint32_t error_code;
};

struct XsetbvExit {
    uint32_t xcr;   // ECX
    uint64_t value; // EDX:EAX
};

// One exit. Only the member named by `kind` is meaningful.
struct Exit {
    ExitKind kind = ExitKind::hlt;
    // Address of the instruction after the one that exited (SVM: NextRIP, or EXITINFO2 for IOIO;
    // VMX: RIP + VM-exit instruction length). 0 when unknown. Needed by every exit that
    // completes an instruction (CPUID, MSR, I/O, HLT, hypercall, XSETBV, INVD).
    uint64_t next_rip = 0;
    CpuidExit cpuid{};
    MsrExit msr{};
    IoExit io{};
    NestedPageFaultExit npf{};
    InvalidStateExit invalid{};
    ExceptionExit exception{};
    XsetbvExit xsetbv{};
    ForbiddenInstruction forbidden = ForbiddenInstruction::vmrun;
};

} // namespace sp::vm
