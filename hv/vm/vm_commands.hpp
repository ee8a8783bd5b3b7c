// Console commands about VMs: vm list (alias vms), vm info, vm log, vm kill, vm pause,
// vm resume, log follow; and vm console, added with the embedder's GuestConsole.
// `vm start` is added by the embedder once the guest loader and the back-end exist; it calls
// VmRegistry::create.
#pragma once
#include "hv/console/shell.hpp"
#include "hv/vm/guest_console.hpp"
#include "hv/vm/vm_registry.hpp"

namespace sp::vm {

// Adds the rows to `shell`; the handlers use `registry` (one per image; a later call rebinds,
// which only the tests do).
void add_vm_commands(console::Shell& shell, VmRegistry& registry);

// Adds `vm console ID`, which attaches `guest_console`; call after add_vm_commands (it finds
// VMs in that registry). The embedder routes typed bytes to the GuestConsole while attached.
void add_vm_console_command(console::Shell& shell, GuestConsole& guest_console);

} // namespace sp::vm
