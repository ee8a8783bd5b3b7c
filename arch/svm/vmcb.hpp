// The VMCB (AMD APM vol. 2, appendix B): a 4 KiB page, control area at 0x000, state-save area
// at 0x400. Plain fields at fixed offsets (checked below), no unions: bit fields are reached
// through the named constants.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace sp::svm {

struct VmcbSegment {
    uint16_t selector;
    uint16_t attrib; // packed 12-bit format: type/S/DPL/P in 7:0, AVL/L/D/G in 11:8
    uint32_t limit;
    uint64_t base;
};
static_assert(sizeof(VmcbSegment) == 16);

struct VmcbControl {
    uint16_t intercept_cr_read;  // 0x000
    uint16_t intercept_cr_write;
    uint16_t intercept_dr_read;  // 0x004
    uint16_t intercept_dr_write;
    uint32_t intercept_exceptions; // 0x008
    uint32_t intercept_misc1;    // 0x00c (see misc1:: below)
    uint32_t intercept_misc2;    // 0x010 (see misc2:: below)
    uint32_t intercept_misc3;    // 0x014
    uint8_t reserved_018[0x03c - 0x018];
    uint16_t pause_filter_threshold; // 0x03c
    uint16_t pause_filter_count;     // 0x03e
    uint64_t iopm_base_pa;       // 0x040
    uint64_t msrpm_base_pa;      // 0x048
    uint64_t tsc_offset;         // 0x050
    uint32_t guest_asid;         // 0x058
    uint8_t tlb_control;         // 0x05c
    uint8_t reserved_05d[3];
    uint64_t virtual_interrupt;  // 0x060: V_TPR, V_IRQ, V_INTR_MASKING...
    uint64_t interrupt_shadow;   // 0x068
    uint64_t exit_code;          // 0x070
    uint64_t exit_info1;         // 0x078
    uint64_t exit_info2;         // 0x080
    uint64_t exit_int_info;      // 0x088
    uint64_t np_control;         // 0x090: bit 0 nested paging enable
    uint64_t avic_apic_bar;      // 0x098
    uint64_t ghcb_pa;            // 0x0a0
    uint64_t event_inject;       // 0x0a8
    uint64_t n_cr3;              // 0x0b0
    uint64_t lbr_virtualization; // 0x0b8
    uint32_t clean_bits;         // 0x0c0
    uint32_t reserved_0c4;
    uint64_t next_rip;           // 0x0c8
    uint8_t guest_bytes_fetched; // 0x0d0
    uint8_t guest_instruction_bytes[15];
    uint8_t reserved_0e0[0x400 - 0x0e0];
};
static_assert(sizeof(VmcbControl) == 0x400);
static_assert(offsetof(VmcbControl, iopm_base_pa) == 0x040);
static_assert(offsetof(VmcbControl, guest_asid) == 0x058);
static_assert(offsetof(VmcbControl, exit_code) == 0x070);
static_assert(offsetof(VmcbControl, np_control) == 0x090);
static_assert(offsetof(VmcbControl, event_inject) == 0x0a8);
static_assert(offsetof(VmcbControl, n_cr3) == 0x0b0);
static_assert(offsetof(VmcbControl, next_rip) == 0x0c8);

struct VmcbState {
    VmcbSegment es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; // 0x000..0x09f
    uint8_t reserved_0a0[0x0cb - 0x0a0];
    uint8_t cpl;                 // 0x0cb
    uint32_t reserved_0cc;
    uint64_t efer;               // 0x0d0
    uint8_t reserved_0d8[0x148 - 0x0d8];
    uint64_t cr4;                // 0x148
    uint64_t cr3;                // 0x150
    uint64_t cr0;                // 0x158
    uint64_t dr7;                // 0x160
    uint64_t dr6;                // 0x168
    uint64_t rflags;             // 0x170
    uint64_t rip;                // 0x178
    uint8_t reserved_180[0x1d8 - 0x180];
    uint64_t rsp;                // 0x1d8
    uint64_t s_cet, ssp, isst_addr;
    uint64_t rax;                // 0x1f8
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base; // 0x200..0x220
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;    // 0x228..0x238
    uint64_t cr2;                // 0x240
    uint8_t reserved_248[0x268 - 0x248];
    uint64_t g_pat;              // 0x268
    uint64_t dbgctl;             // 0x270
    uint64_t br_from, br_to, last_excp_from, last_excp_to; // 0x278..0x290
    uint8_t reserved_298[0xc00 - 0x298];
};
static_assert(sizeof(VmcbState) == 0xc00);
static_assert(offsetof(VmcbState, cpl) == 0x0cb);
static_assert(offsetof(VmcbState, efer) == 0x0d0);
static_assert(offsetof(VmcbState, cr4) == 0x148);
static_assert(offsetof(VmcbState, rip) == 0x178);
static_assert(offsetof(VmcbState, rsp) == 0x1d8);
static_assert(offsetof(VmcbState, rax) == 0x1f8);
static_assert(offsetof(VmcbState, cr2) == 0x240);
static_assert(offsetof(VmcbState, g_pat) == 0x268);

struct alignas(4096) Vmcb {
    VmcbControl control;
    VmcbState state;
};
static_assert(sizeof(Vmcb) == 4096);

// Intercept vector at 0x00c.
namespace misc1 {
constexpr uint32_t intr = 1u << 0, nmi = 1u << 1, smi = 1u << 2, init = 1u << 3, vintr = 1u << 4;
constexpr uint32_t rdpmc = 1u << 15, cpuid = 1u << 18, rsm = 1u << 19, invd = 1u << 22;
constexpr uint32_t pause = 1u << 23, hlt = 1u << 24, invlpga = 1u << 26, ioio = 1u << 27;
constexpr uint32_t msr = 1u << 28, task_switch = 1u << 29, ferr_freeze = 1u << 30, shutdown = 1u << 31;
} // namespace misc1

// Intercept vector at 0x010.
namespace misc2 {
constexpr uint32_t vmrun = 1u << 0, vmmcall = 1u << 1, vmload = 1u << 2, vmsave = 1u << 3;
constexpr uint32_t stgi = 1u << 4, clgi = 1u << 5, skinit = 1u << 6, rdtscp = 1u << 7;
constexpr uint32_t icebp = 1u << 8, wbinvd = 1u << 9, monitor = 1u << 10, mwait = 1u << 11;
constexpr uint32_t mwait_armed = 1u << 12, xsetbv = 1u << 13;
} // namespace misc2

// Exit codes (APM vol. 2, appendix C).
namespace exit_code {
constexpr uint64_t cr0_read = 0x000, cr0_write = 0x010, exception_base = 0x040;
constexpr uint64_t intr = 0x060, nmi = 0x061, smi = 0x062, init = 0x063, vintr = 0x064;
constexpr uint64_t cr0_selective = 0x065, rdtsc = 0x06e, rdpmc = 0x06f, pushf = 0x070;
constexpr uint64_t popf = 0x071, cpuid = 0x072, rsm = 0x073, iret = 0x074, swint = 0x075;
constexpr uint64_t invd = 0x076, pause = 0x077, hlt = 0x078, invlpg = 0x079, invlpga = 0x07a;
constexpr uint64_t ioio = 0x07b, msr = 0x07c, task_switch = 0x07d, ferr_freeze = 0x07e;
constexpr uint64_t shutdown = 0x07f, vmrun = 0x080, vmmcall = 0x081, vmload = 0x082;
constexpr uint64_t vmsave = 0x083, stgi = 0x084, clgi = 0x085, skinit = 0x086, rdtscp = 0x087;
constexpr uint64_t icebp = 0x088, wbinvd = 0x089, monitor = 0x08a, mwait = 0x08b;
constexpr uint64_t mwait_armed = 0x08c, xsetbv = 0x08d, rdpru = 0x08e, efer_write_trap = 0x08f;
constexpr uint64_t npf = 0x400;
// QEMU stores VMEXIT_INVALID as 0x00000000ffffffff, hardware as -1: compare the low 32 bits.
constexpr uint32_t invalid_low32 = 0xffffffffu;
} // namespace exit_code

// TLB_CONTROL values.
namespace tlb_control {
constexpr uint8_t nothing = 0, flush_all = 1, flush_asid = 3, flush_asid_non_global = 7;
}

// EVENTINJ / EXITINTINFO layout: vector 7:0, type 10:8, error-code valid 11, valid 31,
// error code 63:32.
namespace event {
constexpr uint64_t type_interrupt = 0, type_nmi = 2, type_exception = 3, type_software = 4;
constexpr uint64_t error_valid = 1ull << 11, valid = 1ull << 31;
} // namespace event

constexpr uint64_t efer_svme = 1ull << 12;
constexpr uint32_t msr_vm_cr = 0xc0010114, msr_vm_hsave_pa = 0xc0010117;

} // namespace sp::svm
