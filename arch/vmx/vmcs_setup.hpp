// Fills a VMCS image for a 64-bit guest: the derived controls, every port and MSR through the
// bitmaps, #DB and #AC intercepted (as on SVM), EPT, the host state every exit returns to, and
// flat long-mode guest segments. Plain C++ (no CPU access) so that tests check it against the
// VM-entry checks.
#pragma once
#include <stdint.h>

#include "arch/vmx/vmcs_image.hpp"
#include "arch/vmx/vmx_capabilities.hpp"
#include "arch/vmx/vmx_controls.hpp"

namespace sp::vmx {

// The hypervisor's own state that each VM exit loads (the back-end reads it from the CPU).
struct HostState {
    uint64_t cr0 = 0, cr3 = 0, cr4 = 0;
    uint16_t cs = 0, ss = 0, ds = 0, es = 0, fs = 0, gs = 0, tr = 0;
    uint64_t fs_base = 0, gs_base = 0, tr_base = 0, gdtr_base = 0, idtr_base = 0;
    uint64_t efer = 0, pat = 0;
    uint64_t rip = 0; // where exits land (vmx_entry.S); the entry routine writes host RSP itself
};

struct VmcsSetup {
    Controls controls;
    uint64_t eptp = 0;
    uint16_t vpid = 0; // 0: VPID not enabled for this vCPU
    uint64_t io_bitmap_a = 0, io_bitmap_b = 0, msr_bitmap = 0;
    uint64_t rip = 0, rsp = 0, cr3 = 0; // where the 64-bit guest starts
    HostState host;
};

void fill_long_mode_vmcs(VmcsImage& vmcs, const VmcsSetup& setup, const VmxCapabilities& caps);

// Guest-state values Samepage uses (also the VM-entry checks' test fixtures).
namespace guest_access {
constexpr uint64_t code64 = 0xa09b;   // type 11 (execute/read, accessed), S, P, L, G
constexpr uint64_t data = 0xc093;     // type 3 (read/write, accessed), S, P, D/B, G
constexpr uint64_t tss_busy = 0x008b; // busy 64-bit TSS, P
constexpr uint64_t unusable = 0x10000;
} // namespace guest_access

constexpr uint64_t cr4_vmxe = 1ull << 13;

} // namespace sp::vmx
