// A VMCS as plain values: what vmcs_setup fills, what the back-end writes field by field with
// VMWRITE, and what it reads back with VMREAD after a failed VM entry so that our own run of the
// SDM's entry checks (vm_entry_checks.hpp) can name the broken field. Every member is a 64-bit
// value whatever the field's width; the field table maps members to encodings.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace sp::vmx {

struct VmcsSegment {
    uint64_t selector = 0, base = 0, limit = 0, access = 0;
};

struct VmcsImage {
    // VM-execution, exit and entry controls.
    uint64_t pin_controls = 0, primary_controls = 0, secondary_controls = 0;
    uint64_t exit_controls = 0, entry_controls = 0;
    uint64_t exception_bitmap = 0, page_fault_error_mask = 0, page_fault_error_match = 0;
    uint64_t io_bitmap_a = 0, io_bitmap_b = 0, msr_bitmap = 0, tsc_offset = 0;
    uint64_t cr0_guest_host_mask = 0, cr4_guest_host_mask = 0, cr0_read_shadow = 0, cr4_read_shadow = 0;
    uint64_t cr3_target_count = 0;
    uint64_t exit_msr_store_count = 0, exit_msr_load_count = 0, entry_msr_load_count = 0;
    uint64_t entry_interruption_info = 0, entry_exception_error_code = 0, entry_instruction_length = 0;
    uint64_t ept_pointer = 0, vpid = 0;
    uint64_t preemption_timer_value = 0;

    // Host state, loaded by every VM exit.
    uint64_t host_cr0 = 0, host_cr3 = 0, host_cr4 = 0;
    uint64_t host_es = 0, host_cs = 0, host_ss = 0, host_ds = 0, host_fs = 0, host_gs = 0, host_tr = 0;
    uint64_t host_fs_base = 0, host_gs_base = 0, host_tr_base = 0, host_gdtr_base = 0, host_idtr_base = 0;
    uint64_t host_sysenter_cs = 0, host_sysenter_esp = 0, host_sysenter_eip = 0;
    uint64_t host_pat = 0, host_efer = 0;
    uint64_t host_rsp = 0, host_rip = 0;

    // Guest state.
    VmcsSegment es, cs, ss, ds, fs, gs, ldtr, tr;
    uint64_t gdtr_base = 0, gdtr_limit = 0, idtr_base = 0, idtr_limit = 0;
    uint64_t cr0 = 0, cr3 = 0, cr4 = 0, dr7 = 0;
    uint64_t rsp = 0, rip = 0, rflags = 0;
    uint64_t debugctl = 0, pat = 0, efer = 0;
    uint64_t sysenter_cs = 0, sysenter_esp = 0, sysenter_eip = 0;
    uint64_t interruptibility = 0, activity_state = 0, pending_debug_exceptions = 0;
    uint64_t vmcs_link_pointer = 0;
};

// When a field exists: always, or only with a feature the CPU may lack (VMWRITE/VMREAD of a
// field the CPU does not support fails with VM-instruction error 12).
enum class FieldNeed : uint8_t { always, vpid };

struct VmcsField {
    uint32_t encoding;
    uint16_t offset; // of the uint64_t member in VmcsImage
    FieldNeed need;
    const char* name; // the SDM's name, used in diagnostics ("guest CS access rights")
};

// Every field of VmcsImage, controls first, then host state, then guest state.
const VmcsField* vmcs_field_table(size_t& count);

inline uint64_t& field_value(VmcsImage& image, const VmcsField& f)
{
    return *reinterpret_cast<uint64_t*>(reinterpret_cast<unsigned char*>(&image) + f.offset);
}
inline uint64_t field_value(const VmcsImage& image, const VmcsField& f)
{
    return *reinterpret_cast<const uint64_t*>(reinterpret_cast<const unsigned char*>(&image) + f.offset);
}

// The field of `encoding`, or nullptr.
const VmcsField* find_vmcs_field(uint32_t encoding);

} // namespace sp::vmx
