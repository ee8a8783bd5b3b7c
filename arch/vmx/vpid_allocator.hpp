// Virtual-processor identifiers: one per vCPU while it exists, so that its cached translations
// survive VM exits and entries. VPID 0 is the host's. With up to 65535 VPIDs and at most a few
// dozen vCPUs there is no need for ASID-style generations: a VPID is handed out while free and
// flushed (INVVPID, see EptTlb::retire_vpid) before it returns here, so the next vCPU that gets
// it starts with no stale translations.
#pragma once
#include <stdint.h>

namespace sp::vmx {

class VpidAllocator {
public:
    static constexpr uint32_t kMaxVpid = 0xffff;

    // `limit`: the highest VPID handed out (tests use small limits to reach exhaustion).
    explicit VpidAllocator(uint32_t limit = kMaxVpid) : limit_(limit > kMaxVpid ? kMaxVpid : limit) {}

    // The lowest free VPID, or 0 when all are taken (the vCPU then runs without VPID: every
    // entry and exit flushes its translations, correct but slower).
    uint16_t allocate();
    // Returns `vpid` (flushed by the caller); false for 0, out-of-range or free VPIDs.
    bool release(uint16_t vpid);

    uint32_t in_use() const { return in_use_; }
    uint32_t limit() const { return limit_; }

private:
    bool taken(uint32_t v) const { return (bits_[v / 64] >> (v % 64)) & 1; }

    uint32_t limit_;
    uint32_t in_use_ = 0;
    uint32_t search_from_ = 1;
    uint64_t bits_[(kMaxVpid + 1) / 64] = {};
};

} // namespace sp::vmx
