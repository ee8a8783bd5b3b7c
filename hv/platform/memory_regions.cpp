#include "hv/platform/memory_regions.hpp"

namespace sp {

mm::MemoryKind memory_kind_of(uint32_t firmware_type)
{
    using T = FirmwareMemoryType;
    using K = mm::MemoryKind;
    switch (static_cast<T>(firmware_type)) {
    case T::conventional:
    case T::boot_services_code:
    case T::boot_services_data: return K::usable; // free once boot services are gone
    case T::loader_code:
    case T::loader_data: return K::hypervisor_image; // our image and what boot allocated for us
    case T::acpi_reclaim: return K::acpi_reclaim;
    case T::acpi_nvs: return K::acpi_nvs;
    case T::runtime_services_code:
    case T::runtime_services_data: return K::firmware_runtime;
    case T::persistent: return K::persistent;
    case T::unusable: return K::unusable;
    case T::mmio:
    case T::mmio_port_space: return K::mmio;
    case T::reserved:
    case T::pal_code:
    case T::unaccepted:
    case T::count: break;
    }
    return K::reserved; // anything unknown stays untouched
}

size_t to_memory_regions(const FirmwareRegion* map, size_t count, mm::MemoryRegion* out, size_t max)
{
    if (count > max) return 0;
    for (size_t i = 0; i < count; ++i) out[i] = {map[i].base, map[i].pages, memory_kind_of(map[i].type)};
    return count;
}

} // namespace sp
