// Engine setup, VM registration and teardown, tunables, statistics and invariant checks.
// The scanner is in scanner.cpp, copy-on-write in cow.cpp, large mappings in large_mappings.cpp.
#include "mm/sharing/engine.hpp"

#include <string.h>

#include "hv/lib/panic.hpp"
#include "mm/sharing/fingerprint.hpp"

namespace sp::sharing {

using mm::MmError;
using mm::Owner;

namespace {
constexpr uint64_t k4K = 4096, k2M = 2ull << 20;
constexpr uint16_t kVmDomainBase = 0x8000;
} // namespace

Engine::Engine(const EngineDeps& deps)
    : frames_(deps.frames), rmap_(deps.rmap), memory_(deps.memory), clock_(deps.clock), metadata_(deps.metadata)
{
    void* zeros = metadata_.allocate(k4K);
    SP_ASSERT(zeros != nullptr);
    zero_hash_ = fingerprint_page(zeros);
    metadata_.release(zeros, k4K);
    high_since_ms_ = clock_.now_ms();
}

Engine::~Engine()
{
    SP_ASSERT(vm_count_ == 0);
    unstable_.release(metadata_);
    stable_.release(metadata_);
    by_frame_.release(metadata_);
    nodes_.release(metadata_);
}

Engine::Vm* Engine::find_vm(uint32_t vm)
{
    for (unsigned i = 0; i < vm_count_; ++i)
        if (vms_[i].id == vm) return &vms_[i];
    return nullptr;
}

const Engine::Vm* Engine::find_vm(uint32_t vm) const { return const_cast<Engine*>(this)->find_vm(vm); }

Engine::Vm* Engine::vm_of_page(uint32_t page_id, uint64_t& index)
{
    for (unsigned i = 0; i < vm_count_; ++i) {
        Vm& v = vms_[i];
        if (page_id >= v.first_id && page_id - v.first_id < v.pages) {
            index = page_id - v.first_id;
            return &v;
        }
    }
    return nullptr;
}

uint16_t Engine::domain_of(const Vm& vm) const
{
    switch (tunables_.domain_mode) {
    case DomainMode::host: return 0;
    case DomainMode::group:
        if (vm.group) return vm.group;
        break;
    case DomainMode::vm: break;
    }
    return static_cast<uint16_t>(kVmDomainBase + vm.id);
}

// The unstable index is emptied after every pass anyway, so it is sized per pass: for what the
// last pass tried to insert, plus a quarter. Pages it has no room for just wait a pass.
bool Engine::resize_unstable()
{
    // Inserts stop at 4/5 load (linear probing stays short): room for 5/4 of last pass's.
    uint64_t wanted = (unshared_now_ + dropped_now_) * 25 / 16 + 256;
    if (wanted < 1024) wanted = 1024;
    uint64_t pages = 0;
    for (unsigned i = 0; i < vm_count_; ++i) pages += vms_[i].pages;
    if (wanted > pages + pages / 8 + 64) wanted = pages + pages / 8 + 64;
    if (vm_count_ == 0) wanted = 0;
    return unstable_.reset(metadata_, static_cast<uint32_t>(wanted));
}

bool Engine::ensure_zero_frame()
{
    if (zero_frame_) return true;
    mm::Result<uint64_t> f = frames_.alloc(mm::kOrder4K, Owner::shared());
    if (!f.ok()) return false;
    memset(frame_bytes(f.value), 0, k4K);
    zero_frame_ = f.value;
    return true;
}

bool Engine::ensure_zero_frame_2m()
{
    if (zero_frame_2m_) return true;
    mm::Result<uint64_t> f = frames_.alloc(mm::kOrder2M, Owner::shared());
    if (!f.ok()) return false;
    for (uint64_t off = 0; off < k2M; off += k4K) memset(frame_bytes(f.value + off), 0, k4K);
    zero_frame_2m_ = f.value;
    return true;
}

bool Engine::is_zero_frame(uint64_t pa) const
{
    uint64_t page = pa & ~(k4K - 1);
    return (zero_frame_ && page == zero_frame_) || (zero_frame_2m_ && page >= zero_frame_2m_ && page < zero_frame_2m_ + k2M);
}

void Engine::release_zero_frames_if_idle()
{
    if (vm_count_ != 0) return;
    SP_ASSERT(zero_pages_ == 0);
    if (zero_frame_) SP_ASSERT(frames_.free(zero_frame_, mm::kOrder4K, Owner::shared()) == MmError::ok);
    if (zero_frame_2m_) SP_ASSERT(frames_.free(zero_frame_2m_, mm::kOrder2M, Owner::shared()) == MmError::ok);
    zero_frame_ = zero_frame_2m_ = 0;
}

SharingError Engine::register_vm(uint32_t vm, NestedSpace& space, uint64_t guest_bytes)
{
    SpinGuard guard(lock_);
    if (find_vm(vm)) return SharingError::already_registered;
    if (vm_count_ == kMaxVmSlots || vm >= mm::kMaxVms) return SharingError::too_many_vms;
    if (guest_bytes == 0 || guest_bytes % k2M) return SharingError::bad_range;
    uint64_t pages = guest_bytes / k4K;
    if (pages >= (1ull << 32) || uint64_t{next_page_id_} + pages >= (1ull << 32) - 4) return SharingError::capacity;
    Vm v;
    v.id = vm;
    v.space = &space;
    v.pages = pages;
    v.first_id = next_page_id_;
    v.state = static_cast<PageWord*>(metadata_.allocate(pages * sizeof(PageWord)));
    v.ranges = static_cast<Range*>(metadata_.allocate(((pages + 511) / 512) * sizeof(Range)));
    if (v.state == nullptr || v.ranges == nullptr) {
        if (v.state) metadata_.release(v.state, pages * sizeof(PageWord));
        if (v.ranges) metadata_.release(v.ranges, ((pages + 511) / 512) * sizeof(Range));
        return SharingError::no_memory;
    }
    vms_[vm_count_++] = v;
    if (unstable_.capacity() == 0 && !resize_unstable()) {
        --vm_count_;
        metadata_.release(v.state, pages * sizeof(PageWord));
        metadata_.release(v.ranges, ((pages + 511) / 512) * sizeof(Range));
        return SharingError::no_memory;
    }
    next_page_id_ += static_cast<uint32_t>(pages);
    return SharingError::ok;
}

uint32_t Engine::node_of_frame(uint64_t pa) const
{
    uint32_t frame = static_cast<uint32_t>(pa >> 12);
    return by_frame_.probe(frame_key(pa), [&](uint32_t id) { return nodes_[id].mappers && nodes_[id].frame == frame; });
}

uint32_t Engine::add_node(uint64_t hash, uint64_t pa, uint16_t domain, uint16_t mappers)
{
    SP_ASSERT((pa >> 12) < (1ull << 32));
    if (!stable_.has_room(3, 4) || !by_frame_.has_room(3, 4)) {
        // Rebuild both at twice the live nodes (at least 256 slots): drops tombstones too.
        uint32_t capacity = (nodes_.in_use() + 1) * 2;
        if (capacity < 256) capacity = 256;
        if (!stable_.reset(metadata_, capacity) || !by_frame_.reset(metadata_, capacity)) {
            stable_.reset(metadata_, 0);
            by_frame_.reset(metadata_, 0);
            SP_ASSERT(nodes_.in_use() == 0); // losing live nodes' index entries would be a leak
            return StableNodes::kNone;
        }
        for (uint32_t id = 0; id < nodes_.capacity(); ++id) {
            const StableNode& n = nodes_[id];
            if (!n.mappers) continue;
            SP_ASSERT(stable_.insert(salted_key(n.fingerprint, n.domain), id));
            SP_ASSERT(by_frame_.insert(frame_key(n.pa()), id));
        }
    }
    uint32_t id = nodes_.allocate(metadata_);
    if (id == StableNodes::kNone) return id;
    StableNode& n = nodes_[id];
    n.fingerprint = hash;
    n.frame = static_cast<uint32_t>(pa >> 12);
    n.domain = domain;
    n.mappers = mappers;
    SP_ASSERT(stable_.insert(salted_key(hash, domain), id));
    SP_ASSERT(by_frame_.insert(frame_key(pa), id));
    sharing_mappers_ += mappers;
    return id;
}

void Engine::remove_node(uint32_t id)
{
    StableNode& n = nodes_[id];
    SP_ASSERT(stable_.erase(salted_key(n.fingerprint, n.domain), id));
    SP_ASSERT(by_frame_.erase(frame_key(n.pa()), id));
    sharing_mappers_ -= n.mappers;
    nodes_.free(id);
}

// (vm, gfn) stops mapping the shared frame at pa (its mapping is already gone or replaced and
// flushed). The last mapper frees the frame.
void Engine::drop_mapper(uint64_t pa, uint32_t vm, uint64_t gfn)
{
    uint32_t id = node_of_frame(pa);
    SP_ASSERT(id != StableNodes::kNone);
    SP_ASSERT(rmap_.remove(pa, vm, gfn) == MmError::ok);
    StableNode& n = nodes_[id];
    SP_ASSERT(n.mappers > 0);
    if (n.mappers == 1) {
        uint64_t frame = n.pa();
        remove_node(id);
        SP_ASSERT(frames_.free(frame, mm::kOrder4K, Owner::shared()) == MmError::ok);
        return;
    }
    --n.mappers;
    --sharing_mappers_;
}

// Gives back what guest page i of a VM being destroyed held (its mapping is gone and flushed).
void Engine::release_page(Vm& v, uint64_t i, uint64_t pa)
{
    if (is_zero_frame(pa)) {
        --zero_pages_;
        return;
    }
    Owner owner = frames_.owner_of(pa);
    if (owner == Owner::shared()) {
        drop_mapper(pa, v.id, i);
    } else {
        SP_ASSERT(owner == Owner::vm(v.id));
        SP_ASSERT(rmap_.remove(pa, v.id, i) == MmError::ok);
        SP_ASSERT(frames_.free(pa, mm::kOrder4K, owner) == MmError::ok);
    }
}

SharingError Engine::unregister_vm(uint32_t vm)
{
    SpinGuard guard(lock_);
    Vm* v = find_vm(vm);
    if (v == nullptr) return SharingError::unknown_vm;
    // 1. Note each page's frame (temporary array), 2. unmap everything with one flush, before
    // 3. any frame can be reused. Without memory for the array: unmap leaf by leaf instead.
    uint32_t* frame_of = static_cast<uint32_t*>(metadata_.allocate(v->pages * sizeof(uint32_t)));
    for (uint64_t i = 0; i < v->pages;) {
        mm::Result<mm::Translation> t = v->space->translate(i * k4K);
        if (!t.ok()) {
            if (frame_of) frame_of[i] = 0;
            ++i;
            continue;
        }
        uint64_t first = i;
        uint64_t base = t.value.pa - (i * k4K - t.value.page_base);
        uint64_t span = (mm::page_bytes(t.value.size) - (i * k4K - t.value.page_base)) / k4K;
        if (span > v->pages - i) span = v->pages - i;
        if (frame_of) {
            for (uint64_t k = 0; k < span; ++k) {
                SP_ASSERT(((base >> 12) + k) < (1ull << 32) && base + k != 0);
                frame_of[i + k] = static_cast<uint32_t>((base >> 12) + k);
            }
        } else {
            v->space->unmap(i * k4K, span * k4K);
            for (uint64_t k = 0; k < span; ++k) release_page(*v, first + k, base + k * k4K);
        }
        i += span;
    }
    if (frame_of) {
        v->space->unmap(0, v->pages * k4K);
        for (uint64_t i = 0; i < v->pages; ++i)
            if (frame_of[i]) release_page(*v, i, uint64_t{frame_of[i]} << 12);
        metadata_.release(frame_of, v->pages * sizeof(uint32_t));
    }
    metadata_.release(v->state, v->pages * sizeof(PageWord));
    metadata_.release(v->ranges, ranges_of(*v) * sizeof(Range));
    unsigned slot = static_cast<unsigned>(v - vms_);
    for (unsigned i = slot; i + 1 < vm_count_; ++i) vms_[i] = vms_[i + 1];
    --vm_count_;
    if (cursor_vm_ > slot) --cursor_vm_;
    else if (cursor_vm_ == slot) cursor_page_ = 0;
    if (cursor_vm_ >= vm_count_) cursor_vm_ = 0;
    unstable_.clear(); // page ids of the VM may be in it; ids are never reused, but keep it tidy
    if (vm_count_ == 0) unstable_.reset(metadata_, 0);
    release_zero_frames_if_idle();
    return SharingError::ok;
}

SharingError Engine::set_vm_group(uint32_t vm, const char* group)
{
    SpinGuard guard(lock_);
    Vm* v = find_vm(vm);
    if (v == nullptr) return SharingError::unknown_vm;
    if (live_shared_pages_of(*v)) return SharingError::busy;
    if (group == nullptr || *group == 0) {
        v->group = 0;
        return SharingError::ok;
    }
    size_t len = strlen(group);
    if (len > kGroupNameMax) return SharingError::bad_value;
    unsigned free_slot = kMaxGroups;
    for (unsigned g = 0; g < kMaxGroups; ++g) {
        if (groups_[g][0] == 0) {
            if (free_slot == kMaxGroups) free_slot = g;
            continue;
        }
        if (strlen(groups_[g]) == len && memcmp(groups_[g], group, len) == 0) {
            v->group = static_cast<uint16_t>(g + 1);
            return SharingError::ok;
        }
    }
    if (free_slot == kMaxGroups) return SharingError::out_of_range;
    memcpy(groups_[free_slot], group, len + 1);
    v->group = static_cast<uint16_t>(free_slot + 1);
    return SharingError::ok;
}

uint64_t Engine::live_shared_pages_of(const Vm& vm) const
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < vm.pages; ++i)
        if (PageState::kind(vm.state[i]) == PageKind::shared) ++n;
    return n;
}

SharingError Engine::set_tunable(const char* key, const char* value)
{
    SpinGuard guard(lock_);
    Tunables next = tunables_;
    if (SharingError e = parse_tunable(next, key, value); e != SharingError::ok) return e;
    // Like KSM: what decides who may share with whom cannot change under existing shares.
    bool sharing = nodes_.in_use() != 0;
    if (next.domain_mode != tunables_.domain_mode && sharing) return SharingError::busy;
    if (next.max_page_sharing != tunables_.max_page_sharing && sharing) return SharingError::busy;
    if (next.min_free != tunables_.min_free && next.min_free != 0) frames_.set_min_free(next.min_free);
    tunables_ = next;
    if (tunables_.run == 2) unmerge_all();
    return SharingError::ok;
}

void Engine::set_pressure(mm::PressureState state)
{
    SpinGuard guard(lock_);
    if (state == mm::PressureState::high && pressure_ != mm::PressureState::high) high_since_ms_ = clock_.now_ms();
    if (state > pressure_ || state >= mm::PressureState::clear) split_due_ = true;
    pressure_ = state;
}

MetadataUsage Engine::metadata_usage() const
{
    MetadataUsage u;
    for (unsigned i = 0; i < vm_count_; ++i) {
        u.guest_pages += vms_[i].pages;
        u.page_state_bytes += vms_[i].pages * sizeof(PageWord) + ranges_of(vms_[i]) * sizeof(Range);
    }
    u.index_bytes = unstable_.bytes() + stable_.bytes() + by_frame_.bytes() + nodes_.bytes();
    mm::ReverseMapStats r = rmap_.stats();
    u.rmap_bytes = r.mapped_frames * sizeof(uint64_t) + r.nodes_in_use * 64 + r.small_nodes_in_use * 32;
    u.total_bytes = u.page_state_bytes + u.index_bytes + u.rmap_bytes;
    u.milli_bytes_per_page = u.guest_pages ? u.total_bytes * 1000 / u.guest_pages : 0;
    return u;
}

SharingStats Engine::stats() const
{
    SpinGuard guard(lock_);
    SharingStats s;
    s.pages_shared = nodes_.in_use();
    s.pages_sharing = sharing_mappers_ - s.pages_shared;
    bool first_pass = full_scans_ == 0;
    s.pages_unshared = first_pass ? unshared_now_ : unshared_last_;
    s.pages_volatile = first_pass ? volatile_now_ : volatile_last_;
    s.pages_skipped = first_pass ? skipped_now_ : skipped_last_;
    s.full_scans = full_scans_;
    s.ksm_zero_pages = zero_pages_;
    s.saving = s.pages_sharing + s.ksm_zero_pages;
    s.metadata = metadata_usage();
    s.general_profit = static_cast<int64_t>(s.saving * k4K) - static_cast<int64_t>(s.metadata.total_bytes);
    for (uint32_t id = 0; id < nodes_.capacity(); ++id) {
        const StableNode& n = nodes_[id];
        if (!n.mappers) continue;
        bool sibling = false, lower = false;
        stable_.probe(salted_key(n.fingerprint, n.domain), [&](uint32_t other) {
            const StableNode& o = nodes_[other];
            if (other != id && o.mappers && o.fingerprint == n.fingerprint && o.domain == n.domain) {
                sibling = true;
                lower |= other < id;
            }
            return false;
        });
        if (sibling && !lower) ++s.stable_node_chains;
        uint32_t first_vm = ~0u;
        bool across = false;
        rmap_.for_each(n.pa(), [&](mm::Mapper m) {
            if (first_vm == ~0u) first_vm = m.vm;
            else if (m.vm != first_vm) across = true;
        });
        if (across) ++s.pages_shared_across_vms;
    }
    s.split_saving = split_saving();
    s.large_split = large_split_;
    s.large_collapsed = large_collapsed_;
    s.large_collapsed_by_copy = large_collapsed_copy_;
    s.large_zero_reclaimed = large_zero_;
    s.cow_breaks = cow_breaks_;
    s.merges = merges_;
    s.pressure = pressure_;
    return s;
}

SharingError Engine::vm_stats(uint32_t vm, VmSharingStats& out) const
{
    SpinGuard guard(lock_);
    const Vm* v = find_vm(vm);
    if (v == nullptr) return SharingError::unknown_vm;
    VmSharingStats s;
    s.pages = v->pages;
    s.domain = domain_of(*v);
    uint64_t large = 0, saved_milli = 0;
    for (uint64_t i = 0; i < v->pages;) {
        mm::Result<mm::Translation> t = v->space->translate(i * k4K);
        if (!t.ok()) {
            ++i;
            continue;
        }
        uint64_t span = (mm::page_bytes(t.value.size) - (i * k4K - t.value.page_base)) / k4K;
        if (span > v->pages - i) span = v->pages - i;
        s.mapped += span;
        if (t.value.size != mm::PageSize::size_4k) large += span;
        if (is_zero_frame(t.value.pa)) {
            s.zero += span;
        } else if (frames_.owner_of(t.value.pa) == Owner::shared()) {
            s.shared += span;
            uint32_t id = node_of_frame(t.value.pa);
            if (id != StableNodes::kNone) saved_milli += 1000 - 1000 / nodes_[id].mappers;
        } else {
            s.private_pages += span;
        }
        i += span;
    }
    s.saved = s.zero + saved_milli / 1000;
    s.on_large_permille = s.mapped ? large * 1000 / s.mapped : 0;
    out = s;
    return SharingError::ok;
}

const char* Engine::check_invariants() const
{
    SpinGuard guard(lock_);
    uint64_t mappers = 0;
    for (uint32_t id = 0; id < nodes_.capacity(); ++id) {
        const StableNode& n = nodes_[id];
        if (!n.mappers) continue;
        mappers += n.mappers;
        if (rmap_.count(n.pa()) != n.mappers) return "stable node mapper count differs from the reverse map";
        if (frames_.owner_of(n.pa()) != Owner::shared()) return "shared frame not owned by the shared pool";
        if (n.mappers > tunables_.max_page_sharing) return "shared frame has more than max_page_sharing mappers";
        if (node_of_frame(n.pa()) != id) return "stable node not found by its frame";
    }
    if (mappers != sharing_mappers_) return "sum of mappers differs from the counter";
    uint64_t zero = 0;
    for (unsigned vi = 0; vi < vm_count_; ++vi) {
        const Vm& v = vms_[vi];
        for (uint64_t i = 0; i < v.pages; ++i) {
            PageKind kind = PageState::kind(v.state[i]);
            mm::Result<mm::Translation> t = v.space->translate(i * k4K);
            if (!t.ok()) {
                if (kind != PageKind::unseen) return "unmapped page with a state";
                continue;
            }
            bool writable = mm::has(t.value.attributes.access, mm::Access::w);
            bool large = t.value.size != mm::PageSize::size_4k;
            if (is_zero_frame(t.value.pa)) {
                ++zero;
                if (writable) return "zero frame mapped writable";
                if (kind != (large ? PageKind::large_zero : PageKind::zero)) return "zero-frame page with a wrong kind";
                continue;
            }
            Owner owner = frames_.owner_of(t.value.pa);
            if (!rmap_.contains(t.value.pa, v.id, i)) return "mapped frame missing from the reverse map";
            if (owner == Owner::shared()) {
                if (writable) return "shared frame mapped writable";
                if (kind != PageKind::shared || large) return "shared page with a wrong kind";
                if (node_of_frame(t.value.pa) == StableNodes::kNone) return "shared frame without a stable node";
                if (nodes_[node_of_frame(t.value.pa)].domain != domain_of(v)) return "page shared across domains";
            } else {
                if (owner != Owner::vm(v.id)) return "private page not owned by its VM";
                if (kind == PageKind::shared || kind == PageKind::zero || kind == PageKind::large_zero)
                    return "private page with a shared kind";
                if (kind == PageKind::large && !large) return "4 KiB page marked as a large piece";
            }
        }
    }
    if (zero != zero_pages_) return "zero-page counter differs from the mappings";
    return nullptr;
}

} // namespace sp::sharing
