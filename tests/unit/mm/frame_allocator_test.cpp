#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "mm/frame_allocator.hpp"
#include "mm_test_support.hpp"

using namespace sp::mm;

namespace {

constexpr uint64_t MiB = 1ull << 20;
constexpr uint64_t GiB = 1ull << 30;

struct Built {
    std::vector<uint64_t> storage;
    FrameAllocator allocator;
    MemoryMapReport report;
    MmError error = MmError::ok;
};

void build(Built& b, const std::vector<MemoryRegion>& map)
{
    Result<FrameAllocatorLayout> plan = FrameAllocator::plan(map.data(), map.size());
    if (!plan.ok()) {
        b.error = plan.error;
        b.report = scan_memory_map(map.data(), map.size());
        return;
    }
    b.storage.assign(plan.value.metadata_bytes / 8 + 1, 0);
    b.error = b.allocator.init(map.data(), map.size(), b.storage.data(), b.storage.size() * 8, &b.report);
}

void require_sound(const FrameAllocator& a)
{
    const char* why = a.check_invariants();
    INFO((why ? why : "ok"));
    REQUIRE(why == nullptr);
}

// Everything a failed call must leave as it was.
struct Snapshot {
    FrameStats stats;
    std::vector<uint16_t> owners;
    bool operator==(const Snapshot& o) const
    {
        return std::memcmp(&stats, &o.stats, sizeof stats) == 0 && owners == o.owners;
    }
};

Snapshot snapshot(const FrameAllocator& a, uint64_t base, uint64_t pages)
{
    Snapshot s;
    s.stats = a.stats();
    for (uint64_t i = 0; i < pages; ++i) s.owners.push_back(a.owner_of(base + i * kPageSize).raw());
    return s;
}

} // namespace

SCENARIO("the allocator is built from a memory map", "[mm][frames]")
{
    GIVEN("one usable region of 64 MiB at 1 MiB above a reserved first MiB")
    {
        Built b;
        build(b, {{0, 256, MemoryKind::reserved}, {MiB, 64 * MiB / kPageSize, MemoryKind::usable}});
        REQUIRE(b.error == MmError::ok);
        THEN("every usable frame is free, the rest reserved, and the counts add up")
        {
            FrameStats s = b.allocator.stats();
            CHECK(s.free_frames == 64 * MiB / kPageSize);
            CHECK(s.reserved_frames == 256);
            CHECK(s.managed_frames == s.free_frames);
            CHECK(b.allocator.owner_of(0) == Owner::reserved());
            CHECK(b.allocator.owner_of(MiB) == Owner::free());
            CHECK(b.allocator.owner_of(65 * MiB) == Owner::reserved()); // past the span
            require_sound(b.allocator);
        }
        THEN("metadata stays below 4.5 bytes per frame")
        {
            const FrameAllocatorLayout& l = b.allocator.layout();
            CHECK(l.metadata_bytes * 100 / l.frames < 450);
        }
        THEN("min_free follows ESX's sliding scale (6% of the first 4 GiB)")
        {
            CHECK(b.allocator.stats().min_free_frames == 64 * MiB / kPageSize * 6 / 100);
        }
    }

    GIVEN("an unsorted map with overlapping and zero-length entries")
    {
        std::vector<MemoryRegion> map = {
            {16 * MiB, 4096, MemoryKind::usable},               // 16..32 MiB
            {0, 0, MemoryKind::usable},                         // zero length
            {MiB, 3840, MemoryKind::usable},                    // 1..16 MiB
            {20 * MiB, 16, MemoryKind::acpi_nvs},               // inside usable: ACPI wins
            {8 * MiB, 512, MemoryKind::hypervisor_image},       // inside usable: hypervisor wins
            {30 * MiB, 1024, MemoryKind::usable},               // overlaps the first, runs on to 34 MiB
            {4 * GiB, 1024, MemoryKind::mmio},                  // MMIO: outside the span
        };
        Built b;
        build(b, map);
        REQUIRE(b.error == MmError::ok);
        THEN("the report names the repairs and the more restrictive kind wins")
        {
            CHECK(b.report.zero_length == 1);
            CHECK(b.report.overlaps == 3);
            CHECK(b.report.unsorted >= 1);
            CHECK(b.allocator.owner_of(20 * MiB) == Owner::reserved());
            CHECK(b.allocator.owner_of(20 * MiB + 15 * kPageSize) == Owner::reserved());
            CHECK(b.allocator.owner_of(20 * MiB + 16 * kPageSize) == Owner::free());
            CHECK(b.allocator.owner_of(8 * MiB) == Owner::hypervisor());
            CHECK(b.allocator.count(Owner::hypervisor()) == 512);
            CHECK(b.allocator.free_frames() == (34 * MiB - MiB) / kPageSize - 512 - 16);
            CHECK(b.allocator.layout().frames == 34 * MiB / kPageSize);
            require_sound(b.allocator);
        }
        THEN("the hypervisor image can be freed into the pool later")
        {
            REQUIRE(b.allocator.free(8 * MiB, 0, Owner::hypervisor()) == MmError::ok);
            CHECK(b.allocator.owner_of(8 * MiB) == Owner::free());
            require_sound(b.allocator);
        }
    }

    GIVEN("broken entries")
    {
        Built unaligned, wraps, empty;
        build(unaligned, {{MiB + 123, 16, MemoryKind::usable}});
        build(wraps, {{~0ull - 0xfff, 16, MemoryKind::usable}});
        build(empty, {{0, 0, MemoryKind::usable}});
        THEN("the map is refused with a clear error naming the entry")
        {
            CHECK(unaligned.error == MmError::unaligned);
            CHECK(unaligned.report.bad_entry == 0);
            CHECK(wraps.error == MmError::overflow);
            CHECK(empty.error == MmError::invalid_argument);
            CHECK(std::string(to_string(MmError::overflow)) == "overflow");
        }
    }

    GIVEN("too little storage for the metadata")
    {
        std::vector<MemoryRegion> map = {{MiB, 1024, MemoryKind::usable}};
        std::vector<uint64_t> storage(4);
        FrameAllocator a;
        THEN("init refuses") { CHECK(a.init(map.data(), map.size(), storage.data(), 32) == MmError::capacity); }
    }
}

SCENARIO("blocks of 4 KiB, 2 MiB and 1 GiB are naturally aligned and coalesce when freed", "[mm][frames]")
{
    GIVEN("2 GiB of usable memory starting at 1 MiB")
    {
        Built b;
        build(b, {{MiB, (2 * GiB - MiB) / kPageSize, MemoryKind::usable}});
        REQUIRE(b.error == MmError::ok);
        FrameAllocator& a = b.allocator;
        const FrameStats before = a.stats();
        WHEN("one block of each size is allocated to different owners")
        {
            Result<uint64_t> small = a.alloc(kOrder4K, Owner::vm(0));
            Result<uint64_t> mid = a.alloc(kOrder2M, Owner::vm(1));
            Result<uint64_t> big = a.alloc(kOrder1G, Owner::shared());
            REQUIRE(small.ok());
            REQUIRE(mid.ok());
            REQUIRE(big.ok());
            require_sound(a);
            THEN("each is aligned to its size and owned and counted")
            {
                CHECK(small.value % kPageSize == 0);
                CHECK(mid.value % (2 * MiB) == 0);
                CHECK(big.value % GiB == 0);
                CHECK(a.owner_of(mid.value + 100 * kPageSize) == Owner::vm(1));
                CHECK(a.owner_of(big.value + 12345 * kPageSize) == Owner::shared());
                CHECK(a.count(Owner::vm(0)) == 1);
                CHECK(a.count(Owner::vm(1)) == 512);
                CHECK(a.count(Owner::shared()) == 262144);
                CHECK(a.free_frames() == before.free_frames - 1 - 512 - 262144);
            }
            AND_WHEN("all are freed")
            {
                REQUIRE(a.free(small.value, kOrder4K, Owner::vm(0)) == MmError::ok);
                REQUIRE(a.free(mid.value, kOrder2M, Owner::vm(1)) == MmError::ok);
                REQUIRE(a.free(big.value, kOrder1G, Owner::shared()) == MmError::ok);
                THEN("the free blocks are exactly those of the start: buddies coalesced")
                {
                    FrameStats after = a.stats();
                    CHECK(std::memcmp(after.free_blocks, before.free_blocks, sizeof after.free_blocks) == 0);
                    CHECK(after.free_frames == before.free_frames);
                    require_sound(a);
                }
            }
        }
        WHEN("a single 4 KiB frame of a 2 MiB guest block is freed (page sharing)")
        {
            Result<uint64_t> block = a.alloc(kOrder2M, Owner::vm(3));
            REQUIRE(block.ok());
            REQUIRE(a.free(block.value + 7 * kPageSize, kOrder4K, Owner::vm(3)) == MmError::ok);
            THEN("only that frame becomes free, the other 511 stay with the VM")
            {
                CHECK(a.owner_of(block.value + 7 * kPageSize) == Owner::free());
                CHECK(a.owner_of(block.value + 6 * kPageSize) == Owner::vm(3));
                CHECK(a.owner_of(block.value + 8 * kPageSize) == Owner::vm(3));
                CHECK(a.count(Owner::vm(3)) == 511);
                require_sound(a);
            }
        }
        WHEN("a frame is handed from a VM to the shared pool")
        {
            Result<uint64_t> block = a.alloc(kOrder2M, Owner::vm(2));
            REQUIRE(block.ok());
            REQUIRE(a.transfer(block.value + kPageSize, kOrder4K, Owner::vm(2), Owner::shared()) == MmError::ok);
            THEN("the owner and both counts change")
            {
                CHECK(a.owner_of(block.value + kPageSize) == Owner::shared());
                CHECK(a.count(Owner::shared()) == 1);
                CHECK(a.count(Owner::vm(2)) == 511);
                require_sound(a);
            }
        }
    }
}

SCENARIO("bad frees and bad reservations are refused without any change", "[mm][frames]")
{
    GIVEN("an allocator with a few blocks handed out")
    {
        Built b;
        build(b, {{0, 256, MemoryKind::firmware_runtime}, {MiB, 16 * MiB / kPageSize, MemoryKind::usable}});
        REQUIRE(b.error == MmError::ok);
        FrameAllocator& a = b.allocator;
        Result<uint64_t> page = a.alloc(kOrder4K, Owner::hypervisor());
        Result<uint64_t> block = a.alloc(kOrder2M, Owner::vm(0));
        REQUIRE(page.ok());
        REQUIRE(block.ok());
        REQUIRE(a.free(page.value, kOrder4K, Owner::hypervisor()) == MmError::ok);
        // A 2 MiB allocation at a 4 MiB boundary, with its buddy free.
        Result<uint64_t> pair = a.alloc(10, Owner::vm(0));
        REQUIRE(pair.ok());
        REQUIRE(a.free(pair.value + 2 * MiB, kOrder2M, Owner::vm(0)) == MmError::ok);
        const uint64_t frames = a.layout().frames;
        const Snapshot before = snapshot(a, 0, frames);

        struct Case { const char* what; MmError got; MmError expected; };
        uint64_t never = block.value + 4 * MiB; // free, never handed out
        Case cases[] = {
            {"freeing a frame twice", a.free(page.value, kOrder4K, Owner::hypervisor()), MmError::not_allocated},
            {"freeing a frame never allocated", a.free(never, kOrder4K, Owner::vm(0)), MmError::not_allocated},
            {"freeing firmware memory", a.free(0x1000, kOrder4K, Owner::hypervisor()), MmError::not_managed},
            {"freeing beyond the span", a.free(64 * GiB, kOrder4K, Owner::vm(0)), MmError::not_managed},
            {"freeing an unaligned block", a.free(block.value + kPageSize, kOrder2M, Owner::vm(0)), MmError::unaligned},
            {"freeing with the wrong owner", a.free(block.value, kOrder2M, Owner::vm(1)), MmError::wrong_owner},
            {"freeing more than was allocated", a.free(pair.value, 10, Owner::vm(0)), MmError::wrong_size},
            {"freeing as the free owner", a.free(block.value, kOrder2M, Owner::free()), MmError::invalid_argument},
            {"an order above 1 GiB", a.free(0, 19, Owner::vm(0)), MmError::invalid_argument},
            {"allocating for the reserved owner", a.alloc(0, Owner::reserved()).error, MmError::invalid_argument},
            {"allocating more than exists", a.alloc(kOrder1G, Owner::vm(0)).error, MmError::no_memory},
            {"reserving a range in use", a.reserve(block.value - kPageSize, 4, Owner::hypervisor()), MmError::busy},
            {"reserving firmware memory", a.reserve(0, 2, Owner::hypervisor()), MmError::not_managed},
            {"reserving an unaligned range", a.reserve(MiB + 5, 2, Owner::hypervisor()), MmError::unaligned},
            {"reserving a range that wraps", a.reserve(~0ull - 0xfff, 2, Owner::hypervisor()), MmError::overflow},
            {"transferring a free frame", a.transfer(never, 0, Owner::vm(0), Owner::shared()), MmError::not_allocated},
        };
        for (const Case& c : cases) {
            WHEN(c.what)
            {
                THEN(std::string("the result is ") + to_string(c.expected) + " and nothing changed")
                {
                    CHECK(c.got == c.expected);
                    CHECK(snapshot(a, 0, frames) == before);
                    require_sound(a);
                }
            }
        }
    }
}

SCENARIO("boot reserves the ranges the hypervisor already uses", "[mm][frames]")
{
    GIVEN("64 MiB of usable memory")
    {
        Built b;
        build(b, {{MiB, 64 * MiB / kPageSize, MemoryKind::usable}});
        REQUIRE(b.error == MmError::ok);
        FrameAllocator& a = b.allocator;
        WHEN("an odd-sized, odd-aligned range is reserved for the hypervisor")
        {
            REQUIRE(a.reserve(3 * MiB + 5 * kPageSize, 1000, Owner::hypervisor()) == MmError::ok);
            THEN("exactly those frames belong to the hypervisor")
            {
                CHECK(a.count(Owner::hypervisor()) == 1000);
                CHECK(a.owner_of(3 * MiB + 4 * kPageSize) == Owner::free());
                CHECK(a.owner_of(3 * MiB + 5 * kPageSize) == Owner::hypervisor());
                CHECK(a.owner_of(3 * MiB + 1004 * kPageSize) == Owner::hypervisor());
                CHECK(a.owner_of(3 * MiB + 1005 * kPageSize) == Owner::free());
                require_sound(a);
            }
            THEN("allocations never hand them out again")
            {
                while (true) {
                    Result<uint64_t> r = a.alloc(0, Owner::vm(0));
                    if (!r.ok()) {
                        CHECK(r.error == MmError::no_memory);
                        break;
                    }
                    REQUIRE(a.owner_of(r.value) == Owner::vm(0));
                }
                CHECK(a.count(Owner::vm(0)) + 1000 == 64 * MiB / kPageSize);
                CHECK(a.pressure() == PressureState::low);
                require_sound(a);
            }
        }
    }
}

SCENARIO("memory pressure follows ESX's states with hysteresis", "[mm][frames][pressure]")
{
    GIVEN("a tracker with min_free = 1000 pages and a margin of 50")
    {
        PressureTracker t;
        t.configure(1000, 50);
        THEN("falling free memory worsens the state at each threshold")
        {
            CHECK(t.update(4000) == PressureState::high);
            CHECK(t.update(3999) == PressureState::clear);
            CHECK(t.update(1000) == PressureState::clear);
            CHECK(t.update(999) == PressureState::soft);
            CHECK(t.update(640) == PressureState::soft);
            CHECK(t.update(639) == PressureState::hard);
            CHECK(t.update(320) == PressureState::hard);
            CHECK(t.update(319) == PressureState::low);
            CHECK(t.update(0) == PressureState::low);
        }
        WHEN("free memory climbs back")
        {
            t.update(100);
            THEN("a better state needs its threshold plus the margin")
            {
                CHECK(t.update(320) == PressureState::low);
                CHECK(t.update(369) == PressureState::low);
                CHECK(t.update(370) == PressureState::hard);
                CHECK(t.update(1049) == PressureState::soft);
                CHECK(t.update(1050) == PressureState::clear);
                CHECK(t.update(4049) == PressureState::clear);
                CHECK(t.update(5000) == PressureState::high);
                CHECK(t.update(3990) == PressureState::clear); // and down again at once
            }
        }
    }
    GIVEN("ESX's sliding scale for min_free")
    {
        constexpr uint64_t g = GiB / kPageSize;
        THEN("6%, 4%, 2% and 1% bands add up")
        {
            CHECK(default_min_free_pages(4 * g) == 4 * g * 6 / 100);
            CHECK(default_min_free_pages(12 * g) == 4 * g * 6 / 100 + 8 * g * 4 / 100);
            CHECK(default_min_free_pages(128 * g) ==
                  4 * g * 6 / 100 + 8 * g * 4 / 100 + 16 * g * 2 / 100 + 100 * g / 100);
        }
    }
    GIVEN("an allocator with min_free set to 1/8 of its memory")
    {
        Built b;
        build(b, {{MiB, 8192, MemoryKind::usable}});
        FrameAllocator& a = b.allocator;
        a.set_min_free(1024, 0);
        THEN("allocating and freeing moves the state")
        {
            CHECK(a.pressure() == PressureState::high);
            std::vector<uint64_t> held;
            while (a.free_frames() >= 1024) held.push_back(a.alloc(0, Owner::vm(0)).value);
            CHECK(a.pressure() == PressureState::soft);
            while (a.free_frames() > 0) held.push_back(a.alloc(0, Owner::vm(0)).value);
            CHECK(a.pressure() == PressureState::low);
            for (uint64_t pa : held) REQUIRE(a.free(pa, 0, Owner::vm(0)) == MmError::ok);
            CHECK(a.pressure() == PressureState::high);
            require_sound(a);
        }
    }
}

namespace {

// Random alloc/free/transfer/partial-free against a model of who holds each frame.
void run_random_allocator(uint32_t seed, int steps)
{
    std::mt19937_64 rng(seed);
    Built b;
    build(b, {{0, 16, MemoryKind::reserved},
              {16 * kPageSize, (8 * MiB - 16 * kPageSize) / kPageSize, MemoryKind::usable},
              {3 * MiB, 7, MemoryKind::acpi_reclaim},
              {6 * MiB, 4, MemoryKind::hypervisor_image}});
    REQUIRE(b.error == MmError::ok);
    FrameAllocator& a = b.allocator;
    const uint64_t frames = a.layout().frames;
    std::vector<uint16_t> model(frames);
    for (uint64_t f = 0; f < frames; ++f) model[f] = a.owner_of(f * kPageSize).raw();
    struct Held { uint64_t pa; unsigned order; Owner owner; };
    std::vector<Held> held;
    for (int step = 0; step < steps; ++step) {
        unsigned op = rng() % 10;
        if (op < 5 || held.empty()) {
            unsigned order = std::vector<unsigned>{0, 0, 0, 1, 3, 9, 9, 10}[rng() % 8];
            Owner owner = rng() % 3 ? Owner::vm(static_cast<uint32_t>(rng() % 4)) : Owner::hypervisor();
            uint64_t free_before = a.free_frames();
            Result<uint64_t> r = a.alloc(order, owner);
            if (r.ok()) {
                REQUIRE(r.value % (kPageSize << order) == 0);
                for (uint64_t i = 0; i < (1ull << order); ++i) {
                    REQUIRE(model[r.value / kPageSize + i] == Owner::kFree);
                    model[r.value / kPageSize + i] = owner.raw();
                }
                held.push_back({r.value, order, owner});
            } else {
                REQUIRE(r.error == MmError::no_memory);
                REQUIRE(a.free_frames() == free_before);
            }
        } else {
            size_t i = rng() % held.size();
            Held h = held[i];
            held.erase(held.begin() + static_cast<long>(i));
            if (h.order > 0 && rng() % 3 == 0) { // give back one piece, keep the rest
                unsigned piece = static_cast<unsigned>(rng() % h.order);
                uint64_t count = 1ull << (h.order - piece);
                uint64_t which = rng() % count;
                for (uint64_t k = 0; k < count; ++k)
                    held.push_back({h.pa + (k << (piece + kPageShift)), piece, h.owner});
                Held& part = held[held.size() - count + which];
                if (rng() % 2) {
                    REQUIRE(a.transfer(part.pa, piece, h.owner, Owner::shared()) == MmError::ok);
                    for (uint64_t f = 0; f < (1ull << piece); ++f) model[part.pa / kPageSize + f] = Owner::kShared;
                    part.owner = Owner::shared();
                    continue;
                }
                h = part;
                held.erase(held.begin() + static_cast<long>(held.size() - count + which));
            }
            REQUIRE(a.free(h.pa, h.order, Owner::vm(999)) == MmError::wrong_owner);
            REQUIRE(a.free(h.pa, h.order, h.owner) == MmError::ok);
            REQUIRE(a.free(h.pa, h.order, h.owner) == MmError::not_allocated);
            for (uint64_t f = 0; f < (1ull << h.order); ++f) model[h.pa / kPageSize + f] = Owner::kFree;
        }
        require_sound(a);
        if (step % 16 == 0)
            for (uint64_t f = 0; f < frames; ++f) REQUIRE(a.owner_of(f * kPageSize).raw() == model[f]);
    }
    for (const Held& h : held) REQUIRE(a.free(h.pa, h.order, h.owner) == MmError::ok);
    require_sound(a);
}

} // namespace

SCENARIO("random allocation sequences keep every frame with exactly one owner", "[mm][frames][random]")
{
    GIVEN("200 seeded sequences of 200 steps")
    {
        THEN("the allocator agrees with a per-frame model after every step")
        {
            for (uint32_t seed = 1; seed <= 200; ++seed) {
                INFO("seed " << seed);
                run_random_allocator(seed, 200);
            }
        }
    }
}

SCENARIO("random allocation sequences, long run", "[mm][frames][random][long]")
{
    for (uint32_t seed = 1000; seed < 3000; ++seed) {
        INFO("seed " << seed);
        run_random_allocator(seed, 1000);
    }
}
