#include "hv/image/svm_guest.hpp"

#include "arch/svm/entry_flush.hpp"
#include "arch/svm/svm_exit_decode.hpp"
#include "arch/svm/vmrun_checks.hpp"
#include "hv/lib/format.hpp"

namespace sp {

const char* SvmBackend::build_vcpu(mm::FrameAllocator& frames, mm::Owner owner, uint64_t nested_root,
                                   const TestGuestEntry& entry)
{
    vcpu_.release(frames);
    svm::LongModeEntry le{entry.rip, entry.rsp, entry.cr3};
    // The real ASID is assigned before every entry; 1 satisfies init's check meanwhile.
    return vcpu_.init(frames, owner, 1, nested_root, le);
}

void SvmBackend::enter(const vm::EventInjection& event)
{
    svm::EntryFlush flush =
        svm::plan_entry_flush(context_.asids, asid_, vcpu_.take_flush_request(), context_.flush_by_asid);
    svm::Vmcb& vmcb = vcpu_.vmcb();
    vmcb.control.guest_asid = flush.asid;
    vmcb.control.event_inject = svm::encode_event(event);
    raw_ = vcpu_.run(0, flush.tlb_control);
}

vm::Exit SvmBackend::take_exit(vm::GuestState& out)
{
    svm::load_guest_state(vcpu_.vmcb(), vcpu_.gprs(), out);
    return svm::decode_exit(raw_, vcpu_.vmcb().state, vcpu_.gprs(), context_.has_nrips);
}

const char* SvmBackend::explain_invalid_state(const vm::Exit& exit)
{
    if (exit.invalid.raw[0] != raw_.code || (raw_.code & 0xffffffffull) != svm::exit_code::invalid_low32)
        return exit.invalid.text; // not a failed VMRUN: the decoder's text says what it is
    svm::VmrunCheck check = svm::check_vmrun(vcpu_.vmcb(), svm::SvmHostLimits{});
    if (check.passed())
        format_to(invalid_text_, sizeof invalid_text_, "VMRUN failed; our consistency checks find nothing wrong");
    else
        format_to(invalid_text_, sizeof invalid_text_, "VMRUN failed: %s: %s (0x%llx)", check.field, check.rule,
                  (unsigned long long)check.value);
    return invalid_text_;
}

void SvmBackend::store(const vm::GuestState& state) { svm::store_guest_state(state, vcpu_.vmcb(), vcpu_.gprs()); }

vm::EventInjection SvmBackend::interrupted_event() const { return svm::interrupted_event(raw_.int_info); }

template class GuestRunner<SvmBackend>;

} // namespace sp
