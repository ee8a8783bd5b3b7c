#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <string>

#include "hv/platform/acpi_rsdp.hpp"

namespace {
// Builds an ACPI 2.0 RSDP with correct checksums.
std::array<uint8_t, 36> make_rsdp()
{
    std::array<uint8_t, 36> b{};
    std::memcpy(b.data(), "RSD PTR ", 8);
    std::memcpy(b.data() + 9, "BOCHS ", 6);
    b[15] = 2;
    b[16] = 0x00; b[17] = 0x10; b[18] = 0xfe; b[19] = 0x7f; // RSDT 0x7ffe1000
    b[20] = 36;
    b[24] = 0x00; b[25] = 0x20; b[26] = 0xfe; b[27] = 0x7f; // XSDT 0x7ffe2000
    uint8_t sum = 0;
    for (int i = 0; i < 20; ++i) sum += b[i];
    b[8] = static_cast<uint8_t>(-sum);
    sum = 0;
    for (int i = 0; i < 36; ++i) sum += b[i];
    b[32] = static_cast<uint8_t>(-sum);
    return b;
}
} // namespace

TEST_CASE("A well-formed ACPI 2.0 RSDP is accepted with its tables", "[acpi]")
{
    auto b = make_rsdp();
    auto info = sp::parse_rsdp(b.data(), b.size());
    REQUIRE(info.valid);
    CHECK(info.revision == 2);
    CHECK(std::string(info.oem_id) == "BOCHS ");
    CHECK(info.rsdt == 0x7ffe1000);
    CHECK(info.xsdt == 0x7ffe2000);
}

TEST_CASE("A damaged RSDP is rejected with the reason", "[acpi]")
{
    auto b = make_rsdp();
    b[0] = 'X';
    CHECK(std::string(sp::parse_rsdp(b.data(), b.size()).problem) == "RSDP signature missing");
    b = make_rsdp();
    b[16] ^= 1;
    CHECK(std::string(sp::parse_rsdp(b.data(), b.size()).problem) == "RSDP checksum wrong");
    b = make_rsdp();
    b[30] ^= 1;
    CHECK(std::string(sp::parse_rsdp(b.data(), b.size()).problem) == "extended RSDP checksum wrong");
    CHECK(std::string(sp::parse_rsdp(b.data(), 10).problem) == "RSDP truncated");
    CHECK_FALSE(sp::parse_rsdp(nullptr, 0).valid);
}
