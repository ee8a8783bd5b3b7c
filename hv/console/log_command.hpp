// The `log [COUNT]` command: the newest lines of the hypervisor's diagnostic log (guest stops,
// memory-pressure changes) with their numbers and times.
#pragma once
#include "hv/console/shell.hpp"
#include "hv/lib/diagnostic_log.hpp"

namespace sp::console {

// Adds the row; the handler reads `log` (one per image; a later call rebinds, as tests do).
void add_log_command(Shell& shell, const DiagnosticLog& log);

} // namespace sp::console
