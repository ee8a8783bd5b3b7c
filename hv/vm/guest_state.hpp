// The guest's registers as the common exit handling sees them, the same for SVM and VMX. The
// back-end copies its VMCB/VMCS and saved GPRs into a GuestState before calling the dispatcher
// and writes back afterwards: the GPRs always (they are saved by the entry code anyway), the
// other fields only when their bit is set in `dirty` (a VMWRITE costs an exit under nesting).
#pragma once
#include <stdint.h>

namespace sp::vm {

// Bits of GuestState::dirty: which non-GPR fields a handler changed.
namespace dirty {
inline constexpr uint32_t rip = 1u << 0;
inline constexpr uint32_t rflags = 1u << 1;
inline constexpr uint32_t efer = 1u << 2;
inline constexpr uint32_t pat = 1u << 3;
inline constexpr uint32_t syscall_msrs = 1u << 4;  // star lstar cstar sfmask
inline constexpr uint32_t segment_bases = 1u << 5; // fs_base gs_base kernel_gs_base
inline constexpr uint32_t sysenter_msrs = 1u << 6; // sysenter_cs/esp/eip
inline constexpr uint32_t tsc_aux = 1u << 7;
inline constexpr uint32_t xcr0 = 1u << 8;
} // namespace dirty

struct GuestState {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
    uint64_t cr0, cr2, cr3, cr4;
    uint64_t efer, pat;
    uint64_t star, lstar, cstar, sfmask;
    uint64_t fs_base, gs_base, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t tsc_aux;
    uint64_t xcr0;
    uint8_t cpl; // current privilege level (SVM: VMCB CPL; VMX: SS access rights DPL)
    uint32_t dirty;
};

inline constexpr uint64_t kRflagsIf = 1ull << 9;   // interrupts enabled
inline constexpr uint64_t kCr4Osxsave = 1ull << 18;

inline constexpr uint64_t kEferSce = 1ull << 0;
inline constexpr uint64_t kEferLme = 1ull << 8;
inline constexpr uint64_t kEferLma = 1ull << 10;
inline constexpr uint64_t kEferNxe = 1ull << 11;
inline constexpr uint64_t kEferSvme = 1ull << 12;

// An event the back-end delivers on the next VM entry (SVM EVENTINJ, VMX entry
// interruption-information). At most one per vCPU; the dispatcher never overwrites a pending one.
enum class EventType : uint8_t { external_interrupt, nmi, exception, software_interrupt };

struct EventInjection {
    bool pending = false;
    EventType type = EventType::exception;
    uint8_t vector = 0;
    bool has_error_code = false;
    uint32_t error_code = 0;
};

// Exception vectors the common code injects or reflects.
namespace vector {
inline constexpr uint8_t db = 1, ud = 6, df = 8, gp = 13, pf = 14, ac = 17, mc = 18;
}

// Exceptions that push an error code (SDM vol. 3 table 6-1): #DF #TS #NP #SS #GP #PF #AC #CP.
inline constexpr bool exception_has_error_code(uint8_t v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21;
}

} // namespace sp::vm
