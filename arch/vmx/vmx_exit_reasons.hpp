// Basic exit reasons (Intel SDM vol. 3D, appendix C) and the layouts of the exit information
// Samepage reads (SDM vol. 3C, 28.2).
#pragma once
#include <stdint.h>

namespace sp::vmx {

namespace reason {
constexpr uint32_t exception_or_nmi = 0, external_interrupt = 1, triple_fault = 2, init = 3, sipi = 4;
constexpr uint32_t io_smi = 5, other_smi = 6, interrupt_window = 7, nmi_window = 8, task_switch = 9;
constexpr uint32_t cpuid = 10, getsec = 11, hlt = 12, invd = 13, invlpg = 14, rdpmc = 15, rdtsc = 16;
constexpr uint32_t rsm = 17, vmcall = 18, vmclear = 19, vmlaunch = 20, vmptrld = 21, vmptrst = 22;
constexpr uint32_t vmread = 23, vmresume = 24, vmwrite = 25, vmxoff = 26, vmxon = 27;
constexpr uint32_t cr_access = 28, dr_access = 29, io_instruction = 30, rdmsr = 31, wrmsr = 32;
constexpr uint32_t entry_failure_guest_state = 33, entry_failure_msr_loading = 34, mwait = 36;
constexpr uint32_t monitor_trap_flag = 37, monitor = 39, pause = 40, entry_failure_machine_check = 41;
constexpr uint32_t tpr_below_threshold = 43, apic_access = 44, virtualized_eoi = 45;
constexpr uint32_t gdtr_idtr_access = 46, ldtr_tr_access = 47, ept_violation = 48;
constexpr uint32_t ept_misconfiguration = 49, invept = 50, rdtscp = 51, preemption_timer = 52;
constexpr uint32_t invvpid = 53, wbinvd = 54, xsetbv = 55, apic_write = 56, rdrand = 57, invpcid = 58;
constexpr uint32_t vmfunc = 59, encls = 60, rdseed = 61, pml_full = 62, xsaves = 63, xrstors = 64;
} // namespace reason

// Exit-reason field: basic reason in 15:0, bit 31 set when VM entry failed.
constexpr uint32_t exit_reason_entry_failed = 1u << 31;
constexpr uint32_t basic_reason(uint32_t exit_reason) { return exit_reason & 0xffff; }

// Interruption information (exit, IDT-vectoring, entry): vector 7:0, type 10:8, error code
// valid 11, NMI unblocking due to IRET 12, valid 31.
namespace interruption {
constexpr uint32_t type_external = 0, type_nmi = 2, type_hardware_exception = 3;
constexpr uint32_t type_software_interrupt = 4, type_privileged_software_exception = 5;
constexpr uint32_t type_software_exception = 6, type_other = 7;
constexpr uint32_t error_code_valid = 1u << 11, valid = 1u << 31;
constexpr uint32_t vector(uint32_t info) { return info & 0xff; }
constexpr uint32_t type(uint32_t info) { return (info >> 8) & 7; }
} // namespace interruption

// I/O instruction qualification: size-1 in 2:0, IN in 3, string 4, REP 5, immediate 6, port 31:16.
namespace io_qualification {
constexpr uint64_t direction_in = 1u << 3, string = 1u << 4, rep = 1u << 5;
} // namespace io_qualification

// EPT violation qualification: the access (read 0, write 1, fetch 2) and what the translation
// allowed (readable 3, writable 4, executable 5); bit 7 guest-linear address valid.
namespace ept_qualification {
constexpr uint64_t read = 1u << 0, write = 1u << 1, fetch = 1u << 2;
constexpr uint64_t readable = 1u << 3, writable = 1u << 4, executable = 1u << 5;
constexpr uint64_t linear_valid = 1u << 7;
} // namespace ept_qualification

// Control-register access qualification: CR number 3:0, access type 5:4 (0 MOV to CR, 1 MOV
// from CR, 2 CLTS, 3 LMSW), general register 11:8.
namespace cr_qualification {
constexpr unsigned cr(uint64_t q) { return q & 0xf; }
constexpr unsigned access(uint64_t q) { return (q >> 4) & 3; }
constexpr unsigned gpr(uint64_t q) { return (q >> 8) & 0xf; }
constexpr unsigned mov_to_cr = 0, mov_from_cr = 1, clts = 2, lmsw = 3;
} // namespace cr_qualification

// Qualification of exit reason 33 (invalid guest state).
namespace entry_failure_qualification {
constexpr uint64_t pdpte_loading = 2, nmi_blocking = 3, vmcs_link_pointer = 4;
}

// Short name of a basic exit reason ("EPT violation"); nullptr for unknown reasons.
const char* exit_reason_name(uint32_t basic);

// What a VM-instruction error number means (SDM vol. 3C, 31.4); nullptr when unknown.
const char* instruction_error_text(uint32_t error);

} // namespace sp::vmx
