#include "hv/vm/vm_registry.hpp"

namespace sp::vm {

const char* create_error_text(CreateError error)
{
    switch (error) {
    case CreateError::ok: return "ok";
    case CreateError::full: return "no room for another VM";
    case CreateError::bad_name: return "bad VM name (1-31 of A-Z a-z 0-9 . _ -, not only digits)";
    case CreateError::duplicate_name: return "a VM of that name exists";
    case CreateError::bad_memory: return "bad memory size or RAM ranges";
    case CreateError::bad_vcpu_count: return "bad vCPU count";
    case CreateError::missing_services: return "guest memory reader or guest clock missing";
    }
    return "unknown error";
}

bool valid_vm_name(const char* name)
{
    if (!name) return false;
    size_t n = 0;
    bool digits_only = true;
    for (; name[n]; ++n) {
        char c = name[n];
        bool digit = c >= '0' && c <= '9';
        bool ok = digit || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' ||
                  c == '-';
        if (!ok || n == kMaxNameLength) return false;
        if (!digit) digits_only = false;
    }
    return n > 0 && !digits_only;
}

namespace {
bool valid_ram(const VmConfig& config)
{
    if (config.memory_bytes == 0 || config.ram_count > kMaxRamRanges) return false;
    for (uint8_t i = 0; i < config.ram_count; ++i) {
        const RamRange& r = config.ram[i];
        if (r.size == 0 || r.base + r.size < r.base) return false;
    }
    return true;
}
} // namespace

uint32_t VmRegistry::take_id()
{
    // Called with the lock held and a free slot available, so at most kCapacity ids are taken
    // and the loop ends.
    for (;;) {
        uint32_t id = next_id_;
        next_id_ = next_id_ == kMaxId ? 1 : next_id_ + 1;
        bool taken = false;
        for (size_t i = 0; i < kCapacity; ++i)
            if (used_[i] && vms_[i].id() == id) taken = true;
        if (!taken) return id;
    }
}

CreateError VmRegistry::create(const VmConfig& config, Vm*& out)
{
    out = nullptr;
    if (!valid_vm_name(config.name)) return CreateError::bad_name;
    if (!valid_ram(config)) return CreateError::bad_memory;
    if (config.vcpu_count == 0 || config.vcpu_count > kMaxVcpus) return CreateError::bad_vcpu_count;
    const VmServices& s = config.services;
    if (!s.read_guest || !s.guest_ticks || s.ticks_per_second == 0) return CreateError::missing_services;

    SpinGuard guard(lock_);
    size_t free_slot = kCapacity;
    for (size_t i = 0; i < kCapacity; ++i) {
        if (!used_[i]) {
            if (free_slot == kCapacity) free_slot = i;
        } else if (__builtin_strcmp(vms_[i].name(), config.name) == 0) {
            return CreateError::duplicate_name;
        }
    }
    if (free_slot == kCapacity) return CreateError::full;
    Vm& vm = vms_[free_slot];
    vm.init(take_id(), config, &host_);
    routes_[free_slot] = {this, &vm};
    vm.log().set_listener(forward_line, &routes_[free_slot]);
    used_[free_slot] = true;
    out = &vm;
    return CreateError::ok;
}

bool VmRegistry::remove(uint32_t id)
{
    SpinGuard guard(lock_);
    for (size_t i = 0; i < kCapacity; ++i) {
        if (!used_[i] || vms_[i].id() != id) continue;
        VmState s = vms_[i].state();
        if (s == VmState::running || s == VmState::paused) return false;
        used_[i] = false;
        return true;
    }
    return false;
}

Vm* VmRegistry::find(uint32_t id)
{
    SpinGuard guard(lock_);
    for (size_t i = 0; i < kCapacity; ++i)
        if (used_[i] && vms_[i].id() == id) return &vms_[i];
    return nullptr;
}

Vm* VmRegistry::find_by_name(const char* name)
{
    SpinGuard guard(lock_);
    for (size_t i = 0; i < kCapacity; ++i)
        if (used_[i] && __builtin_strcmp(vms_[i].name(), name) == 0) return &vms_[i];
    return nullptr;
}

size_t VmRegistry::count() const
{
    size_t n = 0;
    for (size_t i = 0; i < kCapacity; ++i) n += used_[i] ? 1 : 0;
    return n;
}

void VmRegistry::forward_line(void* context, const char* line, size_t length)
{
    auto* route = static_cast<LineRoute*>(context);
    VmRegistry& self = *route->registry;
    if (route->vm->console_attached()) return; // the attached console shows it already
    if (self.log_follow() && self.hook_) self.hook_(self.hook_context_, *route->vm, line, length);
}

} // namespace sp::vm
