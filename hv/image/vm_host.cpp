#include "hv/image/vm_host.hpp"

#include <new>
#include <string.h>

#include "arch/svm/svm_cpu.hpp"
#include "arch/vmx/vmx_cpu.hpp"
#include "arch/x86/cpu.hpp"
#include "arch/x86/extended_state.hpp"
#include "arch/x86/lapic_timer.hpp"
#include "hv/console/arguments.hpp"
#include "hv/console/command.hpp"
#include "hv/console/reply.hpp"
#include "hv/guest/test_guest_image.hpp"
#include "hv/image/console.hpp"
#include "hv/image/diagnostics.hpp"
#include "hv/image/memory_setup.hpp"
#include "hv/image/sharing_host.hpp"
#include "hv/image/svm_guest.hpp"
#include "hv/image/vmx_guest.hpp"
#include "hv/lib/format.hpp"
#include "hv/vm/memory_admission.hpp"
#include "hv/vm/share_commands.hpp"
#include "hv/vm/vm_commands.hpp"
#include "hv/vm/vm_registry.hpp"

namespace sp {
namespace {

// Frames guests never get: the hypervisor's own needs while VMs run (reverse-map nodes, the
// sharing engine's indexes, page tables), so sharing can still free memory when guests have
// taken everything else.
constexpr uint64_t kHypervisorReserveFrames = 2048;
// Above that, frames a VM touching new memory leaves for the copy-on-write breaks of the others.
constexpr uint64_t kCopyOnWriteReserveFrames = 4096;

vm::CpuidResult host_cpuid(void*, uint32_t leaf, uint32_t subleaf)
{
    auto r = x86::cpuid(leaf, subleaf);
    if (leaf == 0xd && subleaf == 0) {
        // Guests may enable only the components Samepage saves and restores for them (this
        // bounds XSETBV's check as well as what CPUID tells the guest).
        uint64_t all = x86::extended_state_info().xcr0_all;
        r.eax &= static_cast<uint32_t>(all);
        r.edx &= static_cast<uint32_t>(all >> 32);
    }
    return {r.eax, r.ebx, r.ecx, r.edx};
}

const BootInfo* boot = nullptr;
uint64_t tsc_per_second = 0;
vm::VmRegistry* registry = nullptr;
// The vendor back-end guests run on, chosen once at start-up from what the boot CPU enabled.
enum class Vendor { none, svm, vmx } vendor = Vendor::none;
SvmContext* svm_context = nullptr;
VmxContext* vmx_context = nullptr;
HostedGuest* guests[vm::VmRegistry::kCapacity] = {};
size_t next_to_run = 0;
// What guests can have: free memory once the hypervisor is set up, less its reserve.
uint64_t guest_memory_bytes = 0;

uint64_t committed_bytes()
{
    uint64_t sum = 0;
    for (HostedGuest* g : guests)
        if (g && !g->released()) sum += g->vm().config().memory_bytes;
    return sum;
}

// The context of a VM's services is its slot in `guests`: the guest object is created after
// the VM record it needs, and the slot is filled before the VM first runs.
bool read_guest(void* context, uint64_t gpa, void* out, size_t length)
{
    HostedGuest* guest = *static_cast<HostedGuest**>(context);
    return guest && guest->read(gpa, out, length);
}
uint64_t guest_ticks(void*) { return x86::rdtsc(); }

// Audits every live VM's nested table and the allocator; ended VMs must hold no frame.
struct HostAudit {
    NestedAudit nested;
    unsigned vms = 0;
    const char* allocator_problem = nullptr;
    uint32_t leaked_vm = 0; // id of an ended VM that still holds frames, 0 if none
    uint64_t leaked_frames = 0;
    bool ok() const { return nested.ok && !allocator_problem && !leaked_vm; }
};

HostAudit audit_all()
{
    HostAudit a;
    for (HostedGuest* g : guests) {
        if (!g) continue;
        if (g->released()) {
            uint64_t held = frame_allocator().count(mm::Owner::vm(g->vm().id()));
            if (held && !a.leaked_vm) {
                a.leaked_vm = g->vm().id();
                a.leaked_frames = held;
            }
            continue;
        }
        ++a.vms;
        g->audit(a.nested);
    }
    a.allocator_problem = frame_allocator().check_invariants();
    return a;
}

void describe_failure(const HostAudit& a, char* out, size_t size)
{
    if (!a.nested.ok) format_to(out, size, "nested table: %s", a.nested.problem);
    else if (a.allocator_problem) format_to(out, size, "frame allocator: %s", a.allocator_problem);
    else format_to(out, size, "vm %u ended but still holds %llu frames", a.leaked_vm,
                   (unsigned long long)a.leaked_frames);
}

// Test mode audits after every VM start and end and says so on the console; the boot tests
// fail on any "audit: FAILED" line.
void audit_in_test_mode(const char* event, const vm::Vm& vm)
{
    if (boot->config.test_exit == TestExit::none) return;
    HostAudit a = audit_all();
    if (a.ok()) {
        format(image::async_output(), "audit: after vm %u %s: ok (%u VMs, %llu leaves, %llu frames)\n", vm.id(), event,
               a.vms, (unsigned long long)a.nested.leaves, (unsigned long long)a.nested.frames);
        return;
    }
    char why[200];
    describe_failure(a, why, sizeof why);
    format(image::async_output(), "audit: FAILED after vm %u %s: %s\n", vm.id(), event, why);
}

void mem_audit(const console::Arguments&, console::Reply& reply, void*)
{
    HostAudit a = audit_all();
    if (!a.ok()) {
        char why[200];
        describe_failure(a, why, sizeof why);
        reply.fail("audit failed: %s", why);
        return;
    }
    reply.data().u64("vms", a.vms).u64("leaves", a.nested.leaves).u64("frames", a.nested.frames).str("result", "ok");
}

void print_followed_line(void*, const vm::Vm& vm, const char* line, size_t length)
{
    format(image::async_output(), "[vm %u %s] %.*s\n", vm.id(), vm.name(), static_cast<int>(length), line);
}

// Drops the records of ended VMs whose slots are needed, oldest first: their memory is long
// back in the allocator; only the record (log, verdict) goes.
void make_room()
{
    if (registry->count() < vm::VmRegistry::kCapacity) return;
    for (size_t i = 0; i < vm::VmRegistry::kCapacity; ++i) {
        HostedGuest* g = guests[i];
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
    if (vendor == Vendor::none) {
        const char* problem = x86::virtualization_problem(boot->cpu);
        reply.fail("guests cannot run on this CPU: %s",
                   problem ? problem : "enabling VMX or SVM failed at start-up (see the banner)");
        return;
    }
    const TestGuestImage* image = find_test_guest(args.at(0));
    if (!image) {
        reply.fail("no test guest named '%s' ('vm guests' lists them)", args.at(0));
        return;
    }
    uint64_t memory = 16ull << 20;
    if (args.count() > 1 && !args.size_at(1, 2ull << 20, 64ull << 30, memory, reply)) return;
    if (memory % (2ull << 20)) {
        reply.fail("memory must be a multiple of 2 MiB");
        return;
    }
    TestGuestArgs guest_args;
    if (!args.unsigned_flag("--arg", 0, ~0ull, guest_args.arg, reply)) return;
    if (!args.unsigned_flag("--arg2", 0, ~0ull, guest_args.arg2, reply)) return;
    const char* name = args.value("--name") ? args.value("--name") : image->name;
    const char* group = args.value("--group");
    if (group && (!*group || strlen(group) > sharing::Engine::kGroupNameMax)) {
        reply.fail("--group: a name of 1-%u characters", sharing::Engine::kGroupNameMax);
        return;
    }
    if (group && !sharing_host()) {
        reply.fail("--group: page sharing is off (see the start-up log)");
        return;
    }
    vm::AdmissionRequest request;
    request.guest_memory_bytes = guest_memory_bytes;
    request.overcommit_percent = boot->config.overcommit_percent;
    request.committed_bytes = committed_bytes();
    request.free_bytes = frame_allocator().free_frames() * mm::kPageSize;
    request.min_free_bytes = frame_allocator().stats().min_free_frames * mm::kPageSize;
    request.vm_bytes = memory;
    request.want_lazy = args.has("--lazy");
    vm::Admission admission = vm::admit_vm(request);
    if (admission.backing == vm::Backing::refused) {
        reply.fail("cannot start VM '%s': %llu MiB more would commit %llu MiB of the %llu MiB allowed "
                   "(overcommit_percent %u of %llu MiB)", name, (unsigned long long)(memory >> 20),
                   (unsigned long long)((request.committed_bytes + memory) >> 20),
                   (unsigned long long)(admission.limit_bytes >> 20), boot->config.overcommit_percent,
                   (unsigned long long)(guest_memory_bytes >> 20));
        return;
    }
    make_room();
    size_t slot = vm::VmRegistry::kCapacity;
    for (size_t i = 0; i < vm::VmRegistry::kCapacity; ++i)
        if (!guests[i]) { slot = i; break; }
    vm::VmConfig config;
    config.name = name;
    config.memory_bytes = memory;
    vm::Vm* vm = nullptr;
    vm::CreateError e = vm::CreateError::full;
    if (slot < vm::VmRegistry::kCapacity) {
        config.services = {&guests[slot], read_guest, guest_ticks, tsc_per_second};
        e = registry->create(config, vm);
    }
    if (e != vm::CreateError::ok) {
        reply.fail("cannot create VM '%s': %s", name, vm::create_error_text(e));
        return;
    }
    GuestSharing sharing;
    sharing.reserve_frames = kHypervisorReserveFrames;
    sharing.growth_reserve_frames = kHypervisorReserveFrames + kCopyOnWriteReserveFrames;
    if (SharingHost* host = sharing_host()) {
        sharing.rmap = &host->rmap;
        sharing.engine = &host->engine;
    }
    HostedGuest* guest = vendor == Vendor::vmx
                             ? static_cast<HostedGuest*>(new VmxGuest(*vm, frame_allocator(), *vmx_context, sharing))
                             : new SvmGuest(*vm, frame_allocator(), *svm_context, sharing);
    GuestMemoryOptions options;
    // 1 GiB nested pages where the nested table can hold them: EPT's own capability on VMX,
    // the CPU's 1 GiB pages on SVM.
    options.use_1g = vendor == Vendor::vmx ? boot->cpu.vmx.ept_1g : boot->cpu.page_1g;
    options.share = sharing.engine != nullptr;
    options.group = group;
    options.lazy = admission.backing == vm::Backing::lazy;
    if (const char* problem = guest->start(*image, guest_args, options)) {
        registry->remove(vm->id());
        delete guest;
        reply.fail("cannot start VM '%s': %s", name, problem);
        return;
    }
    guests[slot] = guest;
    vm->mark_running();
    audit_in_test_mode("started", *vm);
    reply.data().u64("id", vm->id()).str("name", vm->name()).str("guest", image->name).u64("memory_bytes", memory)
        .u64("pages_1g", guest->giant_pages()).boolean("sharing", guest->sharing()).str("group", group ? group : "")
        .str("backing", options.lazy ? "lazy" : "eager");
}

void vm_guests(const console::Arguments&, console::Reply& reply, void*)
{
    size_t count = 0;
    const TestGuestImage* all = test_guests(count);
    console::Table list = reply.data().table("guests");
    for (size_t i = 0; i < count; ++i) list.row().str("name", all[i].name).str("summary", all[i].summary);
}

const console::Command vm_start_rows[] = {
    {"vm start", "GUEST [MEMORY] [--name NAME] [--group GROUP] [--lazy] [--arg N] [--arg2 N]",
     "start a VM running a built-in test guest (MEMORY: e.g. 16M; GROUP: its sharing group; --lazy: back its RAM "
     "on first touch even when it fits; N: the guest's arguments)",
     vm_start, 1, 2, "--name= --group= --lazy --arg= --arg2="},
    {"vm guests", "", "list the built-in test guests", vm_guests, 0, 0, ""},
    {"mem audit", "", "check that every VM's nested table maps only that VM's frames (or shared ones read-only)",
     mem_audit, 0, 0, ""},
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
    if (svm::per_cpu(0).enabled) {
        vendor = Vendor::svm;
        svm_context = new SvmContext;
        svm_context->asids.reset(info.cpu.svm.asids);
        svm_context->has_nrips = info.cpu.svm.nrips;
        svm_context->flush_by_asid = info.cpu.svm.flush_by_asid;
    } else if (vmx::per_cpu(0).enabled) {
        vendor = Vendor::vmx;
        vmx_context = new VmxContext; // VPID bitmap: 8 KiB, on the heap rather than in the image
    }
    shell.add_commands(vm_start_rows);
    vm::add_vm_commands(shell, *registry);
    if (sharing_init(tsc_per_ms, image::diagnostics())) vm::add_share_commands(shell, sharing_host()->engine, registry);
    uint64_t free_frames = frame_allocator().free_frames();
    guest_memory_bytes = (free_frames > kHypervisorReserveFrames ? free_frames - kHypervisorReserveFrames : 0) * mm::kPageSize;
}

void describe_vm_memory(console::Object& data)
{
    vm::AdmissionRequest limits;
    limits.guest_memory_bytes = guest_memory_bytes;
    limits.overcommit_percent = boot->config.overcommit_percent;
    data.object("guests")
        .u64("memory_bytes", guest_memory_bytes)
        .u64("committed_bytes", committed_bytes())
        .u64("overcommit_percent", boot->config.overcommit_percent)
        .u64("limit_bytes", vm::admit_vm(limits).limit_bytes);
    console::Table rows = data.table("vms");
    for (HostedGuest* g : guests) {
        if (!g || g->released()) continue;
        const vm::Vm& vm = g->vm();
        console::Object row = rows.row();
        row.u64("id", vm.id())
            .str("name", vm.name())
            .str("state", vm::vm_state_name(vm.state()))
            .u64("memory_bytes", vm.config().memory_bytes)
            .u64("frames", frame_allocator().count(mm::Owner::vm(vm.id())));
        sharing::VmSharingStats v;
        if (!sharing_host() || sharing_host()->engine.vm_stats(vm.id(), v) != sharing::SharingError::ok) continue;
        row.u64("private", v.private_pages)
            .u64("shared", v.shared)
            .u64("zero", v.zero)
            .u64("saved", v.saved)
            .strf("on_large", "%llu.%llu%%", (unsigned long long)(v.on_large_permille / 10),
                  (unsigned long long)(v.on_large_permille % 10));
    }
}

namespace {

// VMs paused for memory resume once this many frames more are free than when the last of them
// paused: enough to make progress, not a retry per frame freed.
constexpr uint64_t kResumeMarginFrames = 256;
uint64_t free_when_paused = 0;
bool all_paused_reported = false;

// Ends the record of a VM that stopped while it was not running (killed while paused).
void release_if_ended(HostedGuest& g)
{
    vm::VmState s = g.vm().state();
    if (s != vm::VmState::stopped && s != vm::VmState::exited) return;
    g.release();
    audit_in_test_mode("ended", g.vm());
}

// Resumes the VMs paused for memory once memory was freed. When every live VM waits and two
// full scans of the sharing engine have freed too little, nothing will: the console says so once.
void look_after_memory_waits()
{
    static uint64_t scans_when_all_paused = 0;
    static bool all_paused = false;
    unsigned live = 0, waiting = 0;
    uint64_t free_now = frame_allocator().free_frames();
    for (HostedGuest* g : guests) {
        if (!g || g->released()) continue;
        ++live;
        if (!g->vm().waiting_for_memory()) continue;
        if (free_now >= free_when_paused + kResumeMarginFrames) {
            g->vm().diagnose_limited("resumed: %llu frames are free again", (unsigned long long)free_now);
            g->vm().resume();
            continue;
        }
        ++waiting;
    }
    uint64_t scans = sharing_host() ? sharing_host()->engine.full_scans() : 0;
    if (!live || waiting != live) {
        all_paused = all_paused_reported = false;
        return;
    }
    if (!all_paused) {
        all_paused = true;
        scans_when_all_paused = scans;
    }
    if (!all_paused_reported && (!sharing_host() || scans >= scans_when_all_paused + 2)) {
        format(image::async_output(), "all VMs paused: memory exhausted (%llu frames free)\n",
               (unsigned long long)free_now);
        all_paused_reported = true;
    }
}

} // namespace

bool run_vms_once()
{
    look_after_memory_waits();
    bool ran = false;
    for (size_t n = 0; n < vm::VmRegistry::kCapacity; ++n) {
        size_t i = (next_to_run + n) % vm::VmRegistry::kCapacity;
        HostedGuest* g = guests[i];
        if (!g || g->released()) continue;
        vm::Vm& vm = g->vm();
        if (vm.kill_requested() && vm.vcpu(0).halted) { // a halted guest never exits by itself
            vm.set_state(vm::VmState::stopped);
            vm.diagnose("killed from the console");
            g->release();
            audit_in_test_mode("ended", vm);
            continue;
        }
        release_if_ended(*g);
        if (g->released()) continue;
        if (vm.pause_requested() && vm.vcpu(0).halted && vm.state() == vm::VmState::running)
            vm.set_state(vm::VmState::paused); // a halted guest never exits by itself
        if (vm.state() != vm::VmState::running || vm.vcpu(0).halted) continue;
        if (!g->run_until(x86::timer_ticks() + 1)) audit_in_test_mode("ended", vm);
        if (vm.waiting_for_memory()) free_when_paused = frame_allocator().free_frames();
        ran = true;
        next_to_run = i + 1;
        break; // one slice per call: the console gets its turn between slices
    }
    return ran;
}

} // namespace sp
