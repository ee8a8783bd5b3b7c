// Large (2 MiB / 1 GiB) guest mappings. Their 4 KiB pieces are fingerprinted like any page, so
// each 2 MiB range knows how many pieces splitting would let us share (Range::sharable), but a
// range is split only by policy:
//  - split_policy=pressure: in state clear or worse, the most profitable ranges first, just
//    enough to get back to high (split_pass);
//  - split_policy=eager: as soon as a range has a sharable piece (Linux KSM with THP).
// While the state is high (pressure policy), pieces of ranges we split are not shared; once
// it has been high for merge_delay_ms, such a range whose pieces are all private again is
// collapsed back (collapse_pass): in place when its frames are contiguous and aligned, else by
// copying into a fresh 2 MiB block while memory allows.
// All-zero large mappings are reclaimed whole, without splitting: read-only to the shared
// 2 MiB zero frame (a 1 GiB mapping becomes 512 such 2 MiB entries).
#include "hv/lib/panic.hpp"
#include "mm/sharing/engine.hpp"
#include "mm/sharing/fingerprint.hpp"
#include "mm/sharing/page_bytes.hpp"

#include <string.h>

namespace sp::sharing {

using mm::Access;
using mm::MmError;
using mm::Owner;

namespace {
constexpr uint64_t k4K = 4096, k2M = 2ull << 20, k1G = 1ull << 30;
constexpr uint64_t kPiecesPer1G = k1G / k4K;
constexpr unsigned kCollapsesPerPass = 64;

void free_frames(mm::FrameAllocator& frames, uint64_t pa, unsigned order, Owner owner)
{
    // The block may have been split by earlier partial frees: fall back to 4 KiB pieces.
    if (frames.free(pa, order, owner) == MmError::ok) return;
    for (uint64_t off = 0; off < (k4K << order); off += k4K)
        SP_ASSERT(frames.free(pa + off, mm::kOrder4K, owner) == MmError::ok);
}
} // namespace

void Engine::look_at_large_piece(Vm& v, uint64_t i, const mm::Translation& t)
{
    uint64_t range = i / 512, piece = i % 512;
    Range& r = v.ranges[range];
    r.flags |= kRangeLarge;
    if (piece == 0) r.counting = r.zero = 0;
    PageWord& st = v.state[i];
    if (is_zero_frame(t.pa)) {
        SP_ASSERT(PageState::kind(st) == PageKind::large_zero);
        return;
    }
    uint64_t hash = fingerprint_page(frame_bytes(t.pa));
    uint32_t check = PageState::check_of(hash);
    bool changed = PageState::kind(st) != PageKind::large || PageState::check(st) != check;
    st = PageState::make(PageKind::large, check, 0);
    if (tunables_.use_zero_pages && hash == zero_hash_ && page_is_zero(frame_bytes(t.pa))) {
        ++r.zero;
        ++r.counting;
    } else if (!changed) {
        if (matches_something(v, i, hash)) ++r.counting;
        else if (unstable_.has_room(4, 5)) unstable_.insert(salted_key(hash, domain_of(v)), v.first_id + static_cast<uint32_t>(i));
        else ++dropped_now_;
    }
    if (piece != 511) return;
    r.sharable = r.counting; // the pass over this range is complete
    if (r.zero == 512 && tunables_.use_zero_pages) {
        if (t.size == mm::PageSize::size_2m) {
            reclaim_zero_2m(v, range);
            return;
        }
        // A 1 GiB mapping: reclaim at its last range, if every range of it was all zero.
        if ((i + 1) % kPiecesPer1G == 0) {
            uint64_t first = range + 1 - 512;
            bool all = true;
            for (uint64_t k = first; k <= range && all; ++k) all = v.ranges[k].zero == 512;
            if (all) {
                reclaim_zero_1g(v, first);
                return;
            }
        }
    }
    if (tunables_.split_policy == SplitPolicy::eager && r.sharable) split_range(v, range);
}

// Does an indexed page or stable frame of the same domain hold these bytes? (Counts what
// splitting would save; nothing is merged here, so no write protection is needed.)
bool Engine::matches_something(const Vm& v, uint64_t i, uint64_t hash)
{
    uint16_t domain = domain_of(v);
    uint64_t key = salted_key(hash, domain);
    uint32_t self = v.first_id + static_cast<uint32_t>(i);
    uint32_t check = PageState::check_of(hash);
    mm::Result<mm::Translation> mine = v.space->translate(i * k4K);
    SP_ASSERT(mine.ok());
    const uint8_t* bytes = frame_bytes(mine.value.pa);
    if (stable_.probe(key, [&](uint32_t n) { return nodes_[n].mappers && nodes_[n].fingerprint == hash && nodes_[n].domain == domain; }) !=
        FingerprintIndex::kNone)
        return true;
    return unstable_.probe(key, [&](uint32_t page_id) {
               uint64_t idx = 0;
               Vm* other = page_id == self ? nullptr : vm_of_page(page_id, idx);
               if (other == nullptr || domain_of(*other) != domain) return false;
               uint32_t os = other->state[idx];
               PageKind k = PageState::kind(os);
               if ((k != PageKind::private_page && k != PageKind::large) || PageState::check(os) != check) return false;
               mm::Result<mm::Translation> t = other->space->translate(idx * k4K);
               return t.ok() && pages_equal(bytes, frame_bytes(t.value.pa));
           }) != FingerprintIndex::kNone;
}

void Engine::reclaim_zero_2m(Vm& v, uint64_t range)
{
    uint64_t gpa = range * k2M;
    mm::Result<mm::Translation> r = v.space->translate(gpa);
    SP_ASSERT(r.ok() && r.value.size == mm::PageSize::size_2m);
    const mm::Translation& t = r.value;
    if (!ensure_zero_frame_2m()) return;
    mm::Attributes ro = t.attributes;
    ro.access = mm::without(ro.access, Access::w);
    if (v.space->protect(gpa, k2M, ro.access) != MmError::ok) return; // whole leaf: no split
    for (uint64_t off = 0; off < k2M; off += k4K) {
        if (!page_is_zero(frame_bytes(t.pa + off))) {
            SP_ASSERT(v.space->protect(gpa, k2M, t.attributes.access) == MmError::ok);
            return;
        }
    }
    SP_ASSERT(v.space->remap(gpa, zero_frame_2m_, ro) == MmError::ok); // flushes
    uint64_t first = gpa / k4K;
    for (uint64_t k = 0; k < 512; ++k) {
        SP_ASSERT(rmap_.remove(t.pa + k * k4K, v.id, first + k) == MmError::ok);
        v.state[first + k] = PageState::make(PageKind::large_zero, 0, 0);
    }
    free_frames(frames_, t.pa, mm::kOrder2M, Owner::vm(v.id));
    zero_pages_ += 512;
    ++large_zero_;
    v.ranges[range].sharable = 0;
}

void Engine::reclaim_zero_1g(Vm& v, uint64_t first_range)
{
    uint64_t gpa = first_range * k2M;
    mm::Result<mm::Translation> r = v.space->translate(gpa);
    SP_ASSERT(r.ok() && r.value.size == mm::PageSize::size_1g && r.value.page_base == gpa);
    const mm::Translation& t = r.value;
    if (!ensure_zero_frame_2m()) return;
    mm::Attributes ro = t.attributes;
    ro.access = mm::without(ro.access, Access::w);
    if (v.space->protect(gpa, k1G, ro.access) != MmError::ok) return;
    bool zero = true;
    for (uint64_t off = 0; off < k1G && zero; off += k4K) zero = page_is_zero(frame_bytes(t.pa + off));
    if (!zero || v.space->split(gpa) != MmError::ok) {
        SP_ASSERT(v.space->protect(gpa, k1G, t.attributes.access) == MmError::ok);
        return;
    }
    for (uint64_t k = 0; k < 512; ++k) SP_ASSERT(v.space->remap(gpa + k * k2M, zero_frame_2m_, ro) == MmError::ok);
    uint64_t first = gpa / k4K;
    for (uint64_t k = 0; k < kPiecesPer1G; ++k) {
        SP_ASSERT(rmap_.remove(t.pa + k * k4K, v.id, first + k) == MmError::ok);
        v.state[first + k] = PageState::make(PageKind::large_zero, 0, 0);
    }
    free_frames(frames_, t.pa, mm::kOrder1G, Owner::vm(v.id));
    zero_pages_ += kPiecesPer1G;
    large_zero_ += 512;
    for (uint64_t k = 0; k < 512; ++k) v.ranges[first_range + k].sharable = 0;
}

bool Engine::split_range(Vm& v, uint64_t range)
{
    uint64_t gpa = range * k2M;
    for (;;) { // a range inside a 1 GiB mapping needs two splits
        mm::Result<mm::Translation> r = v.space->translate(gpa);
        if (!r.ok()) return false;
        if (r.value.size == mm::PageSize::size_4k) break;
        if (v.space->split(gpa) != MmError::ok) return false;
    }
    uint64_t first = range * 512;
    for (uint64_t k = 0; k < 512 && first + k < v.pages; ++k) {
        PageWord& st = v.state[first + k];
        if (PageState::kind(st) == PageKind::large) st = PageState::make(PageKind::private_page, PageState::check(st), 0);
        else if (PageState::kind(st) == PageKind::large_zero) st = PageState::make(PageKind::zero, 0, 0);
    }
    Range& rg = v.ranges[range];
    rg.flags = static_cast<uint8_t>((rg.flags & ~kRangeLarge) | kRangeSplitByUs);
    rg.sharable = 0;
    ++large_split_;
    return true;
}

// Splits the ranges with the most sharable pieces until the expected saving brings free
// memory back to the high state.
void Engine::split_pass()
{
    split_due_ = false;
    mm::FrameStats fs = frames_.stats();
    uint64_t target = fs.min_free_frames * 4; // the high state's threshold
    if (fs.free_frames >= target) return;
    uint64_t deficit = target - fs.free_frames, expected = 0;
    while (expected < deficit) {
        Vm* best = nullptr;
        uint64_t best_range = 0, best_gain = 0;
        for (unsigned vi = 0; vi < vm_count_; ++vi) {
            Vm& v = vms_[vi];
            for (uint64_t k = 0; k < ranges_of(v); ++k) {
                const Range& r = v.ranges[k];
                if ((r.flags & kRangeLarge) && r.sharable > best_gain) {
                    best = &v;
                    best_range = k;
                    best_gain = r.sharable;
                }
            }
        }
        if (best == nullptr) return;
        if (!split_range(*best, best_range)) best->ranges[best_range].sharable = 0;
        else expected += best_gain;
    }
}

uint64_t Engine::split_saving() const
{
    uint64_t n = 0;
    for (unsigned vi = 0; vi < vm_count_; ++vi)
        for (uint64_t k = 0; k < ranges_of(vms_[vi]); ++k)
            if (vms_[vi].ranges[k].flags & kRangeLarge) n += vms_[vi].ranges[k].sharable;
    return n;
}

void Engine::collapse_pass()
{
    // Eager splitting wants its ranges split: right after a split every piece is private until
    // the next pass merges it, so collapsing then would undo the split, pass after pass.
    if (tunables_.split_policy != SplitPolicy::pressure) return;
    if (pressure_ != mm::PressureState::high) return;
    if (clock_.now_ms() - high_since_ms_ < tunables_.merge_delay_ms) return;
    unsigned done = 0;
    for (unsigned vi = 0; vi < vm_count_; ++vi) {
        Vm& v = vms_[vi];
        for (uint64_t k = 0; k < ranges_of(v) && done < kCollapsesPerPass; ++k)
            if ((v.ranges[k].flags & kRangeSplitByUs) && collapse_range(v, k)) ++done;
    }
}

bool Engine::collapse_range(Vm& v, uint64_t range)
{
    uint64_t gpa = range * k2M, first = range * 512;
    if (first + 512 > v.pages) return false;
    uint64_t pa0 = 0;
    mm::Attributes attrs;
    bool contiguous = true;
    for (uint64_t k = 0; k < 512; ++k) {
        PageKind kind = PageState::kind(v.state[first + k]);
        if (kind != PageKind::private_page && kind != PageKind::unseen) return false;
        mm::Result<mm::Translation> r = v.space->translate(gpa + k * k4K);
        if (!r.ok()) return false;
        if (r.value.size != mm::PageSize::size_4k) { // someone else merged it already
            v.ranges[range].flags = kRangeLarge;
            return false;
        }
        if (frames_.owner_of(r.value.pa) != Owner::vm(v.id)) return false;
        mm::Attributes a = r.value.attributes;
        a.access = a.access | Access::w;
        if (k == 0) attrs = a;
        else if (!(a == attrs)) return false; // differing attributes: a large page cannot hold them
        if (k == 0) pa0 = r.value.pa;
        contiguous &= r.value.pa == pa0 + k * k4K;
    }
    contiguous &= (pa0 & (k2M - 1)) == 0;
    if (contiguous) {
        if (v.space->protect(gpa, k2M, attrs.access) != MmError::ok) return false; // all writable again
        if (v.space->merge(gpa, mm::PageSize::size_2m) != MmError::ok) return false;
    } else {
        if (!memory_allows_large()) return false;
        mm::Result<uint64_t> block = frames_.alloc(mm::kOrder2M, Owner::vm(v.id));
        if (!block.ok()) return false;
        mm::Attributes ro = attrs;
        ro.access = mm::without(attrs.access, Access::w);
        SP_ASSERT(v.space->protect(gpa, k2M, ro.access) == MmError::ok); // freeze, flush
        for (uint64_t k = 0; k < 512; ++k) {
            mm::Result<mm::Translation> r = v.space->translate(gpa + k * k4K);
            SP_ASSERT(r.ok());
            uint64_t old = r.value.pa, fresh = block.value + k * k4K;
            memcpy(frame_bytes(fresh), frame_bytes(old), k4K);
            SP_ASSERT(rmap_.move(old, fresh, v.id, first + k) == MmError::ok);
            SP_ASSERT(v.space->remap(gpa + k * k4K, fresh, attrs) == MmError::ok); // flushes
            SP_ASSERT(frames_.free(old, mm::kOrder4K, Owner::vm(v.id)) == MmError::ok);
        }
        SP_ASSERT(v.space->merge(gpa, mm::PageSize::size_2m) == MmError::ok);
        ++large_collapsed_copy_;
    }
    for (uint64_t k = 0; k < 512; ++k) v.state[first + k] = PageState::make(PageKind::unseen, 0, 0);
    v.ranges[range].flags = kRangeLarge;
    v.ranges[range].sharable = 0;
    ++large_collapsed_;
    return true;
}

} // namespace sp::sharing
