// The scanner: looks at guest pages in order, fingerprints them, and merges identical ones.
// A page is merged only after it was found unchanged since its previous look (its fingerprint
// is stable: KSM's unstable-tree rule) and only after both pages were write-protected, the
// protection flushed, and the bytes compared. Zero pages merge at first sight (their content is
// known). Pages that stay unique age; smart_scan then looks at them only every 2nd..8th pass.
#include "hv/lib/panic.hpp"
#include "mm/sharing/engine.hpp"
#include "mm/sharing/fingerprint.hpp"
#include "mm/sharing/page_bytes.hpp"

namespace sp::sharing {

using mm::Access;
using mm::MmError;
using mm::Owner;

namespace {
constexpr uint64_t k4K = 4096;

mm::Attributes read_only(const mm::Attributes& a)
{
    mm::Attributes ro = a;
    ro.access = mm::without(a.access, Access::w);
    return ro;
}
} // namespace

uint64_t Engine::scan(uint64_t budget_pages)
{
    SpinGuard guard(lock_);
    return scan_locked(budget_pages);
}

uint64_t Engine::tick()
{
    SpinGuard guard(lock_);
    if (tunables_.run != 1) return 0;
    uint64_t now = clock_.now_ms();
    if (ticked_ && now - last_tick_ms_ < tunables_.sleep_millisecs) return 0;
    ticked_ = true;
    last_tick_ms_ = now;
    return scan_locked(tunables_.pages_to_scan);
}

uint64_t Engine::scan_locked(uint64_t budget)
{
    if (tunables_.run != 1) return 0;
    uint64_t looked = 0;
    while (looked < budget && vm_count_) {
        Vm& v = vms_[cursor_vm_];
        if (cursor_page_ >= v.pages) {
            cursor_page_ = 0;
            if (++cursor_vm_ >= vm_count_) {
                cursor_vm_ = 0;
                end_full_scan();
            }
            continue;
        }
        look_at(v, cursor_page_++);
        ++looked;
    }
    if (split_due_ && pressure_ >= mm::PressureState::clear) split_pass();
    return looked;
}

void Engine::end_full_scan()
{
    __atomic_add_fetch(&full_scans_, 1, __ATOMIC_RELAXED); // full_scans() reads it unlocked
    volatile_last_ = volatile_now_;
    unshared_last_ = unshared_now_;
    skipped_last_ = skipped_now_;
    // KSM rebuilds its unstable tree every pass: stale candidates go. Sized for this pass.
    if (!resize_unstable()) unstable_.clear();
    volatile_now_ = unshared_now_ = skipped_now_ = dropped_now_ = 0;
    if (pressure_ >= mm::PressureState::clear) split_due_ = true;
    collapse_pass();
}

bool Engine::memory_allows_large() const
{
    return pressure_ == mm::PressureState::high && frames_.pressure() == mm::PressureState::high;
}

// While memory is plentiful, the pieces of ranges we split stay private so they can be
// collapsed back into a large mapping (split_policy=pressure).
bool Engine::sharing_held_back(const Vm& vm, uint64_t index) const
{
    return tunables_.split_policy == SplitPolicy::pressure && pressure_ == mm::PressureState::high &&
           (vm.ranges[index / 512].flags & kRangeSplitByUs);
}

// An aged page is looked at every 2nd, then every 8th pass. The phase comes from the content's
// check bits, not the page: two equal pages then always meet in the same pass (the longer
// period's passes are a subset of the shorter's), so skipping never prevents a merge.
bool Engine::smart_skip(uint32_t state) const
{
    uint32_t age = PageState::age(state);
    if (age < 2) return false;
    uint32_t mask = age == 2 ? 1 : 7;
    return ((full_scans_ + PageState::check(state)) & mask) != 0;
}

void Engine::look_at(Vm& v, uint64_t i)
{
    PageWord& st = v.state[i];
    mm::Result<mm::Translation> r = v.space->translate(i * k4K);
    if (!r.ok()) {
        st = 0;
        return;
    }
    const mm::Translation& t = r.value;
    if (t.size != mm::PageSize::size_4k) {
        look_at_large_piece(v, i, t);
        return;
    }
    v.ranges[i / 512].flags &= static_cast<uint8_t>(~kRangeLarge);
    PageKind kind = PageState::kind(st);
    if (kind == PageKind::shared || kind == PageKind::zero) return;
    if (kind == PageKind::large) { // split behind our back (e.g. by a protect of part of it)
        st = PageState::make(PageKind::private_page, PageState::check(st), 0);
        kind = PageKind::private_page;
    }
    SP_ASSERT(kind == PageKind::unseen || kind == PageKind::private_page);
    uint32_t page_id = v.first_id + static_cast<uint32_t>(i);
    if (kind == PageKind::private_page && tunables_.smart_scan && smart_skip(st)) {
        ++skipped_now_;
        return;
    }
    uint64_t hash = fingerprint_page(frame_bytes(t.pa));
    uint32_t check = PageState::check_of(hash);
    bool zero = tunables_.use_zero_pages && hash == zero_hash_;
    if (kind != PageKind::private_page || PageState::check(st) != check) {
        st = PageState::make(PageKind::private_page, check, 0);
        ++volatile_now_;
        if (!zero) return; // changed since the last look: try again next pass
    }
    if (sharing_held_back(v, i)) return;
    if (zero) {
        if (merge_zero(v, i, t)) return;
    } else if (merge_stable(v, i, t, hash) || merge_unstable(v, i, t, hash)) {
        return;
    }
    if (unstable_.has_room(4, 5) && unstable_.insert(salted_key(hash, domain_of(v)), page_id)) ++unshared_now_;
    else ++dropped_now_;
    st = PageState::with_age(st, PageState::age(st) + 1);
}

bool Engine::merge_zero(Vm& v, uint64_t i, const mm::Translation& t)
{
    if (!ensure_zero_frame()) return false;
    uint64_t gpa = i * k4K;
    mm::Attributes ro = read_only(t.attributes);
    // Freeze first: after the flush no CPU can write the page while we look at it.
    if (v.space->protect(gpa, k4K, ro.access) != MmError::ok) return false;
    if (!page_is_zero(frame_bytes(t.pa))) {
        SP_ASSERT(v.space->protect(gpa, k4K, t.attributes.access) == MmError::ok);
        return false;
    }
    SP_ASSERT(v.space->remap(gpa, zero_frame_, ro) == MmError::ok); // flushes
    SP_ASSERT(rmap_.remove(t.pa, v.id, i) == MmError::ok);
    SP_ASSERT(frames_.free(t.pa, mm::kOrder4K, Owner::vm(v.id)) == MmError::ok);
    v.state[i] = PageState::make(PageKind::zero, PageState::check(v.state[i]), 0);
    ++zero_pages_;
    ++merges_;
    return true;
}

bool Engine::merge_stable(Vm& v, uint64_t i, const mm::Translation& t, uint64_t hash)
{
    uint16_t domain = domain_of(v);
    const uint8_t* mine = frame_bytes(t.pa);
    uint32_t id = stable_.probe(salted_key(hash, domain), [&](uint32_t n) {
        const StableNode& s = nodes_[n];
        return s.mappers && s.fingerprint == hash && s.domain == domain && s.mappers < tunables_.max_page_sharing &&
               pages_equal(mine, frame_bytes(s.pa()));
    });
    if (id == FingerprintIndex::kNone) return false;
    uint64_t gpa = i * k4K;
    uint64_t target = nodes_[id].pa();
    mm::Attributes ro = read_only(t.attributes);
    if (v.space->protect(gpa, k4K, ro.access) != MmError::ok) return false;
    if (!pages_equal(mine, frame_bytes(target)) || rmap_.move(t.pa, target, v.id, i) != MmError::ok) {
        SP_ASSERT(v.space->protect(gpa, k4K, t.attributes.access) == MmError::ok);
        return false;
    }
    SP_ASSERT(v.space->remap(gpa, target, ro) == MmError::ok); // flushes before the free below
    SP_ASSERT(frames_.free(t.pa, mm::kOrder4K, Owner::vm(v.id)) == MmError::ok);
    ++nodes_[id].mappers;
    ++sharing_mappers_;
    v.state[i] = PageState::make(PageKind::shared, PageState::check(v.state[i]), 0);
    ++merges_;
    return true;
}

bool Engine::merge_unstable(Vm& v, uint64_t i, const mm::Translation& t, uint64_t hash)
{
    uint16_t domain = domain_of(v);
    uint32_t check = PageState::check_of(hash);
    uint32_t self = v.first_id + static_cast<uint32_t>(i);
    const uint8_t* mine = frame_bytes(t.pa);
    Vm* cv = nullptr;
    uint64_t ci = 0;
    mm::Translation ct;
    unstable_.probe(salted_key(hash, domain), [&](uint32_t page_id) {
        uint64_t idx = 0;
        Vm* other = page_id == self ? nullptr : vm_of_page(page_id, idx);
        if (other == nullptr) return false;
        uint32_t os = other->state[idx];
        // Stale entries (merged, changed, or in another domain) fail these checks.
        if (PageState::kind(os) != PageKind::private_page || PageState::check(os) != check) return false;
        if (domain_of(*other) != domain || sharing_held_back(*other, idx)) return false;
        mm::Result<mm::Translation> r = other->space->translate(idx * k4K);
        if (!r.ok() || r.value.size != mm::PageSize::size_4k || !mm::has(r.value.attributes.access, Access::w)) return false;
        if (!pages_equal(mine, frame_bytes(r.value.pa))) return false;
        cv = other;
        ci = idx;
        ct = r.value;
        return true;
    });
    if (cv == nullptr) return false;
    uint64_t gpa = i * k4K, cgpa = ci * k4K;
    mm::Attributes ro = read_only(t.attributes), cro = read_only(ct.attributes);
    if (cv->space->protect(cgpa, k4K, cro.access) != MmError::ok) return false;
    if (v.space->protect(gpa, k4K, ro.access) != MmError::ok) {
        SP_ASSERT(cv->space->protect(cgpa, k4K, ct.attributes.access) == MmError::ok);
        return false;
    }
    auto thaw = [&] {
        SP_ASSERT(v.space->protect(gpa, k4K, t.attributes.access) == MmError::ok);
        SP_ASSERT(cv->space->protect(cgpa, k4K, ct.attributes.access) == MmError::ok);
    };
    if (!pages_equal(mine, frame_bytes(ct.pa))) {
        thaw();
        return false;
    }
    // The candidate's frame becomes the shared copy; ours goes back to the allocator.
    if (rmap_.move(t.pa, ct.pa, v.id, i) != MmError::ok) {
        thaw();
        return false;
    }
    if (add_node(hash, ct.pa, domain, 2) == StableNodes::kNone) {
        SP_ASSERT(rmap_.move(ct.pa, t.pa, v.id, i) == MmError::ok);
        thaw();
        return false;
    }
    SP_ASSERT(frames_.transfer(ct.pa, mm::kOrder4K, Owner::vm(cv->id), Owner::shared()) == MmError::ok);
    SP_ASSERT(v.space->remap(gpa, ct.pa, ro) == MmError::ok); // flushes before the free below
    SP_ASSERT(frames_.free(t.pa, mm::kOrder4K, Owner::vm(v.id)) == MmError::ok);
    v.state[i] = PageState::make(PageKind::shared, check, 0);
    cv->state[ci] = PageState::make(PageKind::shared, check, 0);
    ++merges_;
    return true;
}

} // namespace sp::sharing
