// What a page table asks of the TLB policy. The policy (a template parameter of PageTable) has
//     void invalidate(const TlbInvalidation& request);
// and must not return before every CPU in request.cpus has dropped the translations (and, when
// tables_freed, the paging-structure caches) for the range in that address space. In the image
// arch/ implements it with INVLPG / INVEPT (tag = EPTP) / INVLPGA or TLB_CONTROL (tag = ASID)
// and IPIs for remote CPUs; host tests record the requests.
#pragma once
#include <stdint.h>

#include "mm/cpu_set.hpp"

namespace sp::mm {

enum class AddressSpaceKind : uint8_t { host, ept, npt };

struct AddressSpaceTag {
    AddressSpaceKind kind = AddressSpaceKind::host;
    uint64_t id = 0; // host: PCID; EPT: EPTP (INVEPT single-context) or VPID; NPT: ASID
    constexpr bool operator==(const AddressSpaceTag&) const = default;
};

struct TlbInvalidation {
    CpuSet cpus;
    AddressSpaceTag space;
    uint64_t base = 0; // input address (VA / guest-physical) of the first byte affected
    uint64_t size = 0; // bytes; the whole space when all is set
    bool all = false;
    bool page_size_changed = false; // split/merge: drop both the old and the new page size
    bool tables_freed = false;      // paging-structure caches may point at freed table pages
};

// For code that maps memory nobody can have cached yet (tests of formats, early boot before
// paging is switched to the new tables). Drops nothing.
struct NoTlb {
    void invalidate(const TlbInvalidation&) {}
};

} // namespace sp::mm
