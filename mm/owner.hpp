// Who holds a physical frame. Every frame in the allocator's span has exactly one owner.
// Page-table pages are charged to the address space they serve: the host tables to the
// hypervisor, a VM's EPT/NPT tables to that VM (so destroying a VM returns everything it cost).
#pragma once
#include <stdint.h>

namespace sp::mm {

inline constexpr uint32_t kMaxVms = 1024;

class Owner {
public:
    static constexpr uint16_t kFree = 0, kReserved = 1, kHypervisor = 2, kShared = 3, kFirstVm = 4;
    static constexpr uint32_t kSlots = kFirstVm + kMaxVms; // for per-owner counters

    constexpr Owner() = default;
    static constexpr Owner free() { return Owner(kFree); }
    // Not managed: firmware, ACPI, holes in the map. Never handed out or freed.
    static constexpr Owner reserved() { return Owner(kReserved); }
    static constexpr Owner hypervisor() { return Owner(kHypervisor); }
    // Frames of the page-sharing engine's pool (one copy, many guest mappers).
    static constexpr Owner shared() { return Owner(kShared); }
    static constexpr Owner vm(uint32_t id) { return Owner(static_cast<uint16_t>(kFirstVm + id)); }
    static constexpr Owner from_raw(uint16_t raw) { return Owner(raw); }

    constexpr uint16_t raw() const { return raw_; }
    constexpr bool valid() const { return raw_ < kSlots; }
    constexpr bool is_vm() const { return raw_ >= kFirstVm; }
    constexpr uint32_t vm_id() const { return raw_ - kFirstVm; }
    // Can hold allocated frames (not free, not reserved).
    constexpr bool can_allocate() const { return valid() && raw_ >= kHypervisor; }
    constexpr bool operator==(const Owner&) const = default;

private:
    constexpr explicit Owner(uint16_t raw) : raw_(raw) {}
    uint16_t raw_ = kFree;
};

} // namespace sp::mm
