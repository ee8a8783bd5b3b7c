#include <catch2/catch.hpp>

#include "hv/platform/firmware_memory.hpp"

using sp::FirmwareMemoryType;

namespace {
constexpr uint32_t t(FirmwareMemoryType type) { return static_cast<uint32_t>(type); }
}

TEST_CASE("Given a UEFI memory map, the summary adds pages up by type", "[firmware_memory]")
{
    const sp::FirmwareRegion map[] = {
        {0x0, 0x9f, t(FirmwareMemoryType::conventional), 0xf},
        {0x100000, 0x700, t(FirmwareMemoryType::conventional), 0xf},
        {0x800000, 0x10, t(FirmwareMemoryType::acpi_nvs), 0xf},
        {0x900000, 0x200, t(FirmwareMemoryType::boot_services_data), 0xf},
        {0xa00000, 0x40, t(FirmwareMemoryType::loader_code), 0xf},
        {0xb00000, 0x8, t(FirmwareMemoryType::runtime_services_data), 0x800000000000000f},
        {0xffc00000, 0x400, t(FirmwareMemoryType::mmio), 0x8000000000000001},
        {0xc00000, 0x1, 99, 0},
    };
    auto s = sp::summarize_firmware_memory(map, 8);
    CHECK(s.regions == 8);
    CHECK(s.pages_by_type[t(FirmwareMemoryType::conventional)] == 0x9f + 0x700);
    CHECK(s.regions_by_type[t(FirmwareMemoryType::conventional)] == 2);
    CHECK(s.usable_pages == 0x9f + 0x700 + 0x200);
    CHECK(s.total_pages == 0x9f + 0x700 + 0x10 + 0x200 + 0x40 + 0x8 + 0x1); // MMIO is not RAM
    const sp::FirmwareRegion ecam[] = {{0xe0000000, 0x10000, t(FirmwareMemoryType::reserved), 0}};
    CHECK(sp::summarize_firmware_memory(ecam, 1).total_pages == 0);
    CHECK(s.pages_by_type[sp::FirmwareMemorySummary::other_type] == 1);
    CHECK(s.highest_address == 0xc01000);
}

TEST_CASE("Memory type names follow the UEFI specification", "[firmware_memory]")
{
    CHECK(std::string(sp::firmware_memory_type_name(7)) == "conventional");
    CHECK(std::string(sp::firmware_memory_type_name(4)) == "boot-services-data");
    CHECK(std::string(sp::firmware_memory_type_name(1000)) == "other");
    CHECK(sp::usable_after_exit_boot_services(t(FirmwareMemoryType::boot_services_code)));
    CHECK_FALSE(sp::usable_after_exit_boot_services(t(FirmwareMemoryType::loader_data)));
    CHECK_FALSE(sp::usable_after_exit_boot_services(t(FirmwareMemoryType::runtime_services_code)));
}
