#include "hv/image/vm_host.hpp"

#include <new>

#include "arch/svm/asid_allocator.hpp"
#include "arch/x86/cpu.hpp"
#include "arch/x86/lapic_timer.hpp"
#include "hv/console/arguments.hpp"
#include "hv/console/command.hpp"
#include "hv/console/reply.hpp"
#include "hv/guest/test_guest_image.hpp"
#include "hv/image/console.hpp"
#include "hv/image/diagnostics.hpp"
#include "hv/image/memory_setup.hpp"
#include "hv/image/svm_guest.hpp"
#include "hv/lib/format.hpp"
#include "hv/vm/vm_commands.hpp"
#include "hv/vm/vm_registry.hpp"

namespace sp {
namespace {

vm::CpuidResult host_cpuid(void*, uint32_t leaf, uint32_t subleaf)
{
    auto r = x86::cpuid(leaf, subleaf);
    return {r.eax, r.ebx, r.ecx, r.edx};
}

const BootInfo* boot = nullptr;
uint64_t tsc_per_second = 0;
vm::VmRegistry* registry = nullptr;
svm::AsidAllocator asids;
SvmGuest* guests[vm::VmRegistry::kCapacity] = {};
size_t next_to_run = 0;

bool read_guest(void* context, uint64_t gpa, void* out, size_t length)
{
    return static_cast<SvmGuest*>(context)->read(gpa, out, length);
}
uint64_t guest_ticks(void*) { return x86::rdtsc(); }

void print_followed_line(void*, const vm::Vm& vm, const char* line, size_t length)
{
    format(image::console(), "[vm %u %s] %.*s\n", vm.id(), vm.name(), static_cast<int>(length), line);
}

// Drops the records of ended VMs whose slots are needed, oldest first: their memory is long
// back in the allocator; only the record (log, verdict) goes.
void make_room()
{
    if (registry->count() < vm::VmRegistry::kCapacity) return;
    for (size_t i = 0; i < vm::VmRegistry::kCapacity; ++i) {
        SvmGuest* g = guests[i];
        if (g && g->released()) {
            uint32_t id = g->vm().id();
            delete g;
            guests[i] = nullptr;
            registry->remove(id);
            return;
        }
    }
}

void vm_start(const console::Arguments& args, console::Reply& reply, void*)
{
    if (!boot->cpu.svm.supported || x86::virtualization_problem(boot->cpu)) {
        reply.fail("this build runs guests on AMD SVM with nested paging only; this CPU: %s",
                   x86::virtualization_problem(boot->cpu) ? x86::virtualization_problem(boot->cpu)
                                                          : "Intel VMX (support comes later)");
        return;
    }
    const TestGuestImage* image = find_test_guest(args.at(0));
    if (!image) {
        size_t n = 0;
        const TestGuestImage* all = test_guests(n);
        char names[128];
        BufferSink list(names, sizeof names);
        for (size_t i = 0; i < n; ++i) format(list, "%s%s", i ? ", " : "", all[i].name);
        reply.fail("no test guest named '%s' (there are: %s)", args.at(0), names);
        return;
    }
    uint64_t memory = 16ull << 20;
    if (args.count() > 1 && !args.size_at(1, 2ull << 20, 64ull << 30, memory, reply)) return;
    if (memory % (2ull << 20)) {
        reply.fail("memory must be a multiple of 2 MiB");
        return;
    }
    const char* name = args.value("--name") ? args.value("--name") : image->name;
    make_room();
    size_t slot = vm::VmRegistry::kCapacity;
    for (size_t i = 0; i < vm::VmRegistry::kCapacity; ++i)
        if (!guests[i]) { slot = i; break; }
    vm::VmConfig config;
    config.name = name;
    config.memory_bytes = memory;
    // Services are bound to the guest object once it exists (its address is the context).
    auto* guest_storage = static_cast<SvmGuest*>(::operator new(sizeof(SvmGuest)));
    config.services = {guest_storage, read_guest, guest_ticks, tsc_per_second};
    vm::Vm* vm = nullptr;
    vm::CreateError e = slot == vm::VmRegistry::kCapacity ? vm::CreateError::full : registry->create(config, vm);
    if (e != vm::CreateError::ok) {
        ::operator delete(guest_storage);
        reply.fail("cannot create VM '%s': %s", name, vm::create_error_text(e));
        return;
    }
    SvmGuest* guest = new (guest_storage) SvmGuest(*vm, frame_allocator());
    if (const char* problem = guest->start(*image)) {
        registry->remove(vm->id());
        guest->~SvmGuest();
        ::operator delete(guest_storage);
        reply.fail("cannot start VM '%s': %s", name, problem);
        return;
    }
    guests[slot] = guest;
    vm->mark_running();
    reply.data().u64("id", vm->id()).str("name", vm->name()).str("guest", image->name).u64("memory_bytes", memory);
}

const console::Command vm_start_rows[] = {
    {"vm start", "GUEST [MEMORY] [--name NAME]", "start a VM running a built-in test guest (MEMORY: e.g. 16M)",
     vm_start, 1, 2, "--name="},
};

} // namespace

void vm_host_init(const BootInfo& info, console::Shell& shell, uint64_t tsc_per_ms)
{
    boot = &info;
    tsc_per_second = tsc_per_ms * 1000;
    vm::HostServices host;
    host.cpuid = host_cpuid;
    host.diagnostics = &image::diagnostics(); // kept for `log`, and shown on the console
    registry = new vm::VmRegistry(host);
    registry->set_log_follow_hook(print_followed_line, nullptr);
    asids.reset(info.cpu.svm.asids);
    shell.add_commands(vm_start_rows);
    vm::add_vm_commands(shell, *registry);
}

bool run_vms_once()
{
    bool ran = false;
    for (size_t n = 0; n < vm::VmRegistry::kCapacity; ++n) {
        size_t i = (next_to_run + n) % vm::VmRegistry::kCapacity;
        SvmGuest* g = guests[i];
        if (!g || g->released()) continue;
        vm::Vm& vm = g->vm();
        if (vm.kill_requested() && vm.vcpu(0).halted) { // a halted guest never exits by itself
            vm.set_state(vm::VmState::stopped);
            vm.diagnose("killed from the console");
            g->release();
            continue;
        }
        if (vm.pause_requested() && vm.vcpu(0).halted && vm.state() == vm::VmState::running)
            vm.set_state(vm::VmState::paused); // a halted guest never exits by itself
        if (vm.state() != vm::VmState::running || vm.vcpu(0).halted) continue;
        g->run_until(x86::timer_ticks() + 1, asids, boot->cpu.svm.nrips);
        ran = true;
        next_to_run = i + 1;
        break; // one slice per call: the console gets its turn between slices
    }
    return ran;
}

} // namespace sp
