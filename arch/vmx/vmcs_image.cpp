#include "arch/vmx/vmcs_image.hpp"

#include "arch/vmx/vmcs_fields.hpp"

namespace sp::vmx {
namespace {

#define SP_FIELD(encoding, member, need, name) {field::encoding, offsetof(VmcsImage, member), FieldNeed::need, name}

const VmcsField table[] = {
    SP_FIELD(pin_controls, pin_controls, always, "pin-based VM-execution controls"),
    SP_FIELD(primary_controls, primary_controls, always, "primary processor-based VM-execution controls"),
    SP_FIELD(secondary_controls, secondary_controls, always, "secondary processor-based VM-execution controls"),
    SP_FIELD(exit_controls, exit_controls, always, "VM-exit controls"),
    SP_FIELD(entry_controls, entry_controls, always, "VM-entry controls"),
    SP_FIELD(exception_bitmap, exception_bitmap, always, "exception bitmap"),
    SP_FIELD(page_fault_error_mask, page_fault_error_mask, always, "page-fault error-code mask"),
    SP_FIELD(page_fault_error_match, page_fault_error_match, always, "page-fault error-code match"),
    SP_FIELD(io_bitmap_a, io_bitmap_a, always, "I/O bitmap A address"),
    SP_FIELD(io_bitmap_b, io_bitmap_b, always, "I/O bitmap B address"),
    SP_FIELD(msr_bitmap, msr_bitmap, always, "MSR bitmap address"),
    SP_FIELD(tsc_offset, tsc_offset, always, "TSC offset"),
    SP_FIELD(cr0_guest_host_mask, cr0_guest_host_mask, always, "CR0 guest/host mask"),
    SP_FIELD(cr4_guest_host_mask, cr4_guest_host_mask, always, "CR4 guest/host mask"),
    SP_FIELD(cr0_read_shadow, cr0_read_shadow, always, "CR0 read shadow"),
    SP_FIELD(cr4_read_shadow, cr4_read_shadow, always, "CR4 read shadow"),
    SP_FIELD(cr3_target_count, cr3_target_count, always, "CR3-target count"),
    SP_FIELD(exit_msr_store_count, exit_msr_store_count, always, "VM-exit MSR-store count"),
    SP_FIELD(exit_msr_load_count, exit_msr_load_count, always, "VM-exit MSR-load count"),
    SP_FIELD(entry_msr_load_count, entry_msr_load_count, always, "VM-entry MSR-load count"),
    SP_FIELD(entry_interruption_info, entry_interruption_info, always, "VM-entry interruption-information field"),
    SP_FIELD(entry_exception_error_code, entry_exception_error_code, always, "VM-entry exception error code"),
    SP_FIELD(entry_instruction_length, entry_instruction_length, always, "VM-entry instruction length"),
    SP_FIELD(ept_pointer, ept_pointer, always, "EPT pointer"),
    SP_FIELD(vpid, vpid, vpid, "VPID"),
    SP_FIELD(preemption_timer_value, preemption_timer_value, always, "VMX-preemption timer value"),
    SP_FIELD(host_cr0, host_cr0, always, "host CR0"),
    SP_FIELD(host_cr3, host_cr3, always, "host CR3"),
    SP_FIELD(host_cr4, host_cr4, always, "host CR4"),
    SP_FIELD(host_es_selector, host_es, always, "host ES selector"),
    SP_FIELD(host_cs_selector, host_cs, always, "host CS selector"),
    SP_FIELD(host_ss_selector, host_ss, always, "host SS selector"),
    SP_FIELD(host_ds_selector, host_ds, always, "host DS selector"),
    SP_FIELD(host_fs_selector, host_fs, always, "host FS selector"),
    SP_FIELD(host_gs_selector, host_gs, always, "host GS selector"),
    SP_FIELD(host_tr_selector, host_tr, always, "host TR selector"),
    SP_FIELD(host_fs_base, host_fs_base, always, "host FS base"),
    SP_FIELD(host_gs_base, host_gs_base, always, "host GS base"),
    SP_FIELD(host_tr_base, host_tr_base, always, "host TR base"),
    SP_FIELD(host_gdtr_base, host_gdtr_base, always, "host GDTR base"),
    SP_FIELD(host_idtr_base, host_idtr_base, always, "host IDTR base"),
    SP_FIELD(host_sysenter_cs, host_sysenter_cs, always, "host IA32_SYSENTER_CS"),
    SP_FIELD(host_sysenter_esp, host_sysenter_esp, always, "host IA32_SYSENTER_ESP"),
    SP_FIELD(host_sysenter_eip, host_sysenter_eip, always, "host IA32_SYSENTER_EIP"),
    SP_FIELD(host_pat, host_pat, always, "host IA32_PAT"),
    SP_FIELD(host_efer, host_efer, always, "host IA32_EFER"),
    SP_FIELD(host_rsp, host_rsp, always, "host RSP"),
    SP_FIELD(host_rip, host_rip, always, "host RIP"),
    SP_FIELD(guest_es_selector, es.selector, always, "guest ES selector"),
    SP_FIELD(guest_es_base, es.base, always, "guest ES base"),
    SP_FIELD(guest_es_limit, es.limit, always, "guest ES limit"),
    SP_FIELD(guest_es_access, es.access, always, "guest ES access rights"),
    SP_FIELD(guest_cs_selector, cs.selector, always, "guest CS selector"),
    SP_FIELD(guest_cs_base, cs.base, always, "guest CS base"),
    SP_FIELD(guest_cs_limit, cs.limit, always, "guest CS limit"),
    SP_FIELD(guest_cs_access, cs.access, always, "guest CS access rights"),
    SP_FIELD(guest_ss_selector, ss.selector, always, "guest SS selector"),
    SP_FIELD(guest_ss_base, ss.base, always, "guest SS base"),
    SP_FIELD(guest_ss_limit, ss.limit, always, "guest SS limit"),
    SP_FIELD(guest_ss_access, ss.access, always, "guest SS access rights"),
    SP_FIELD(guest_ds_selector, ds.selector, always, "guest DS selector"),
    SP_FIELD(guest_ds_base, ds.base, always, "guest DS base"),
    SP_FIELD(guest_ds_limit, ds.limit, always, "guest DS limit"),
    SP_FIELD(guest_ds_access, ds.access, always, "guest DS access rights"),
    SP_FIELD(guest_fs_selector, fs.selector, always, "guest FS selector"),
    SP_FIELD(guest_fs_base, fs.base, always, "guest FS base"),
    SP_FIELD(guest_fs_limit, fs.limit, always, "guest FS limit"),
    SP_FIELD(guest_fs_access, fs.access, always, "guest FS access rights"),
    SP_FIELD(guest_gs_selector, gs.selector, always, "guest GS selector"),
    SP_FIELD(guest_gs_base, gs.base, always, "guest GS base"),
    SP_FIELD(guest_gs_limit, gs.limit, always, "guest GS limit"),
    SP_FIELD(guest_gs_access, gs.access, always, "guest GS access rights"),
    SP_FIELD(guest_ldtr_selector, ldtr.selector, always, "guest LDTR selector"),
    SP_FIELD(guest_ldtr_base, ldtr.base, always, "guest LDTR base"),
    SP_FIELD(guest_ldtr_limit, ldtr.limit, always, "guest LDTR limit"),
    SP_FIELD(guest_ldtr_access, ldtr.access, always, "guest LDTR access rights"),
    SP_FIELD(guest_tr_selector, tr.selector, always, "guest TR selector"),
    SP_FIELD(guest_tr_base, tr.base, always, "guest TR base"),
    SP_FIELD(guest_tr_limit, tr.limit, always, "guest TR limit"),
    SP_FIELD(guest_tr_access, tr.access, always, "guest TR access rights"),
    SP_FIELD(guest_gdtr_base, gdtr_base, always, "guest GDTR base"),
    SP_FIELD(guest_gdtr_limit, gdtr_limit, always, "guest GDTR limit"),
    SP_FIELD(guest_idtr_base, idtr_base, always, "guest IDTR base"),
    SP_FIELD(guest_idtr_limit, idtr_limit, always, "guest IDTR limit"),
    SP_FIELD(guest_cr0, cr0, always, "guest CR0"),
    SP_FIELD(guest_cr3, cr3, always, "guest CR3"),
    SP_FIELD(guest_cr4, cr4, always, "guest CR4"),
    SP_FIELD(guest_dr7, dr7, always, "guest DR7"),
    SP_FIELD(guest_rsp, rsp, always, "guest RSP"),
    SP_FIELD(guest_rip, rip, always, "guest RIP"),
    SP_FIELD(guest_rflags, rflags, always, "guest RFLAGS"),
    SP_FIELD(guest_debugctl, debugctl, always, "guest IA32_DEBUGCTL"),
    SP_FIELD(guest_pat, pat, always, "guest IA32_PAT"),
    SP_FIELD(guest_efer, efer, always, "guest IA32_EFER"),
    SP_FIELD(guest_sysenter_cs, sysenter_cs, always, "guest IA32_SYSENTER_CS"),
    SP_FIELD(guest_sysenter_esp, sysenter_esp, always, "guest IA32_SYSENTER_ESP"),
    SP_FIELD(guest_sysenter_eip, sysenter_eip, always, "guest IA32_SYSENTER_EIP"),
    SP_FIELD(guest_interruptibility, interruptibility, always, "guest interruptibility state"),
    SP_FIELD(guest_activity_state, activity_state, always, "guest activity state"),
    SP_FIELD(guest_pending_debug, pending_debug_exceptions, always, "guest pending debug exceptions"),
    SP_FIELD(vmcs_link_pointer, vmcs_link_pointer, always, "VMCS link pointer"),
};

#undef SP_FIELD

} // namespace

const VmcsField* vmcs_field_table(size_t& count)
{
    count = sizeof table / sizeof table[0];
    return table;
}

const VmcsField* find_vmcs_field(uint32_t encoding)
{
    for (const auto& f : table)
        if (f.encoding == encoding) return &f;
    return nullptr;
}

} // namespace sp::vmx
