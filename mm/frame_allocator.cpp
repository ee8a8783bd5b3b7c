#include "mm/frame_allocator.hpp"

#include "hv/lib/panic.hpp"

namespace sp::mm {

namespace {

constexpr uint64_t kSpanAlign = 1ull << kMaxOrder; // frames: keeps relative alignment physical

uint64_t bits_for_order(uint64_t frames, unsigned order) { return (frames + (1ull << order) - 1) >> order; }

size_t metadata_bytes_for(uint64_t frames)
{
    size_t bytes = (frames * sizeof(uint32_t) + 7) & ~size_t{7};
    for (unsigned k = 0; k <= kMaxOrder; ++k)
        bytes += SearchBitmap::words_needed(bits_for_order(frames, k)) * sizeof(uint64_t);
    return bytes;
}

// Clips [base, base + pages) to the span; false when nothing is left.
bool clip(const MemoryRegion& r, const FrameAllocatorLayout& layout, uint64_t& first, uint64_t& end)
{
    uint64_t span_end = layout.base_frame + layout.frames;
    uint64_t f = r.base >> kPageShift;
    uint64_t e = f + r.pages;
    if (f < layout.base_frame) f = layout.base_frame;
    if (e > span_end) e = span_end;
    if (f >= e) return false;
    first = f - layout.base_frame;
    end = e - layout.base_frame;
    return true;
}

} // namespace

Result<FrameAllocatorLayout> FrameAllocator::plan(const MemoryRegion* regions, size_t count)
{
    MemoryMapReport report = scan_memory_map(regions, count);
    if (report.error != MmError::ok) return Result<FrameAllocatorLayout>::failure(report.error);
    if (report.highest_ram == 0) return Result<FrameAllocatorLayout>::failure(MmError::invalid_argument);
    FrameAllocatorLayout layout;
    layout.base_frame = (report.lowest_ram >> kPageShift) & ~(kSpanAlign - 1);
    layout.frames = (report.highest_ram >> kPageShift) - layout.base_frame;
    layout.metadata_bytes = metadata_bytes_for(layout.frames);
    return Result<FrameAllocatorLayout>::success(layout);
}

MmError FrameAllocator::init(const MemoryRegion* regions, size_t count, void* storage,
                             size_t storage_bytes, MemoryMapReport* report)
{
    MemoryMapReport scan = scan_memory_map(regions, count);
    if (report) *report = scan;
    Result<FrameAllocatorLayout> planned = plan(regions, count);
    if (!planned.ok()) return planned.error;
    if (storage == nullptr || (reinterpret_cast<uintptr_t>(storage) & 7) != 0) return MmError::invalid_argument;
    if (storage_bytes < planned.value.metadata_bytes) return MmError::capacity;

    SpinGuard guard(lock_);
    layout_ = planned.value;
    const uint64_t frames = layout_.frames;
    words_ = static_cast<uint32_t*>(storage);
    auto* bitmap_storage = reinterpret_cast<uint64_t*>(
        static_cast<uint8_t*>(storage) + ((frames * sizeof(uint32_t) + 7) & ~size_t{7}));
    for (unsigned k = 0; k <= kMaxOrder; ++k) {
        uint64_t bits = bits_for_order(frames, k);
        free_[k].init(bitmap_storage, bits);
        bitmap_storage += SearchBitmap::words_needed(bits);
    }
    for (auto& c : counts_) c = 0;

    // Every frame starts as its own reserved block; then usable RAM becomes a free candidate,
    // then hypervisor RAM, then every other kind, so the most restrictive kind wins overlaps.
    const uint32_t reserved = head_word(Owner::reserved(), 0);
    for (uint64_t i = 0; i < frames; ++i) words_[i] = reserved;
    for (int pass = 0; pass < 3; ++pass) {
        for (size_t r = 0; r < count; ++r) {
            const MemoryRegion& region = regions[r];
            int region_pass = region.kind == MemoryKind::usable             ? 0
                              : region.kind == MemoryKind::hypervisor_image ? 1
                                                                            : 2;
            uint64_t first = 0, end = 0;
            if (region_pass != pass || region.pages == 0 || !clip(region, layout_, first, end)) continue;
            Owner owner = pass == 0 ? Owner::free() : pass == 1 ? Owner::hypervisor() : Owner::reserved();
            for (uint64_t i = first; i < end; ++i) words_[i] = head_word(owner, 0);
        }
    }

    // Runs of free candidates become maximal aligned free blocks.
    uint64_t i = 0;
    while (i < frames) {
        Owner owner = owner_in(words_[i]);
        if (owner != Owner::free()) {
            add_count(owner, 1);
            ++i;
            continue;
        }
        uint64_t end = i;
        while (end < frames && owner_in(words_[end]) == Owner::free()) words_[end++] = 0;
        while (i < end) {
            unsigned k = kMaxOrder;
            while ((i & ((1ull << k) - 1)) != 0 || i + (1ull << k) > end) --k;
            make_free_block(i, k);
            add_count(Owner::free(), 1ull << k);
            i += 1ull << k;
        }
    }
    pressure_.configure(default_min_free_pages(frames - counts_[Owner::kReserved]));
    update_pressure();
    return MmError::ok;
}

uint64_t FrameAllocator::head_of(uint64_t frame) const
{
    for (unsigned k = 0; k <= kMaxOrder; ++k) {
        uint64_t candidate = frame & ~((1ull << k) - 1);
        uint32_t w = words_[candidate];
        if (is_head(w)) {
            SP_ASSERT(order_of(w) >= k && candidate + (1ull << order_of(w)) > frame);
            return candidate;
        }
    }
    SP_ASSERT(!"frame without a block head");
    return 0;
}

MmError FrameAllocator::check_block(uint64_t pa, unsigned order, uint64_t& frame) const
{
    if (order > kMaxOrder) return MmError::invalid_argument;
    if (pa & ((kPageSize << order) - 1)) return MmError::unaligned;
    uint64_t f = pa >> kPageShift;
    if (f < layout_.base_frame || f - layout_.base_frame >= layout_.frames ||
        layout_.frames - (f - layout_.base_frame) < (1ull << order))
        return MmError::not_managed;
    frame = f - layout_.base_frame;
    return MmError::ok;
}

MmError FrameAllocator::find_allocated(uint64_t frame, unsigned order, Owner owner, uint64_t& head) const
{
    head = head_of(frame);
    uint32_t w = words_[head];
    Owner holder = owner_in(w);
    if (holder == Owner::free()) return MmError::not_allocated;
    if (holder == Owner::reserved()) return MmError::not_managed;
    if (holder != owner) return MmError::wrong_owner;
    if (order_of(w) < order) return MmError::wrong_size; // would span several allocations
    return MmError::ok;
}

void FrameAllocator::split_allocated(uint64_t head, uint64_t frame, unsigned order)
{
    uint32_t w = words_[head];
    Owner owner = owner_in(w);
    unsigned k = order_of(w);
    while (k > order) {
        --k;
        uint64_t upper = head + (1ull << k);
        words_[head] = head_word(owner, k);
        words_[upper] = head_word(owner, k);
        if (frame >= upper) head = upper;
    }
    SP_ASSERT(head == frame);
}

void FrameAllocator::make_free_block(uint64_t frame, unsigned order)
{
    words_[frame] = head_word(Owner::free(), order);
    free_[order].set(frame >> order);
}

void FrameAllocator::release(uint64_t frame, unsigned order)
{
    words_[frame] = 0;
    while (order < kMaxOrder) {
        uint64_t buddy = frame ^ (1ull << order);
        if ((buddy >> order) >= free_[order].size() || !free_[order].test(buddy >> order)) break;
        free_[order].clear(buddy >> order);
        words_[buddy] = 0;
        frame &= ~(1ull << order);
        ++order;
    }
    make_free_block(frame, order);
}

void FrameAllocator::take_free_block_at(uint64_t frame, unsigned order, Owner owner)
{
    unsigned k = order;
    uint64_t block = frame;
    for (; k <= kMaxOrder; ++k) {
        block = frame & ~((1ull << k) - 1);
        if ((block >> k) < free_[k].size() && free_[k].test(block >> k)) break;
    }
    SP_ASSERT(k <= kMaxOrder);
    free_[k].clear(block >> k);
    while (k > order) {
        --k;
        uint64_t upper = block + (1ull << k);
        if (frame >= upper) {
            make_free_block(block, k);
            block = upper;
        } else {
            make_free_block(upper, k);
        }
    }
    words_[block] = head_word(owner, order);
}

void FrameAllocator::sub_count(Owner owner, uint64_t frames)
{
    SP_ASSERT(counts_[owner.raw()] >= frames);
    counts_[owner.raw()] -= frames;
}

MmError FrameAllocator::reserve(uint64_t base, uint64_t pages, Owner owner)
{
    if (!owner.can_allocate()) return MmError::invalid_argument;
    if (base & (kPageSize - 1)) return MmError::unaligned;
    if (pages == 0) return MmError::invalid_argument;
    if (pages > (1ull << 40) || base + (pages << kPageShift) < base) return MmError::overflow;
    SpinGuard guard(lock_);
    uint64_t first = 0;
    if (check_block(base, 0, first) != MmError::ok) return MmError::not_managed;
    if (layout_.frames - first < pages) return MmError::not_managed;
    const uint64_t end = first + pages;
    // All or nothing: check every block in the range first.
    for (uint64_t f = first; f < end;) {
        uint64_t head = head_of(f);
        Owner holder = owner_in(words_[head]);
        if (holder == Owner::reserved()) return MmError::not_managed;
        if (holder != Owner::free()) return MmError::busy;
        f = head + (1ull << order_of(words_[head]));
    }
    for (uint64_t f = first; f < end;) {
        unsigned k = kMaxOrder;
        while ((f & ((1ull << k) - 1)) != 0 || f + (1ull << k) > end) --k;
        take_free_block_at(f, k, owner);
        f += 1ull << k;
    }
    sub_count(Owner::free(), pages);
    add_count(owner, pages);
    update_pressure();
    return MmError::ok;
}

Result<uint64_t> FrameAllocator::alloc(unsigned order, Owner owner)
{
    if (order > kMaxOrder || !owner.can_allocate()) return Result<uint64_t>::failure(MmError::invalid_argument);
    SpinGuard guard(lock_);
    unsigned k = order;
    uint64_t index = SearchBitmap::kNone;
    for (; k <= kMaxOrder; ++k) {
        index = free_[k].find_first();
        if (index != SearchBitmap::kNone) break;
    }
    if (index == SearchBitmap::kNone) return Result<uint64_t>::failure(MmError::no_memory);
    uint64_t frame = index << k;
    free_[k].clear(index);
    while (k > order) {
        --k;
        make_free_block(frame + (1ull << k), k);
    }
    words_[frame] = head_word(owner, order);
    sub_count(Owner::free(), 1ull << order);
    add_count(owner, 1ull << order);
    update_pressure();
    uint64_t pa = (layout_.base_frame + frame) << kPageShift;
    if (watching_) {
        uint64_t offset = watch_.first_change(watch_.context, pa, kPageSize << order);
        if (offset != FreeFrameWatch::kIntact) watch_.changed(watch_.context, pa, offset);
    }
    return Result<uint64_t>::success(pa);
}

MmError FrameAllocator::free(uint64_t pa, unsigned order, Owner owner)
{
    if (!owner.can_allocate()) return MmError::invalid_argument;
    SpinGuard guard(lock_);
    uint64_t frame = 0, head = 0;
    if (MmError e = check_block(pa, order, frame); e != MmError::ok) return e;
    if (MmError e = find_allocated(frame, order, owner, head); e != MmError::ok) return e;
    split_allocated(head, frame, order);
    release(frame, order);
    sub_count(owner, 1ull << order);
    add_count(Owner::free(), 1ull << order);
    update_pressure();
    if (watching_) watch_.fill(watch_.context, pa, kPageSize << order);
    return MmError::ok;
}

uint64_t FrameAllocator::watch_free_frames(const FreeFrameWatch& watch)
{
    SP_ASSERT(watch.fill && watch.first_change && watch.changed);
    SpinGuard guard(lock_);
    uint64_t filled = 0;
    for (uint64_t frame = 0; frame < layout_.frames;) {
        uint32_t w = words_[frame];
        if (!(w & kHead)) {
            ++frame;
            continue;
        }
        unsigned order = (w >> kOrderShift) & kOrderMask;
        if (owner_in(w) == Owner::free()) {
            watch.fill(watch.context, (layout_.base_frame + frame) << kPageShift, kPageSize << order);
            filled += 1ull << order;
        }
        frame += 1ull << order;
    }
    watch_ = watch;
    watching_ = true;
    return filled;
}

MmError FrameAllocator::transfer(uint64_t pa, unsigned order, Owner from, Owner to)
{
    if (!from.can_allocate() || !to.can_allocate()) return MmError::invalid_argument;
    SpinGuard guard(lock_);
    uint64_t frame = 0, head = 0;
    if (MmError e = check_block(pa, order, frame); e != MmError::ok) return e;
    if (MmError e = find_allocated(frame, order, from, head); e != MmError::ok) return e;
    split_allocated(head, frame, order);
    words_[frame] = head_word(to, order);
    sub_count(from, 1ull << order);
    add_count(to, 1ull << order);
    return MmError::ok;
}

Owner FrameAllocator::owner_of(uint64_t pa) const
{
    SpinGuard guard(lock_);
    uint64_t frame = 0;
    if (check_block(pa & ~(kPageSize - 1), 0, frame) != MmError::ok) return Owner::reserved();
    return owner_in(words_[head_of(frame)]);
}

uint64_t FrameAllocator::count(Owner owner) const
{
    if (!owner.valid()) return 0;
    SpinGuard guard(lock_);
    return counts_[owner.raw()];
}

FrameStats FrameAllocator::stats() const
{
    SpinGuard guard(lock_);
    FrameStats s;
    s.span_frames = layout_.frames;
    s.free_frames = counts_[Owner::kFree];
    s.reserved_frames = counts_[Owner::kReserved];
    s.managed_frames = layout_.frames - s.reserved_frames;
    s.hypervisor_frames = counts_[Owner::kHypervisor];
    s.shared_frames = counts_[Owner::kShared];
    for (uint32_t i = Owner::kFirstVm; i < Owner::kSlots; ++i) s.vm_frames += counts_[i];
    for (unsigned k = 0; k <= kMaxOrder; ++k) s.free_blocks[k] = free_[k].count();
    s.min_free_frames = pressure_.min_free_pages();
    s.pressure = pressure_.state();
    s.metadata_bytes = layout_.metadata_bytes;
    return s;
}

void FrameAllocator::set_min_free(uint64_t pages)
{
    SpinGuard guard(lock_);
    pressure_.configure(pages);
    update_pressure();
}

void FrameAllocator::set_min_free(uint64_t pages, uint64_t margin_pages)
{
    SpinGuard guard(lock_);
    pressure_.configure(pages, margin_pages);
    update_pressure();
}

PressureState FrameAllocator::pressure() const
{
    SpinGuard guard(lock_);
    return pressure_.state();
}

const char* FrameAllocator::check_invariants() const
{
    SpinGuard guard(lock_);
    uint64_t tally[Owner::kSlots] = {};
    uint64_t free_blocks[kMaxOrder + 1] = {};
    const uint64_t frames = layout_.frames;
    for (uint64_t i = 0; i < frames;) {
        uint32_t w = words_[i];
        if (!is_head(w)) return "frame outside every block (tail without a head)";
        unsigned k = order_of(w);
        Owner owner = owner_in(w);
        if (k > kMaxOrder) return "block order too large";
        if (!owner.valid()) return "block owner out of range";
        if (i & ((1ull << k) - 1)) return "block not naturally aligned";
        if (frames - i < (1ull << k)) return "block runs past the span";
        for (uint64_t t = i + 1; t < i + (1ull << k); ++t)
            if (words_[t] != 0) return "frame claimed by two blocks (head inside a block)";
        bool listed = free_[k].test(i >> k);
        if (owner == Owner::free()) {
            if (!listed) return "free block missing from its free list";
            ++free_blocks[k];
            uint64_t buddy = i ^ (1ull << k);
            if (k < kMaxOrder && (buddy >> k) < free_[k].size() && free_[k].test(buddy >> k))
                return "free buddies not coalesced";
        } else if (listed) {
            return "allocated block on a free list";
        }
        tally[owner.raw()] += 1ull << k;
        i += 1ull << k;
    }
    uint64_t sum = 0;
    for (uint32_t o = 0; o < Owner::kSlots; ++o) {
        if (tally[o] != counts_[o]) return "per-owner count does not match the frames";
        sum += counts_[o];
    }
    if (sum != frames) return "owner counts do not add up to the span";
    for (unsigned k = 0; k <= kMaxOrder; ++k) {
        if (free_[k].count() != free_blocks[k]) return "free list holds a block that is not free";
        if (!free_[k].consistent()) return "free list summary out of date";
    }
    return nullptr;
}

} // namespace sp::mm
