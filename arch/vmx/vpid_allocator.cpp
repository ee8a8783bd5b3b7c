#include "arch/vmx/vpid_allocator.hpp"

namespace sp::vmx {

uint16_t VpidAllocator::allocate()
{
    for (uint32_t v = search_from_; v <= limit_; ++v) {
        if (taken(v)) continue;
        bits_[v / 64] |= 1ull << (v % 64);
        ++in_use_;
        search_from_ = v + 1;
        return static_cast<uint16_t>(v);
    }
    return 0;
}

bool VpidAllocator::release(uint16_t vpid)
{
    if (vpid == 0 || vpid > limit_ || !taken(vpid)) return false;
    bits_[vpid / 64] &= ~(1ull << (vpid % 64));
    --in_use_;
    if (vpid < search_from_) search_from_ = vpid;
    return true;
}

} // namespace sp::vmx
