// Console commands about VMs: vm list (alias vms), vm info, vm log, vm kill, log follow.
// `vm start` is added by the embedder once the guest loader and the back-end exist; it calls
// VmRegistry::create.
#pragma once
#include "hv/console/shell.hpp"
#include "hv/vm/vm_registry.hpp"

namespace sp::vm {

// Adds the rows to `shell`; the handlers use `registry` (one per image; a later call rebinds,
// which only the tests do).
void add_vm_commands(console::Shell& shell, VmRegistry& registry);

} // namespace sp::vm
