// Physical-address-to-pointer policies for PageTable. The policy has
//     void* to_virt(uint64_t pa);
// The image runs identity-mapped, so a physical address is its own pointer. Host tests use a
// fake physical memory (tests/unit/mm/fake_memory.hpp) that backs a window of frames.
#pragma once
#include <stdint.h>

namespace sp::mm {

struct IdentityMemory {
    void* to_virt(uint64_t pa) const { return reinterpret_cast<void*>(static_cast<uintptr_t>(pa)); }
};

} // namespace sp::mm
