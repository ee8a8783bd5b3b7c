#include "hv/vm/memory_admission.hpp"

namespace sp::vm {

Admission admit_vm(const AdmissionRequest& r)
{
    Admission a;
    a.limit_bytes = r.guest_memory_bytes / 100 * r.overcommit_percent + r.guest_memory_bytes % 100 * r.overcommit_percent / 100;
    if (r.committed_bytes > a.limit_bytes || r.vm_bytes > a.limit_bytes - r.committed_bytes) return a;
    bool fits = r.free_bytes > r.min_free_bytes && r.vm_bytes <= r.free_bytes - r.min_free_bytes;
    a.backing = fits && !r.want_lazy ? Backing::eager : Backing::lazy;
    return a;
}

} // namespace sp::vm
