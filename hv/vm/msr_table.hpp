// The MSRs a guest may touch, as data: one row per MSR saying how a read and a write are
// served. Anything not in the table, and any write a row refuses, gets #GP(0), as hardware does
// for an MSR that does not exist.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/vm/guest_state.hpp"

namespace sp::vm {

enum class MsrRead : uint8_t {
    field,     // the GuestState field
    constant,  // MsrRule::constant
    tsc,       // the guest's TSC (VmServices::guest_ticks)
    apic_base, // xAPIC at 0xfee00000, enabled, BSP flag on vCPU 0
};

enum class MsrWrite : uint8_t {
    refuse,           // #GP(0)
    field,            // any value
    canonical_field,  // #GP(0) unless a canonical address
    low32_field,      // #GP(0) if bits 63:32 are set
    pat,              // #GP(0) unless every byte is a valid memory type
    efer,             // #GP(0) for reserved bits, SVME, LME change while paging
};

struct MsrRule {
    uint32_t index;
    const char* name;
    MsrRead read;
    MsrWrite write;
    uint64_t GuestState::*field; // for field reads and writes
    uint32_t dirty_bit;          // GuestState::dirty bit a write sets
    uint64_t constant;           // for constant reads
};

namespace msr {
inline constexpr uint32_t tsc = 0x10, apic_base = 0x1b, feature_control = 0x3a, mtrr_cap = 0xfe;
inline constexpr uint32_t sysenter_cs = 0x174, sysenter_esp = 0x175, sysenter_eip = 0x176;
inline constexpr uint32_t misc_enable = 0x1a0, pat = 0x277, mtrr_def_type = 0x2ff;
inline constexpr uint32_t efer = 0xc0000080, star = 0xc0000081, lstar = 0xc0000082;
inline constexpr uint32_t cstar = 0xc0000083, sfmask = 0xc0000084, fs_base = 0xc0000100;
inline constexpr uint32_t gs_base = 0xc0000101, kernel_gs_base = 0xc0000102, tsc_aux = 0xc0000103;
inline constexpr uint32_t vm_cr = 0xc0010114, vm_hsave_pa = 0xc0010117;
} // namespace msr

// The table, for the tests and `help`-style listings.
const MsrRule* msr_rules(size_t& count);
const MsrRule* find_msr_rule(uint32_t index);

struct MsrContext {
    uint64_t guest_tsc;
    uint32_t vcpu_index;
};

// false: inject #GP(0). A successful write updates `guest` and its dirty bits.
bool read_msr(const GuestState& guest, const MsrContext& context, uint32_t index, uint64_t& value);
bool write_msr(GuestState& guest, uint32_t index, uint64_t value);

bool is_canonical(uint64_t address);
bool valid_pat(uint64_t value);

} // namespace sp::vm
