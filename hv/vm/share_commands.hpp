// Console commands of the page-sharing engine: `share` (every counter, KSM's names, and the
// tunables), `share set KEY VALUE`, `share run 0|1|2`, `share vms` (per VM: private, shared,
// zero, saved, share on large mappings, domain). Portable: host tests drive them on a real
// engine over fake memory.
#pragma once
#include "hv/console/shell.hpp"
#include "mm/sharing/engine.hpp"

namespace sp::vm {

class VmRegistry;

// `registry` (may be nullptr) names the VMs in `share vms`.
void add_share_commands(console::Shell& shell, sharing::Engine& engine, VmRegistry* registry);

} // namespace sp::vm
