// One-line human descriptions of the CPU and its virtualization support, shared by the banner
// and the `cpu` command.
#pragma once
#include "arch/x86/cpu_features.hpp"
#include "hv/lib/sink.hpp"

namespace sp {
void print_cpu_line(Sink& out, const x86::CpuFeatures& cpu);
void print_virtualization_line(Sink& out, const x86::CpuFeatures& cpu);
} // namespace sp
