#include "hv/vm/cpuid_policy.hpp"

#include "hv/vm/hypercalls.hpp"

namespace sp::vm {

CpuidResult guest_cpuid(const HostServices& host, const GuestState& guest, uint32_t leaf,
                        uint32_t subleaf)
{
    if (leaf >= kHypervisorLeafBase && leaf <= kHypervisorRangeEnd) {
        // Ours, whatever an outer hypervisor (QEMU/KVM) put there: guests must not see it.
        if (leaf == kHypervisorLeafBase)
            return {kHypervisorLeafMax, kSignatureEbx, kSignatureEcx, kSignatureEdx};
        if (leaf == kHypervisorLeafBase + 1) return {kHypercallVersion, 0, 0, 0};
        return {0, 0, 0, 0};
    }

    // Everything else as the hardware answers, including leaves above the maximum (Intel
    // repeats the highest basic leaf, AMD returns zeros): the guest sees its real CPU.
    CpuidResult r = host.cpuid(host.context, leaf, subleaf);
    if (leaf == 1) {
        r.ecx &= ~(kLeaf1EcxVmx | kLeaf1EcxSmx);
        r.ecx |= kLeaf1EcxHypervisor;
        // OSXSAVE mirrors CR4.OSXSAVE: the guest's, not ours.
        r.ecx &= ~kLeaf1EcxOsxsave;
        if (guest.cr4 & kCr4Osxsave) r.ecx |= kLeaf1EcxOsxsave;
    } else if (leaf == 0x80000001) {
        r.ecx &= ~(kExt1EcxSvm | kExt1EcxSkinit);
    } else if (leaf == kSvmLeaf) {
        r = {0, 0, 0, 0};
    }
    return r;
}

} // namespace sp::vm
