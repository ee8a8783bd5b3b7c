#include "hv/image/vmx_guest.hpp"

#include "arch/vmx/eptp.hpp"
#include "arch/vmx/vm_entry_checks.hpp"
#include "arch/vmx/vmx_cpu.hpp"
#include "arch/vmx/vmx_exit_reasons.hpp"
#include "arch/x86/lapic_timer.hpp"
#include "hv/lib/format.hpp"

namespace sp {
namespace {

const char* area_name(vmx::CheckArea area)
{
    switch (area) {
    case vmx::CheckArea::controls: return "control";
    case vmx::CheckArea::host_state: return "host-state";
    case vmx::CheckArea::guest_state: return "guest-state";
    }
    return "";
}

} // namespace

VmxBackend::VmxBackend(Context& context)
    : context_(context), tlb_(instructions_, vmx::per_cpu(context.cpu).invalidation)
{
}

const char* VmxBackend::build_vcpu(mm::FrameAllocator& frames, mm::Owner owner, uint64_t nested_root,
                                   const TestGuestEntry& entry)
{
    const vmx::PerCpu& pc = vmx::per_cpu(context_.cpu);
    vmx::EptpResult eptp = vmx::make_eptp(nested_root, pc.caps);
    if (eptp.error) return eptp.error;
    tlb_.attach(eptp.eptp);
    if (vpid_ != 0) tlb_.retire_vpid(vpid_); // a restart: nothing of the old run may survive
    else if (pc.controls.secondary & vmx::secondary::vpid) vpid_ = context_.vpids.allocate();
    vcpu_.release(frames);
    return vcpu_.init(frames, owner, context_.cpu, vpid_, eptp.eptp, entry.rip, entry.rsp, entry.cr3);
}

void VmxBackend::release_vcpu(mm::FrameAllocator& frames)
{
    vcpu_.release(frames);
    if (vpid_ != 0) {
        tlb_.retire_vpid(vpid_);
        context_.vpids.release(vpid_);
        vpid_ = 0;
    }
}

void VmxBackend::enter(const vm::EventInjection& event)
{
    const x86::LapicTimerInfo& timer = x86::lapic_timer_info();
    vcpu_.run(context_.cpu, event, timer.tsc_per_ms * timer.period_ms);
}

vm::Exit VmxBackend::take_exit(vm::GuestState& out)
{
    vmx::load_guest_state(vcpu_.snapshot(), vcpu_.gprs(), vcpu_.msrs(), out);
    return vmx::decode_exit(vcpu_.snapshot(), vcpu_.gprs());
}

// A failed entry names the first rule our own run of the SDM's entry checks finds broken in
// the VMCS as the CPU holds it; other invalid states (EPT misconfiguration, unexpected exits)
// keep the decoder's text.
const char* VmxBackend::explain_invalid_state(const vm::Exit& exit)
{
    const vmx::ExitSnapshot& s = vcpu_.snapshot();
    bool entry_failed = s.outcome != vmx::EntryOutcome::exited || (s.exit_reason & vmx::exit_reason_entry_failed);
    if (!entry_failed || s.outcome == vmx::EntryOutcome::fail_invalid) return exit.invalid.text;
    vmx::VmcsImage image;
    vcpu_.read_back(image);
    vmx::EntryCheck check = vmx::check_vm_entry(image, vmx::per_cpu(context_.cpu).caps);
    if (check.passed())
        format_to(invalid_text_, sizeof invalid_text_, "%s; our entry checks find nothing wrong", exit.invalid.text);
    else
        format_to(invalid_text_, sizeof invalid_text_, "%s; our %s checks: %s: %s (0x%llx)", exit.invalid.text,
                  area_name(check.area), check.field, check.rule, (unsigned long long)check.value);
    return invalid_text_;
}

void VmxBackend::store(const vm::GuestState& state)
{
    vmx::store_guest_state(state, vcpu_.snapshot(), vcpu_.gprs(), vcpu_.msrs(),
                           [this](uint32_t field, uint64_t value) { vcpu_.write(field, value); });
    constexpr uint32_t lazy = vm::dirty::syscall_msrs | vm::dirty::segment_bases | vm::dirty::tsc_aux;
    if (state.dirty & lazy) vcpu_.lazy_msrs_changed();
}

vm::EventInjection VmxBackend::interrupted_event() const { return vmx::interrupted_event(vcpu_.snapshot()); }

bool VmxBackend::slice_over() const
{
    const vmx::ExitSnapshot& s = vcpu_.snapshot();
    return s.outcome == vmx::EntryOutcome::exited && vmx::basic_reason(s.exit_reason) == vmx::reason::preemption_timer;
}

template class GuestRunner<VmxBackend>;

} // namespace sp
