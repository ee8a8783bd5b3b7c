#include <catch2/catch.hpp>

#include "hv/platform/memory_regions.hpp"

using sp::FirmwareMemoryType;
using sp::mm::MemoryKind;

namespace {
constexpr uint32_t t(FirmwareMemoryType type) { return static_cast<uint32_t>(type); }
}

TEST_CASE("After ExitBootServices, conventional and boot-services memory is free RAM", "[memory_regions]")
{
    CHECK(sp::memory_kind_of(t(FirmwareMemoryType::conventional)) == MemoryKind::usable);
    CHECK(sp::memory_kind_of(t(FirmwareMemoryType::boot_services_code)) == MemoryKind::usable);
    CHECK(sp::memory_kind_of(t(FirmwareMemoryType::boot_services_data)) == MemoryKind::usable);
}

TEST_CASE("Samepage's own allocations stay the hypervisor's; the firmware keeps its memory", "[memory_regions]")
{
    CHECK(sp::memory_kind_of(t(FirmwareMemoryType::loader_code)) == MemoryKind::hypervisor_image);
    CHECK(sp::memory_kind_of(t(FirmwareMemoryType::loader_data)) == MemoryKind::hypervisor_image);
    CHECK(sp::memory_kind_of(t(FirmwareMemoryType::runtime_services_data)) == MemoryKind::firmware_runtime);
    CHECK(sp::memory_kind_of(t(FirmwareMemoryType::acpi_reclaim)) == MemoryKind::acpi_reclaim);
    CHECK(sp::memory_kind_of(t(FirmwareMemoryType::acpi_nvs)) == MemoryKind::acpi_nvs);
    CHECK(sp::memory_kind_of(t(FirmwareMemoryType::mmio)) == MemoryKind::mmio);
    CHECK(sp::memory_kind_of(t(FirmwareMemoryType::reserved)) == MemoryKind::reserved);
    CHECK(sp::memory_kind_of(t(FirmwareMemoryType::unaccepted)) == MemoryKind::reserved);
    CHECK(sp::memory_kind_of(12345) == MemoryKind::reserved);
}

TEST_CASE("A firmware map converts entry by entry, or not at all when it does not fit", "[memory_regions]")
{
    const sp::FirmwareRegion map[] = {
        {0x0, 0xa0, t(FirmwareMemoryType::conventional), 0},
        {0x100000, 0x10, t(FirmwareMemoryType::loader_data), 0},
    };
    sp::mm::MemoryRegion out[2];
    REQUIRE(sp::to_memory_regions(map, 2, out, 2) == 2);
    CHECK(out[1].base == 0x100000);
    CHECK(out[1].pages == 0x10);
    CHECK(out[1].kind == MemoryKind::hypervisor_image);
    CHECK(sp::to_memory_regions(map, 2, out, 1) == 0);
}
