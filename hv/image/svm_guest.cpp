#include "hv/image/svm_guest.hpp"

#include <string.h>

#include "arch/svm/svm_exit_decode.hpp"
#include "arch/svm/vmrun_checks.hpp"
#include "arch/x86/lapic_timer.hpp"
#include "hv/lib/format.hpp"
#include "hv/vm/exit_dispatcher.hpp"

namespace sp {

SvmGuest::SvmGuest(vm::Vm& vm, mm::FrameAllocator& frames)
    : vm_(vm), frames_(frames), memory_(frames, mm::Owner::vm(vm.id()), tlb_,
                                       mm::AddressSpaceTag{mm::AddressSpaceKind::npt, vm.id()})
{
    memory_.table().cpus().add(0); // guests run on the boot CPU
    tlb_.attach(&vcpu_);
}

bool SvmGuest::load(const TestGuestImage& image)
{
    TestGuestEntry entry;
    auto* low = static_cast<uint8_t*>(memory_.host_pointer(0, GuestMemory<mm::NptFormat<4>, svm::NptTlb>::block_bytes));
    if (!low || !load_test_guest(image, arg_, vm_.id(), low, memory_.size(), entry)) return false;
    // The loader writes page tables and code into the first 2 MiB block only.
    vcpu_.release(frames_);
    svm::LongModeEntry le{entry.rip, entry.rsp, entry.cr3};
    // The real ASID is assigned before every entry; 1 satisfies init's check meanwhile.
    return vcpu_.init(frames_, mm::Owner::vm(vm_.id()), 1, memory_.nested_root(), le) == nullptr;
}

const char* SvmGuest::start(const TestGuestImage& image, uint64_t arg)
{
    image_ = &image;
    arg_ = arg;
    if (memory_.init(vm_.config().memory_bytes) != mm::MmError::ok) {
        release();
        return "not enough free memory for the VM's RAM";
    }
    if (!load(image)) {
        release();
        return "the test guest does not fit or its vCPU could not be built";
    }
    return nullptr;
}

bool SvmGuest::read(uint64_t gpa, void* out, size_t length)
{
    auto* dst = static_cast<uint8_t*>(out);
    constexpr uint64_t block = GuestMemory<mm::NptFormat<4>, svm::NptTlb>::block_bytes;
    while (length > 0) {
        uint64_t chunk = block - gpa % block;
        if (chunk > length) chunk = length;
        void* src = memory_.host_pointer(gpa, chunk);
        if (!src) return false;
        memcpy(dst, src, chunk);
        dst += chunk;
        gpa += chunk;
        length -= chunk;
    }
    return true;
}

void SvmGuest::audit(NestedAudit& out) const
{
    if (released_) return;
    audit_nested_table(memory_.table(), frames_, mm::Owner::vm(vm_.id()), memory_.size(), out);
}

const char* SvmGuest::explain_invalid_state()
{
    svm::VmrunCheck check = svm::check_vmrun(vcpu_.vmcb(), svm::SvmHostLimits{});
    if (check.passed())
        format_to(invalid_text_, sizeof invalid_text_, "VMRUN failed; our consistency checks find nothing wrong");
    else
        format_to(invalid_text_, sizeof invalid_text_, "VMRUN failed: %s: %s (0x%llx)", check.field, check.rule,
                  (unsigned long long)check.value);
    return invalid_text_;
}

bool SvmGuest::run_until(uint64_t deadline_tick, svm::AsidAllocator& asids, bool has_nrips)
{
    vm::Vcpu& vcpu = vm_.vcpu(0);
    while (vm_.state() == vm::VmState::running && !vcpu.halted) {
        auto assignment = asids.assign(asid_);
        svm::Vmcb& vmcb = vcpu_.vmcb();
        vmcb.control.guest_asid = assignment.asid;
        if (assignment.flush_all) vcpu_.request_tlb_flush();
        vmcb.control.event_inject = svm::encode_event(vcpu.pending_event);
        vcpu.pending_event.pending = false;

        svm::RawExit raw = vcpu_.run(0);

        vm::GuestState guest{};
        svm::load_guest_state(vmcb, vcpu_.gprs(), guest);
        vm::Exit exit = svm::decode_exit(raw, vmcb.state, vcpu_.gprs(), has_nrips);
        if (exit.kind == vm::ExitKind::invalid_state) exit.invalid.text = explain_invalid_state();
        vm::ExitAction action = vm::handle_exit(vcpu, guest, exit);
        svm::store_guest_state(guest, vmcb, vcpu_.gprs());

        switch (action.kind) {
        case vm::ActionKind::resume:
        case vm::ActionKind::inject: break;
        case vm::ActionKind::halt:
        case vm::ActionKind::pause: return true;
        case vm::ActionKind::memory_fault:
            // All RAM is mapped up front and nothing is shared yet, so a fault inside RAM
            // means the nested table is broken: stop this VM, not the hypervisor.
            vm_.diagnose("nested page fault inside RAM at 0x%llx (%s) with nothing to resolve it",
                         (unsigned long long)action.gpa, vm::access_name(action.access));
            vm_.set_state(vm::VmState::stopped);
            release();
            return false;
        case vm::ActionKind::restart:
            if (!image_ || !load(*image_)) {
                vm_.diagnose("restart failed: the test guest could not be reloaded");
                vm_.set_state(vm::VmState::stopped);
                release();
                return false;
            }
            vm_.prepare_restart(); // vCPU events and devices start over as after power-on
            break;
        case vm::ActionKind::stop:
            release();
            return false;
        }
        if (x86::timer_ticks() >= deadline_tick) return true; // the time slice is over
    }
    if (vm_.state() == vm::VmState::stopped || vm_.state() == vm::VmState::exited) {
        release();
        return false;
    }
    return true;
}

void SvmGuest::release()
{
    if (released_) return;
    vcpu_.release(frames_);
    memory_.release();
    released_ = true;
}

} // namespace sp
