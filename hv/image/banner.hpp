#pragma once
#include "hv/lib/sink.hpp"
#include "hv/platform/boot_info.hpp"

namespace sp {
// The start-up report: version, runtime, firmware, CPU and virtualization features, memory.
// Boot tests match these lines.
void print_banner(Sink& out, const BootInfo& info);
} // namespace sp
