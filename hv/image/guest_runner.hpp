// One VM, whatever the vendor: its RAM behind a nested table (NPT or EPT through the memory
// core's template), its vCPU on a vendor back-end, and the run loop that hands every exit to the
// common dispatcher (hv/vm) and carries out the action it returns. Written once for both
// vendors; a back-end (hv/image/svm_guest.hpp, vmx_guest.hpp) only enters the guest and
// translates: raw exit -> vm::Exit and vm::GuestState, GuestState -> VMCB/VMCS.
//
// A back-end provides:
//   using Format, Tlb, Context;  static constexpr mm::AddressSpaceKind space_kind;
//   Backend(Context&);  Tlb& tlb();
//   const char* build_vcpu(frames, owner, nested_root, const TestGuestEntry&);  // (re)build; nullptr or why not
//   void release_vcpu(frames);
//   void enter(const vm::EventInjection&);          // run the guest once, delivering the event
//   vm::Exit take_exit(vm::GuestState&);            // decode the exit, load the guest state
//   const char* explain_invalid_state(const vm::Exit&); // static or back-end storage
//   void store(const vm::GuestState&);              // write back what the dispatcher changed
//   vm::EventInjection interrupted_event() const;   // an event the exit cut off, to deliver again
//   bool slice_over() const;                        // the exit itself ended the time slice
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86/extended_state.hpp"
#include "arch/x86/lapic_timer.hpp"
#include "hv/guest/guest_memory.hpp"
#include "hv/guest/nested_audit.hpp"
#include "hv/guest/test_guest_image.hpp"
#include "hv/vm/exit_dispatcher.hpp"
#include "hv/vm/vm.hpp"

namespace sp {

// How a VM's RAM is set up (vm start's options).
struct GuestMemoryOptions {
    bool use_1g = false;         // 1 GiB nested pages where alignment and free memory allow
    bool lazy = false;           // back RAM on first touch (overcommit) instead of at start
    bool share = true;           // hand the RAM to the page-sharing engine
    const char* group = nullptr; // its sharing group (nullptr: none)
};

// What the VM host (vm_host.cpp) sees of a VM on either vendor.
class HostedGuest {
public:
    explicit HostedGuest(vm::Vm& vm) : vm_(vm) {}
    virtual ~HostedGuest() = default;
    HostedGuest(const HostedGuest&) = delete;
    HostedGuest& operator=(const HostedGuest&) = delete;

    // Sets up the VM's RAM and loads the test guest with its arguments; nullptr or why not
    // (everything released).
    virtual const char* start(const TestGuestImage& image, const TestGuestArgs& args,
                              const GuestMemoryOptions& memory) = 0;
    virtual uint64_t giant_pages() const = 0;
    // Runs the guest until `deadline_tick` (LAPIC ticks) or until it stops, pauses or halts.
    // Returns false once the VM will not run again (its memory is then released).
    virtual bool run_until(uint64_t deadline_tick) = 0;
    // Gives every frame of the VM back to the allocator.
    virtual void release() = 0;
    // Guest-physical reads for the hypercalls (any length, any alignment).
    virtual bool read(uint64_t gpa, void* out, size_t length) = 0;
    // The sharing engine has this VM's RAM (its stats name it).
    virtual bool sharing() const = 0;
    // The isolation audit of this VM's nested table (adds to `out`).
    virtual void audit(NestedAudit& out) const = 0;

    vm::Vm& vm() { return vm_; }
    bool released() const { return released_; }

protected:
    vm::Vm& vm_;
    bool released_ = false;
};

template <typename Backend>
class GuestRunner final : public HostedGuest {
public:
    using Memory = GuestMemory<typename Backend::Format, typename Backend::Tlb>;

    GuestRunner(vm::Vm& vm, mm::FrameAllocator& frames, typename Backend::Context& context, GuestSharing sharing)
        : HostedGuest(vm), frames_(frames), backend_(context),
          memory_(frames, mm::Owner::vm(vm.id()), backend_.tlb(), mm::AddressSpaceTag{Backend::space_kind, vm.id()},
                  sharing)
    {
        memory_.table().cpus().add(0); // guests run on the boot CPU
    }
    ~GuestRunner() override { release(); }

    const char* start(const TestGuestImage& image, const TestGuestArgs& args, const GuestMemoryOptions& options) override
    {
        image_ = &image;
        args_ = args;
        if (memory_.init(vm_.config().memory_bytes, options.use_1g, options.lazy) != mm::MmError::ok) {
            release();
            return "not enough free memory for the VM's RAM";
        }
        if (const char* problem = load(image)) {
            release();
            return problem;
        }
        if (options.share) {
            if (const char* problem = memory_.share(vm_.id(), options.group)) {
                release();
                return problem;
            }
        }
        return nullptr;
    }

    bool sharing() const override { return memory_.shared_with_engine(); }

    uint64_t giant_pages() const override { return memory_.giant_pages(); }

    bool run_until(uint64_t deadline_tick) override
    {
        vm::Vcpu& vcpu = vm_.vcpu(0);
        while (vm_.state() == vm::VmState::running && !vcpu.halted) {
            xstate_.load(0); // this vCPU's vector registers and XCR0 (lazily: only after another ran)
            backend_.enter(vcpu.pending_event); // delivers what the last exit asked for...
            vcpu.pending_event.pending = false; // ...exactly once
            xstate_.note_exit();

            vm::GuestState guest{};
            vm::Exit exit = backend_.take_exit(guest);
            guest.xcr0 = xstate_.xcr0();
            if (exit.kind == vm::ExitKind::invalid_state) exit.invalid.text = backend_.explain_invalid_state(exit);
            vm::ExitAction action = vm::handle_exit(vcpu, guest, exit);
            backend_.store(guest);
            if (guest.dirty & vm::dirty::xcr0) xstate_.set_xcr0(guest.xcr0);
            // An event the exit cut off in mid-delivery is delivered again, unless the
            // dispatcher queued one of its own.
            if (!vcpu.pending_event.pending) {
                vm::EventInjection cut_off = backend_.interrupted_event();
                if (cut_off.pending) vcpu.pending_event = cut_off;
            }

            switch (action.kind) {
            case vm::ActionKind::resume:
            case vm::ActionKind::inject: break;
            case vm::ActionKind::halt:
            case vm::ActionKind::pause: return true;
            case vm::ActionKind::memory_fault:
                switch (memory_.resolve_fault(action.gpa, action.access == vm::Access::write)) {
                case GuestFault::resolved: break; // the guest retries the access
                case GuestFault::no_memory:
                    // Nothing to share and no swap: wait (paused) until memory is freed.
                    vm_.diagnose_limited("paused: no free memory for its %s at gpa 0x%llx; it resumes when memory is freed",
                                 vm::access_name(action.access), (unsigned long long)action.gpa);
                    vm_.pause_for_memory();
                    return true;
                case GuestFault::unresolvable:
                    // A fault inside RAM that neither backing nor copy-on-write explains: the
                    // nested table is broken: stop this VM, not the hypervisor.
                    vm_.diagnose("nested page fault inside RAM at 0x%llx (%s) with nothing to resolve it",
                                 (unsigned long long)action.gpa, vm::access_name(action.access));
                    vm_.set_state(vm::VmState::stopped);
                    release();
                    return false;
                }
                break;
            case vm::ActionKind::restart:
                if (!image_ || load(*image_) != nullptr) {
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
            if (backend_.slice_over() || x86::timer_ticks() >= deadline_tick) return true; // the slice is over
        }
        if (vm_.state() == vm::VmState::stopped || vm_.state() == vm::VmState::exited) {
            release();
            return false;
        }
        return true;
    }

    void release() override
    {
        if (released_) return;
        backend_.release_vcpu(frames_);
        xstate_.release(frames_);
        memory_.release();
        released_ = true;
    }

    bool read(uint64_t gpa, void* out, size_t length) override { return memory_.read(gpa, out, length); }

    void audit(NestedAudit& out) const override
    {
        if (released_) return;
        audit_nested_table(memory_.table(), frames_, mm::Owner::vm(vm_.id()), memory_.size(), out);
    }

private:
    // Writes the test guest into RAM and (re)builds the vCPU at its entry; nullptr or why not.
    const char* load(const TestGuestImage& image)
    {
        TestGuestEntry entry;
        // Page by page through the nested table: a restart may find RAM shared or split.
        if (const char* problem = load_test_guest(image, args_, vm_.id(), memory_, memory_.size(), entry))
            return problem;
        xstate_.release(frames_); // a (re)start begins from the registers' reset state
        if (const char* problem = xstate_.init(frames_, mm::Owner::vm(vm_.id()))) return problem;
        return backend_.build_vcpu(frames_, mm::Owner::vm(vm_.id()), memory_.nested_root(), entry);
    }

    mm::FrameAllocator& frames_;
    Backend backend_;
    Memory memory_;
    x86::ExtendedState xstate_;
    const TestGuestImage* image_ = nullptr;
    TestGuestArgs args_;
};

} // namespace sp
