// The image's diagnostic log: guest stops, memory-pressure changes and the like are written
// here; each line goes to the console at once and the newest are kept for the `log` command.
#pragma once
#include "hv/lib/diagnostic_log.hpp"

namespace sp::image {

// Creates the log in place (after console_init, once the timer is calibrated: lines are stamped
// with the milliseconds since this call).
void diagnostics_init();
DiagnosticLog& diagnostics();

} // namespace sp::image
