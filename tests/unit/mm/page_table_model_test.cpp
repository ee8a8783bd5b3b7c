// Randomized model test: seeded sequences of map / unmap / protect / split / merge / remap /
// translate, compared after every step with a reference model (guest range -> frame, attributes).
#include <catch2/catch.hpp>

#include <iterator>
#include <map>
#include <random>
#include <sstream>

#include "page_table_fixture.hpp"

using namespace sp::mm;
using namespace sp::mm::test;

namespace {

constexpr uint64_t KiB4 = 4096, MiB2 = 2ull << 20, GiB = 1ull << 30;
constexpr uint64_t kWindow = 4 * GiB; // guest addresses the sequences use

struct Extent {
    uint64_t len;
    uint64_t pa;
    Attributes attrs;
};
using Model = std::map<uint64_t, Extent>; // start -> extent, non-overlapping

struct Run {
    uint64_t va, len, pa;
    Attributes attrs;
    bool operator==(const Run& o) const { return va == o.va && len == o.len && pa == o.pa && attrs == o.attrs; }
};

// Splits the extent that straddles `at`, so `at` is an extent boundary.
void carve(Model& m, uint64_t at)
{
    auto it = m.upper_bound(at);
    if (it == m.begin()) return;
    --it;
    uint64_t start = it->first;
    Extent e = it->second;
    if (start >= at || start + e.len <= at) return;
    it->second.len = at - start;
    m[at] = Extent{start + e.len - at, e.pa + (at - start), e.attrs};
}

std::vector<Run> pieces(const Model& m, uint64_t va, uint64_t end)
{
    std::vector<Run> out;
    auto it = m.upper_bound(va);
    if (it != m.begin()) --it;
    for (; it != m.end() && it->first < end; ++it) {
        uint64_t s = std::max(it->first, va), e = std::min(it->first + it->second.len, end);
        if (s < e) out.push_back({s, e - s, it->second.pa + (s - it->first), it->second.attrs});
    }
    return out;
}

uint64_t covered(const Model& m, uint64_t va, uint64_t end)
{
    uint64_t n = 0;
    for (const Run& r : pieces(m, va, end)) n += r.len;
    return n;
}

// Appends r, joining it to the last run when it continues it (same attributes, contiguous).
void append(std::vector<Run>& out, const Run& r)
{
    if (!out.empty()) {
        Run& last = out.back();
        if (last.va + last.len == r.va && last.pa + last.len == r.pa && last.attrs == r.attrs) {
            last.len += r.len;
            return;
        }
    }
    out.push_back(r);
}

std::vector<Run> canonical(const std::vector<Run>& runs)
{
    std::vector<Run> out;
    for (const Run& r : runs) append(out, r);
    return out;
}

template <typename Format>
struct ModelRun {
    TableFixture<Format>& f;
    std::mt19937_64 rng;
    Model model;
    std::ostringstream log;

    uint64_t pick(uint64_t n) { return n ? rng() % n : 0; }

    Access random_access()
    {
        // Execute-only exists only in EPT; write without read in none.
        static const Access host[] = {Access::r, Access::rw, Access::rx, Access::rwx};
        static const Access ept[] = {Access::r, Access::rw, Access::rx, Access::rwx, Access::x};
        if constexpr (std::is_same_v<Format, EptFormat<4>>) return ept[pick(5)];
        return host[pick(4)];
    }
    Attributes random_attrs() { return {random_access(), pick(4) ? MemoryType::write_back : MemoryType::uncacheable, false}; }

    // A mapped address chosen uniformly among extents, or ~0 when nothing is mapped.
    uint64_t random_mapped()
    {
        if (model.empty()) return ~0ull;
        auto it = std::next(model.begin(), static_cast<long>(pick(model.size())));
        return it->first + pick(it->second.len / KiB4) * KiB4;
    }

    void require_flushed(const std::vector<Run>& removed, size_t from)
    {
        for (const Run& r : removed) {
            INFO("no flush for " << std::hex << r.va << "+" << r.len);
            REQUIRE(f.flushed(r.va, r.len, from));
        }
    }

    void step()
    {
        const size_t flushes_before = f.tlb.requests.size();
        unsigned op = static_cast<unsigned>(pick(100));
        if (op < 30) { // map
            uint64_t va, len, pa;
            unsigned shape = static_cast<unsigned>(pick(20));
            if (shape < 12) {
                va = pick(kWindow / KiB4) * KiB4;
                len = (1 + pick(64)) * KiB4;
                pa = pick(1ull << 24) * KiB4;
            } else if (shape < 19) {
                va = pick(kWindow / MiB2) * MiB2 + (pick(3) == 0 ? pick(512) * KiB4 : 0);
                len = (1 + pick(3)) * MiB2 + (pick(2) ? pick(512) * KiB4 : 0);
                pa = pick(1ull << 15) * MiB2;
            } else {
                va = pick(kWindow / GiB) * GiB;
                len = GiB;
                pa = pick(64) * GiB;
            }
            if (va + len > kWindow) len = kWindow - va;
            Attributes a = random_attrs();
            PageSize cap = static_cast<PageSize>(pick(4) == 0 ? pick(3) : 2);
            if (len > 16 * MiB2 && cap == PageSize::size_4k) cap = PageSize::size_2m; // keep walks short
            log << "map " << std::hex << va << "+" << len << "->" << pa << " cap " << int(cap) << "\n";
            MmError expected = covered(model, va, va + len) ? MmError::already_mapped : MmError::ok;
            REQUIRE(f.table.map(va, pa, len, a, cap) == expected);
            if (expected == MmError::ok) model[va] = Extent{len, pa, a};
            REQUIRE(f.tlb.requests.size() == flushes_before); // filling holes needs no flush
        } else if (op < 45) { // unmap
            uint64_t va = pick(2) ? random_mapped() : pick(kWindow / KiB4) * KiB4;
            if (va == ~0ull) return;
            va -= std::min(va, pick(3) * KiB4);
            uint64_t len = (1 + pick(4) == 1 ? pick(600) : pick(3)) * KiB4 + (pick(4) == 0 ? MiB2 : KiB4);
            if (va + len > kWindow) len = kWindow - va;
            log << "unmap " << std::hex << va << "+" << len << "\n";
            std::vector<Run> removed = pieces(model, va, va + len);
            REQUIRE(f.table.unmap(va, len) == MmError::ok);
            carve(model, va);
            carve(model, va + len);
            model.erase(model.lower_bound(va), model.lower_bound(va + len));
            require_flushed(removed, flushes_before);
        } else if (op < 60) { // protect
            uint64_t va = random_mapped();
            if (va == ~0ull) return;
            uint64_t len = (1 + pick(pick(2) ? 8 : 700)) * KiB4;
            if (va + len > kWindow) len = kWindow - va;
            Access access = random_access();
            log << "protect " << std::hex << va << "+" << len << " " << int(access) << "\n";
            bool full = covered(model, va, va + len) == len;
            std::vector<Run> before = pieces(model, va, va + len);
            REQUIRE(f.table.protect(va, len, access) == (full ? MmError::ok : MmError::not_mapped));
            if (!full) return;
            carve(model, va);
            carve(model, va + len);
            std::vector<Run> downgraded;
            for (auto it = model.lower_bound(va); it != model.end() && it->first < va + len; ++it)
                it->second.attrs.access = access;
            for (const Run& r : before)
                if (without(r.attrs.access, access) != Access::none) downgraded.push_back(r);
            require_flushed(downgraded, flushes_before);
        } else if (op < 70) { // split
            uint64_t va = random_mapped();
            if (va == ~0ull) return;
            Result<Translation> t = f.table.translate(va);
            REQUIRE(t.ok());
            log << "split " << std::hex << va << " size " << int(t.value.size) << "\n";
            MmError expected = t.value.size == PageSize::size_4k ? MmError::not_large_page : MmError::ok;
            REQUIRE(f.table.split(va) == expected);
            if (expected == MmError::ok) {
                REQUIRE(f.flushed(t.value.page_base, page_bytes(t.value.size), flushes_before));
                REQUIRE(f.tlb.requests.back().page_size_changed);
                REQUIRE(f.table.translate(va).value.size == static_cast<PageSize>(level_of(t.value.size) - 1));
            }
        } else if (op < 80) { // merge
            uint64_t va = random_mapped();
            if (va == ~0ull) return;
            PageSize size = pick(4) ? PageSize::size_2m : PageSize::size_1g;
            va &= ~(page_bytes(size) - 1);
            log << "merge " << std::hex << va << " size " << int(size) << "\n";
            MmError e = f.table.merge(va, size);
            if (e == MmError::ok) {
                // Only legal when the model has one contiguous, aligned, uniform run there.
                std::vector<Run> runs = canonical(pieces(model, va, va + page_bytes(size)));
                REQUIRE(runs.size() == 1);
                REQUIRE(runs[0].len == page_bytes(size));
                REQUIRE(runs[0].pa % page_bytes(size) == 0);
                REQUIRE(f.table.translate(va).value.size == size);
                REQUIRE(f.flushed(va, page_bytes(size), flushes_before));
            } else {
                REQUIRE((e == MmError::not_mergeable || e == MmError::not_mapped));
                REQUIRE(f.tlb.requests.size() == flushes_before);
            }
        } else if (op < 88) { // remap one page to another frame
            uint64_t va = random_mapped();
            if (va == ~0ull) return;
            Result<Translation> t = f.table.translate(va);
            REQUIRE(t.ok());
            uint64_t span = page_bytes(t.value.size);
            uint64_t pa = pick((1ull << 36) / span) * span;
            Attributes a = random_attrs();
            uint64_t base = t.value.page_base;
            log << "remap " << std::hex << base << " size " << int(t.value.size) << " -> " << pa << "\n";
            REQUIRE(f.table.remap(base, pa, a) == MmError::ok);
            carve(model, base);
            carve(model, base + span);
            model.erase(model.lower_bound(base), model.lower_bound(base + span));
            model[base] = Extent{span, pa, a};
            require_flushed({Run{base, span, 0, {}}}, flushes_before);
        } else { // translate
            for (int i = 0; i < 8; ++i) {
                uint64_t va = (i % 2 ? random_mapped() : pick(kWindow / KiB4) * KiB4);
                if (va == ~0ull) continue;
                va += pick(KiB4);
                std::vector<Run> p = pieces(model, va, va + 1);
                Result<Translation> t = f.table.translate(va);
                if (p.empty()) {
                    REQUIRE(t.error == MmError::not_mapped);
                } else {
                    REQUIRE(t.ok());
                    REQUIRE(t.value.pa == p[0].pa);
                    REQUIRE(t.value.attributes == p[0].attrs);
                }
            }
        }
    }

    void compare()
    {
        std::vector<Run> table_runs, model_runs;
        f.table.walk([&](const Leaf& l) { append(table_runs, {l.va, page_bytes(l.size), l.pa, l.attributes}); });
        for (const auto& [va, e] : model) append(model_runs, {va, e.len, e.pa, e.attrs});
        REQUIRE(table_runs.size() == model_runs.size());
        for (size_t i = 0; i < table_runs.size(); ++i) {
            INFO("run " << i << " table " << std::hex << table_runs[i].va << "+" << table_runs[i].len << "->"
                        << table_runs[i].pa << " model " << model_runs[i].va << "+" << model_runs[i].len << "->"
                        << model_runs[i].pa);
            REQUIRE(table_runs[i] == model_runs[i]);
        }
        const char* why = f.machine.allocator.check_invariants();
        INFO((why ? why : ""));
        REQUIRE(why == nullptr);
        REQUIRE(f.table.count_tables() == f.table.table_pages());
        REQUIRE(f.machine.allocator.count(f.owner) == f.table.table_pages());
    }
};

template <typename Format>
void run_model(uint32_t first_seed, uint32_t sequences, int steps)
{
    TableFixture<Format> f(16ull << 20);
    const FrameStats start = f.machine.allocator.stats();
    for (uint32_t seed = first_seed; seed < first_seed + sequences; ++seed) {
        ModelRun<Format> run{f, std::mt19937_64(seed), {}, {}};
        for (int s = 0; s < steps; ++s) {
            INFO("seed " << seed << " step " << s << "\n" << run.log.str());
            run.step();
            run.compare();
        }
        // Everything unmapped: only the root is left, nothing leaked.
        INFO("seed " << seed);
        std::vector<Run> all = pieces(run.model, 0, kWindow);
        const size_t flushes_before = f.tlb.requests.size();
        REQUIRE(f.table.unmap(0, kWindow) == MmError::ok);
        run.require_flushed(all, flushes_before);
        REQUIRE(f.table.table_pages() == 1);
        REQUIRE(f.machine.allocator.free_frames() == start.free_frames);
        f.tlb.clear();
    }
}

} // namespace

TEMPLATE_LIST_TEST_CASE("random operation sequences match a reference model", "[mm][pagetable][model]", AllFormats)
{
    GIVEN("1000 seeded sequences of 30 random operations on one table")
    {
        THEN("after every step the table equals the model, flushes cover every removal and "
             "downgrade, the allocator is sound, and unmapping everything leaks no table page")
        {
            run_model<TestType>(1, 1000, 30);
        }
    }
}

TEMPLATE_LIST_TEST_CASE("random operation sequences match a reference model, long run",
                        "[mm][pagetable][model][long]", AllFormats)
{
    run_model<TestType>(100000, 5000, 120);
}
