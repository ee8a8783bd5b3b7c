// What a guest's CPUID returns: the host's values (so guests see the real CPU and its
// features), minus the virtualization extensions we do not offer nested (VMX, SVM, and SMX /
// SKINIT whose instructions are forbidden too), plus the "hypervisor present" bit and
// Samepage's own leaves at 0x40000000.
#pragma once
#include <stdint.h>

#include "hv/vm/guest_state.hpp"
#include "hv/vm/services.hpp"

namespace sp::vm {

inline constexpr uint32_t kHypervisorLeafBase = 0x40000000;
inline constexpr uint32_t kHypervisorLeafMax = 0x40000001;   // highest leaf we define
inline constexpr uint32_t kHypervisorRangeEnd = 0x4fffffff;  // the whole range is ours
// "SamepageHV  " as EBX, ECX, EDX (little-endian, 4 bytes each).
inline constexpr uint32_t kSignatureEbx = 0x656d6153; // "Same"
inline constexpr uint32_t kSignatureEcx = 0x65676170; // "page"
inline constexpr uint32_t kSignatureEdx = 0x20205648; // "HV  "

// Bits we change.
inline constexpr uint32_t kLeaf1EcxVmx = 1u << 5;
inline constexpr uint32_t kLeaf1EcxSmx = 1u << 6;
inline constexpr uint32_t kLeaf1EcxOsxsave = 1u << 27;
inline constexpr uint32_t kLeaf1EcxHypervisor = 1u << 31;
inline constexpr uint32_t kExt1EcxSvm = 1u << 2;
inline constexpr uint32_t kExt1EcxSkinit = 1u << 12;
inline constexpr uint32_t kSvmLeaf = 0x8000000a;

// `host.cpuid` runs the real instruction. `guest` supplies CR4 (OSXSAVE is the guest's own).
CpuidResult guest_cpuid(const HostServices& host, const GuestState& guest, uint32_t leaf,
                        uint32_t subleaf);

} // namespace sp::vm
