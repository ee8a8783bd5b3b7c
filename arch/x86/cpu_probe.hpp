#pragma once
#include "arch/x86/cpu_features.hpp"

namespace sp::x86 {
// Reads CPUID and the capability MSRs of this CPU. Reads an MSR only where the CPU says it
// exists: reading a missing VMX capability MSR raises #GP (and hangs OVMF).
RawCpuInfo probe_cpu();
} // namespace sp::x86
