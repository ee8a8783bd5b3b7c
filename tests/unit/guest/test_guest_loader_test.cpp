#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "hv/guest/test_guest_image.hpp"

TEST_CASE("A test guest gets an identity map of its first GiB with 2 MiB pages, its code at 1 MiB and a stack at the top", "[guest]")
{
    std::vector<uint8_t> ram(8u << 20, 0xcc);
    const uint8_t code[] = {0x90, 0x90, 0xf4};
    sp::TestGuestImage image{"t", code, sizeof code};
    sp::TestGuestEntry entry{};
    REQUIRE(sp::load_test_guest(image, ram.data(), ram.size(), entry));
    CHECK(entry.rip == 0x100000);
    CHECK(entry.cr3 == 0x1000);
    CHECK(entry.rsp == (8u << 20) - 16);
    CHECK(std::memcmp(ram.data() + 0x100000, code, sizeof code) == 0);

    auto entry_at = [&](uint64_t pa) { uint64_t v; std::memcpy(&v, ram.data() + pa, 8); return v; };
    CHECK(entry_at(0x1000) == (0x2000 | 0x3));
    CHECK(entry_at(0x2000) == (0x3000 | 0x3));
    for (int i = 0; i < 4; ++i) CHECK(entry_at(0x3000 + 8 * i) == ((uint64_t(i) << 21) | 0x83));
    CHECK(entry_at(0x3000 + 8 * 4) == 0); // beyond RAM: not present
    CHECK(entry_at(0x1008) == 0);
}

TEST_CASE("A test guest that does not fit, or RAM under 2 MiB, is refused", "[guest]")
{
    std::vector<uint8_t> ram(2u << 20);
    std::vector<uint8_t> big(1u << 20 | 1);
    sp::TestGuestImage image{"big", big.data(), big.size()};
    sp::TestGuestEntry entry{};
    CHECK_FALSE(sp::load_test_guest(image, ram.data(), ram.size(), entry));
    const uint8_t code[] = {0xf4};
    sp::TestGuestImage small{"s", code, 1};
    CHECK_FALSE(sp::load_test_guest(small, ram.data(), 1u << 20, entry));
}
