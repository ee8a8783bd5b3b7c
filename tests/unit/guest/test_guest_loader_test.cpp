#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "hv/guest/test_guest_image.hpp"

namespace {
// Guest RAM as one flat vector (page i of the guest is host page i).
struct FlatRam final : sp::GuestRamWriter {
    std::vector<uint8_t>& ram;
    explicit FlatRam(std::vector<uint8_t>& r) : ram(r) {}
    uint8_t* writable_page(uint64_t gpa) override
    {
        return gpa < ram.size() ? ram.data() + (gpa & ~(kPage - 1)) : nullptr;
    }
};

// Guest pages scattered in host memory in reverse order, as sharing leaves them; some refused.
struct ScatteredRam final : sp::GuestRamWriter {
    std::vector<uint8_t> host;
    uint64_t pages;
    uint64_t refuse_from = ~0ull;
    explicit ScatteredRam(uint64_t bytes) : host(bytes, 0xcc), pages(bytes / kPage) {}
    uint8_t* writable_page(uint64_t gpa) override
    {
        uint64_t i = gpa / kPage;
        if (i >= pages || gpa >= refuse_from) return nullptr;
        return host.data() + (pages - 1 - i) * kPage;
    }
    uint8_t* guest(uint64_t gpa) { return writable_page(gpa) + gpa % kPage; }
};

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
    FlatRam writer(ram);
    REQUIRE(sp::load_test_guest(image, {42, 9}, 3, writer, ram.size(), entry) == nullptr);
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
    FlatRam writer(ram);
    CHECK(sp::load_test_guest(image, {}, 1, writer, ram.size(), entry) != nullptr);
    const uint8_t code[] = {0xf4};
    sp::TestGuestImage small{"s", code, 1};
    CHECK(sp::load_test_guest(small, {}, 1, writer, 1u << 20, entry) != nullptr);
}

TEST_CASE("The layout leaves room: tables end before the parameters, the parameters before the code", "[guest]")
{
    constexpr uint64_t table_pages = 2 + (sp::test_guest_mapped_bytes >> 30);
    STATIC_REQUIRE(sp::test_guest_pml4 + table_pages * 4096 <= sp::test_guest_params);
    STATIC_REQUIRE(sp::test_guest_params + sizeof(sp::TestGuestParams) <= sp::test_guest_code);
}

TEST_CASE("The loader writes page by page: RAM scattered in host memory gets the same contents", "[guest]")
{
    std::vector<uint8_t> flat(4u << 20, 0xcc);
    ScatteredRam scattered(4u << 20);
    std::vector<uint8_t> code(9000);
    for (size_t i = 0; i < code.size(); ++i) code[i] = static_cast<uint8_t>(i * 7 + 1);
    sp::TestGuestImage image{"t", code.data(), code.size(), 2};
    sp::TestGuestEntry a{}, b{};
    FlatRam writer(flat);
    REQUIRE(sp::load_test_guest(image, {1, 2}, 5, writer, flat.size(), a) == nullptr);
    REQUIRE(sp::load_test_guest(image, {1, 2}, 5, scattered, flat.size(), b) == nullptr);
    CHECK(a.rip == b.rip);
    for (uint64_t gpa = 0; gpa < flat.size(); gpa += 4096)
        REQUIRE(std::memcmp(flat.data() + gpa, scattered.guest(gpa), 4096) == 0);
}

TEST_CASE("A refused page (no memory) fails the load with a reason", "[guest]")
{
    ScatteredRam ram(4u << 20);
    const uint8_t code[] = {0xf4};
    sp::TestGuestImage image{"t", code, 1};
    sp::TestGuestEntry entry{};
    ram.refuse_from = sp::test_guest_code;
    const char* why = sp::load_test_guest(image, {}, 1, ram, 4u << 20, entry);
    REQUIRE(why != nullptr);
    CHECK(std::strstr(why, "no memory") != nullptr);
    ram.refuse_from = sp::test_guest_pml4 + 0x2000;
    why = sp::load_test_guest(image, {}, 1, ram, 4u << 20, entry);
    REQUIRE(why != nullptr);
    CHECK(std::strstr(why, "page tables") != nullptr);
}
