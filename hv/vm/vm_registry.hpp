// The VMs of this machine: fixed capacity, used by the console commands, the scheduler and the
// embedder that creates VMs. Ids are 1..kMaxId (they name the VM's frames as mm::Owner::vm(id))
// and are handed out round-robin, so a freed id comes back only after every other id has been
// used: a stale "vm kill 3" typed after VM 3 went away does not hit its successor.
//
//   sp::vm::VmRegistry registry(host);          // static object in the image
//   sp::vm::VmConfig config;
//   config.name = "hello"; config.memory_bytes = 64 << 20; config.services = {...};
//   sp::vm::Vm* vm;
//   if (auto e = registry.create(config, vm); e != sp::vm::CreateError::ok) ...create_error_text(e)
//   ... build the back-end vCPU, load the guest ..., then vm->mark_running();
//   ... when the VM is stopped or exited and its memory is released: registry.remove(vm->id());
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/lib/spinlock.hpp"
#include "hv/vm/services.hpp"
#include "hv/vm/vm.hpp"

namespace sp::vm {

enum class CreateError : uint8_t {
    ok,
    full,
    bad_name,
    duplicate_name,
    bad_memory,
    bad_vcpu_count,
    missing_services,
};
const char* create_error_text(CreateError error);

// Receives each completed line of any VM's serial log while "log follow" is on.
using LogFollowHook = void (*)(void* context, const Vm& vm, const char* line, size_t length);

class VmRegistry {
public:
    static constexpr size_t kCapacity = 64; // VM records, running or ended (kept for their log and verdict)
    static constexpr uint32_t kMaxId = 1023; // mm::Owner::vm(id) must stay valid

    explicit VmRegistry(const HostServices& host) : host_(host) {}
    VmRegistry(const VmRegistry&) = delete;
    VmRegistry& operator=(const VmRegistry&) = delete;

    // Validates `config` and creates a VM in state `created`.
    CreateError create(const VmConfig& config, Vm*& out);
    // Frees the slot of a VM that no vCPU runs any more (created, stopped or exited).
    // False when there is no such VM or it is running or paused.
    bool remove(uint32_t id);

    Vm* find(uint32_t id);
    Vm* find_by_name(const char* name);
    size_t count() const;
    // Slot iteration for listings: nullptr for a free slot. Slots are ordered by creation
    // only until ids wrap; listings sort by id themselves if they care.
    Vm* slot(size_t index) { return used_[index] ? &vms_[index] : nullptr; }

    // "log follow on|off" and the embedder's hook that prints followed lines.
    void set_log_follow(bool on) { __atomic_store_n(&follow_, on, __ATOMIC_RELEASE); }
    bool log_follow() const { return __atomic_load_n(&follow_, __ATOMIC_ACQUIRE); }
    void set_log_follow_hook(LogFollowHook hook, void* context)
    {
        hook_ = hook;
        hook_context_ = context;
    }

    const HostServices& host() const { return host_; }

private:
    static void forward_line(void* context, const char* line, size_t length);
    uint32_t take_id();

    HostServices host_; // a copy: the VMs point at it
    Spinlock lock_;
    Vm vms_[kCapacity];
    bool used_[kCapacity] = {};
    uint32_t next_id_ = 1;
    bool follow_ = false;
    LogFollowHook hook_ = nullptr;
    void* hook_context_ = nullptr;
    // The context GuestLog hands back to forward_line: which VM of which registry.
    struct LineRoute {
        VmRegistry* registry;
        Vm* vm;
    } routes_[kCapacity];
};

// True for names a VM may have: 1-31 of [A-Za-z0-9._-], not all digits (so ids and names
// never look alike on the console).
bool valid_vm_name(const char* name);

} // namespace sp::vm
