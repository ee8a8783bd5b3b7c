#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "hv/guest/test_guest_image.hpp"

namespace {
uint64_t word_at(const std::vector<uint8_t>& ram, uint64_t pa)
{
    uint64_t v;
    std::memcpy(&v, ram.data() + pa, 8);
    return v;
}
} // namespace

TEST_CASE("A test guest gets an identity map of the first 4 GiB with 2 MiB user pages, its parameters, its code at 1 MiB and a stack at the top", "[guest]")
{
    std::vector<uint8_t> ram(8u << 20, 0xcc);
    const uint8_t code[] = {0x90, 0x90, 0xf4};
    sp::TestGuestImage image{"t", code, sizeof code, 7};
    sp::TestGuestEntry entry{};
    REQUIRE(sp::load_test_guest(image, {42, 9}, 3, ram.data(), ram.size(), entry));
    CHECK(entry.rip == 0x100000);
    CHECK(entry.cr3 == 0x1000);
    CHECK(entry.rsp == (8u << 20) - 16);
    CHECK(std::memcmp(ram.data() + 0x100000, code, sizeof code) == 0);

    CHECK(word_at(ram, 0x1000) == (0x2000 | 0x7));
    CHECK(word_at(ram, 0x1008) == 0);
    for (int i = 0; i < 4; ++i) CHECK(word_at(ram, 0x2000 + 8 * i) == ((0x3000 + 0x1000u * i) | 0x7));
    CHECK(word_at(ram, 0x2000 + 8 * 4) == 0);
    // Every 2 MiB page of the first 4 GiB, RAM or not: a probe beyond RAM reaches the nested table.
    for (uint64_t i : {0ull, 1ull, 3ull, 4ull, 511ull, 512ull, 2047ull})
        CHECK(word_at(ram, 0x3000 + 8 * i) == ((i << 21) | 0x87));

    sp::TestGuestParams params;
    std::memcpy(&params, ram.data() + sp::test_guest_params, sizeof params);
    CHECK(params.magic == sp::test_guest_params_magic);
    CHECK(params.ram_bytes == (8u << 20));
    CHECK(params.mode == 7);
    CHECK(params.arg == 42);
    CHECK(params.vm_id == 3);
    CHECK(params.arg2 == 9);
}

TEST_CASE("A test guest that does not fit, or RAM under 2 MiB, is refused", "[guest]")
{
    std::vector<uint8_t> ram(2u << 20);
    std::vector<uint8_t> big(1u << 20 | 1);
    sp::TestGuestImage image{"big", big.data(), big.size()};
    sp::TestGuestEntry entry{};
    CHECK_FALSE(sp::load_test_guest(image, {}, 1, ram.data(), ram.size(), entry));
    const uint8_t code[] = {0xf4};
    sp::TestGuestImage small{"s", code, 1};
    CHECK_FALSE(sp::load_test_guest(small, {}, 1, ram.data(), 1u << 20, entry));
}

TEST_CASE("The layout leaves room: tables end before the parameters, the parameters before the code", "[guest]")
{
    constexpr uint64_t table_pages = 2 + (sp::test_guest_mapped_bytes >> 30);
    STATIC_REQUIRE(sp::test_guest_pml4 + table_pages * 4096 <= sp::test_guest_params);
    STATIC_REQUIRE(sp::test_guest_params + sizeof(sp::TestGuestParams) <= sp::test_guest_code);
}
