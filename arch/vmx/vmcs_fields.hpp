// VMCS field encodings (Intel SDM vol. 3D, appendix B). An encoding is 32 bits: bit 0 access
// type (1 = high half of a 64-bit field), 9:1 index, 11:10 type (control, read-only exit data,
// guest state, host state), 14:13 width (16-bit, 64-bit, 32-bit, natural). The static_asserts
// below spot-check each group; the VMCS image's field table test checks every field it uses.
#pragma once
#include <stdint.h>

namespace sp::vmx {

enum class FieldWidth : uint8_t { bits16 = 0, bits64 = 1, bits32 = 2, natural = 3 };
enum class FieldType : uint8_t { control = 0, exit_info = 1, guest = 2, host = 3 };

constexpr FieldWidth field_width(uint32_t encoding) { return static_cast<FieldWidth>((encoding >> 13) & 3); }
constexpr FieldType field_type(uint32_t encoding) { return static_cast<FieldType>((encoding >> 10) & 3); }

namespace field {
// 16-bit control, guest and host fields.
constexpr uint32_t vpid = 0x0000;
constexpr uint32_t guest_es_selector = 0x0800, guest_cs_selector = 0x0802, guest_ss_selector = 0x0804;
constexpr uint32_t guest_ds_selector = 0x0806, guest_fs_selector = 0x0808, guest_gs_selector = 0x080a;
constexpr uint32_t guest_ldtr_selector = 0x080c, guest_tr_selector = 0x080e;
constexpr uint32_t host_es_selector = 0x0c00, host_cs_selector = 0x0c02, host_ss_selector = 0x0c04;
constexpr uint32_t host_ds_selector = 0x0c06, host_fs_selector = 0x0c08, host_gs_selector = 0x0c0a;
constexpr uint32_t host_tr_selector = 0x0c0c;

// 64-bit control fields.
constexpr uint32_t io_bitmap_a = 0x2000, io_bitmap_b = 0x2002, msr_bitmap = 0x2004;
constexpr uint32_t exit_msr_store_address = 0x2006, exit_msr_load_address = 0x2008;
constexpr uint32_t entry_msr_load_address = 0x200a, tsc_offset = 0x2010, ept_pointer = 0x201a;
// 64-bit read-only exit data.
constexpr uint32_t guest_physical_address = 0x2400;
// 64-bit guest and host fields.
constexpr uint32_t vmcs_link_pointer = 0x2800, guest_debugctl = 0x2802, guest_pat = 0x2804;
constexpr uint32_t guest_efer = 0x2806;
constexpr uint32_t host_pat = 0x2c00, host_efer = 0x2c02;

// 32-bit control fields.
constexpr uint32_t pin_controls = 0x4000, primary_controls = 0x4002, exception_bitmap = 0x4004;
constexpr uint32_t page_fault_error_mask = 0x4006, page_fault_error_match = 0x4008;
constexpr uint32_t cr3_target_count = 0x400a, exit_controls = 0x400c, exit_msr_store_count = 0x400e;
constexpr uint32_t exit_msr_load_count = 0x4010, entry_controls = 0x4012, entry_msr_load_count = 0x4014;
constexpr uint32_t entry_interruption_info = 0x4016, entry_exception_error_code = 0x4018;
constexpr uint32_t entry_instruction_length = 0x401a, secondary_controls = 0x401e;
// 32-bit read-only exit data.
constexpr uint32_t instruction_error = 0x4400, exit_reason = 0x4402, exit_interruption_info = 0x4404;
constexpr uint32_t exit_interruption_error = 0x4406, idt_vectoring_info = 0x4408;
constexpr uint32_t idt_vectoring_error = 0x440a, exit_instruction_length = 0x440c;
constexpr uint32_t exit_instruction_info = 0x440e;
// 32-bit guest and host fields.
constexpr uint32_t guest_es_limit = 0x4800, guest_cs_limit = 0x4802, guest_ss_limit = 0x4804;
constexpr uint32_t guest_ds_limit = 0x4806, guest_fs_limit = 0x4808, guest_gs_limit = 0x480a;
constexpr uint32_t guest_ldtr_limit = 0x480c, guest_tr_limit = 0x480e, guest_gdtr_limit = 0x4810;
constexpr uint32_t guest_idtr_limit = 0x4812;
constexpr uint32_t guest_es_access = 0x4814, guest_cs_access = 0x4816, guest_ss_access = 0x4818;
constexpr uint32_t guest_ds_access = 0x481a, guest_fs_access = 0x481c, guest_gs_access = 0x481e;
constexpr uint32_t guest_ldtr_access = 0x4820, guest_tr_access = 0x4822;
constexpr uint32_t guest_interruptibility = 0x4824, guest_activity_state = 0x4826;
constexpr uint32_t guest_sysenter_cs = 0x482a, preemption_timer_value = 0x482e;
constexpr uint32_t host_sysenter_cs = 0x4c00;

// Natural-width control fields.
constexpr uint32_t cr0_guest_host_mask = 0x6000, cr4_guest_host_mask = 0x6002;
constexpr uint32_t cr0_read_shadow = 0x6004, cr4_read_shadow = 0x6006;
// Natural-width read-only exit data.
constexpr uint32_t exit_qualification = 0x6400, guest_linear_address = 0x640a;
// Natural-width guest fields.
constexpr uint32_t guest_cr0 = 0x6800, guest_cr3 = 0x6802, guest_cr4 = 0x6804;
constexpr uint32_t guest_es_base = 0x6806, guest_cs_base = 0x6808, guest_ss_base = 0x680a;
constexpr uint32_t guest_ds_base = 0x680c, guest_fs_base = 0x680e, guest_gs_base = 0x6810;
constexpr uint32_t guest_ldtr_base = 0x6812, guest_tr_base = 0x6814, guest_gdtr_base = 0x6816;
constexpr uint32_t guest_idtr_base = 0x6818, guest_dr7 = 0x681a, guest_rsp = 0x681c, guest_rip = 0x681e;
constexpr uint32_t guest_rflags = 0x6820, guest_pending_debug = 0x6822, guest_sysenter_esp = 0x6824;
constexpr uint32_t guest_sysenter_eip = 0x6826;
// Natural-width host fields.
constexpr uint32_t host_cr0 = 0x6c00, host_cr3 = 0x6c02, host_cr4 = 0x6c04, host_fs_base = 0x6c06;
constexpr uint32_t host_gs_base = 0x6c08, host_tr_base = 0x6c0a, host_gdtr_base = 0x6c0c;
constexpr uint32_t host_idtr_base = 0x6c0e, host_sysenter_esp = 0x6c10, host_sysenter_eip = 0x6c12;
constexpr uint32_t host_rsp = 0x6c14, host_rip = 0x6c16;
} // namespace field

namespace detail {
constexpr bool in_group(uint32_t e, FieldWidth w, FieldType t) { return field_width(e) == w && field_type(e) == t; }
} // namespace detail
static_assert(detail::in_group(field::vpid, FieldWidth::bits16, FieldType::control));
static_assert(detail::in_group(field::guest_tr_selector, FieldWidth::bits16, FieldType::guest));
static_assert(detail::in_group(field::host_tr_selector, FieldWidth::bits16, FieldType::host));
static_assert(detail::in_group(field::ept_pointer, FieldWidth::bits64, FieldType::control));
static_assert(detail::in_group(field::guest_physical_address, FieldWidth::bits64, FieldType::exit_info));
static_assert(detail::in_group(field::guest_efer, FieldWidth::bits64, FieldType::guest));
static_assert(detail::in_group(field::host_efer, FieldWidth::bits64, FieldType::host));
static_assert(detail::in_group(field::secondary_controls, FieldWidth::bits32, FieldType::control));
static_assert(detail::in_group(field::exit_instruction_info, FieldWidth::bits32, FieldType::exit_info));
static_assert(detail::in_group(field::preemption_timer_value, FieldWidth::bits32, FieldType::guest));
static_assert(detail::in_group(field::host_sysenter_cs, FieldWidth::bits32, FieldType::host));
static_assert(detail::in_group(field::cr4_read_shadow, FieldWidth::natural, FieldType::control));
static_assert(detail::in_group(field::guest_linear_address, FieldWidth::natural, FieldType::exit_info));
static_assert(detail::in_group(field::guest_sysenter_eip, FieldWidth::natural, FieldType::guest));
static_assert(detail::in_group(field::host_rip, FieldWidth::natural, FieldType::host));

} // namespace sp::vmx
