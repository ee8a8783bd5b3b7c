// The image's diagnostic log: guest stops, memory-pressure changes and the like are written
// here; each line goes to the console at once and the newest are kept for the `log` command.
#pragma once
#include "hv/console/async_lines.hpp"
#include "hv/lib/diagnostic_log.hpp"

namespace sp::image {

// Creates the log in place (after console_init, once the timer is calibrated: lines are stamped
// with the milliseconds since this call).
void diagnostics_init();
DiagnosticLog& diagnostics();
// Console output that is not a reply (diagnostics, followed VM logs, test mode's audit lines):
// whole lines, kept off the line being typed once attach_shell() has named the shell.
console::AsyncLines& async_output();
void attach_shell(console::Shell& shell);

} // namespace sp::image
