// Whether a new VM's RAM may be admitted, and how it is backed. The VMs' memory together may
// reach `overcommit_percent` of the memory guests can have; page sharing makes up the
// difference. A VM that fits in free memory (above the allocator's min_free) is backed at once,
// with large pages; one that does not is backed lazily, a block on first touch.
#pragma once
#include <stdint.h>

namespace sp::vm {

enum class Backing : uint8_t { eager, lazy, refused };

struct AdmissionRequest {
    uint64_t guest_memory_bytes = 0; // what guests can have: free memory at start-up, less the reserve
    uint32_t overcommit_percent = 100;
    uint64_t committed_bytes = 0;    // RAM of the VMs alive now
    uint64_t free_bytes = 0;         // free memory now
    uint64_t min_free_bytes = 0;     // the allocator's min_free
    uint64_t vm_bytes = 0;           // the new VM's RAM
    bool want_lazy = false;          // the user asked for lazy backing
};

struct Admission {
    Backing backing = Backing::refused;
    uint64_t limit_bytes = 0; // guest_memory_bytes * overcommit_percent / 100
};

Admission admit_vm(const AdmissionRequest& r);

} // namespace sp::vm
