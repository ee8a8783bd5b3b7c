// Hypervisor heap: slabs for small objects, boundary-tag blocks for the rest. See small_heap.hpp.
#include "mm/small_heap.hpp"

#include "hv/lib/panic.hpp"

namespace sp {

namespace {

constexpr uintptr_t align_up(uintptr_t v, uintptr_t a) { return (v + a - 1) & ~(a - 1); }
constexpr uintptr_t align_down(uintptr_t v, uintptr_t a) { return v & ~(a - 1); }
constexpr bool is_power_of_two(size_t v) { return v != 0 && (v & (v - 1)) == 0; }

template <class T> T* at(uintptr_t a) { return reinterpret_cast<T*>(a); }
template <class T> uintptr_t addr(const T* p) { return reinterpret_cast<uintptr_t>(p); }

// Block header flags, in the low bits of the (16-aligned) size.
constexpr uint64_t kUsed = 1;
constexpr uint64_t kPrevUsed = 2; // the block just below is used: no footer to read there
constexpr uint64_t kSlabBlock = 4; // the payload is a slab, not a large allocation
constexpr uint64_t kFlagMask = 15;

constexpr size_t kHeaderBytes = 16;
constexpr size_t kMinBlockBytes = 48; // header + two free-list links + footer, rounded to 16
constexpr uint64_t kFreeTag = 0xF4EEB10CF4EEB10Cull;
constexpr uint64_t kUsedMagic = 0xA11C;
constexpr uint32_t kSlabMagic = 0x51AB5EA7;
constexpr uint64_t kFreeSlotCanary = 0xDEADF4EE5107C0DEull;
constexpr size_t kSlabObjectAlign = 64; // first slot offset: slots of 32/64-multiples align too

// Used blocks: requested size above a 16-bit magic that depends on the block's address, so a
// stray pointer into a payload rarely looks like a block.
uint64_t used_magic(uintptr_t block) { return kUsedMagic ^ ((block >> 4) & 0xFFFF); }

unsigned bin_of(size_t bytes) { return 63u - static_cast<unsigned>(__builtin_clzll(bytes)); }

// Slots per slab and where they start, per size class; and the class of each 16-byte granule.
struct ClassLayout {
    size_t slot_bytes = 0;
    size_t capacity = 0;     // slots per slab
    size_t first_slot = 0;   // offset of slot 0 from the slab start
};

struct ClassTable {
    ClassLayout layout[kHeapSizeClassCount];
    uint8_t class_of_granule[SmallHeap::kMaxSmallSize / 16 + 1]; // by (size + 15) / 16
};

constexpr size_t kSlabHeaderBytes = 32; // sizeof(SmallHeap::Slab), checked below

constexpr ClassTable make_class_table()
{
    ClassTable t{};
    unsigned c = 0;
    for (size_t g = 0; g <= SmallHeap::kMaxSmallSize / 16; ++g) {
        while (kHeapSizeClasses[c] < g * 16) ++c;
        t.class_of_granule[g] = static_cast<uint8_t>(c);
    }
    for (unsigned i = 0; i < kHeapSizeClassCount; ++i) {
        size_t slot = kHeapSizeClasses[i];
        size_t n = (SmallHeap::kSlabBytes - kSlabHeaderBytes) / (slot + 1);
        while (align_up(kSlabHeaderBytes + n, kSlabObjectAlign) + n * slot > SmallHeap::kSlabBytes) --n;
        t.layout[i] = {slot, n, align_up(kSlabHeaderBytes + n, kSlabObjectAlign)};
    }
    return t;
}

constexpr ClassTable kClasses = make_class_table();

static_assert(kHeapSizeClasses[0] == 16 && SmallHeap::kMaxSmallSize % 16 == 0);
static_assert(kClasses.layout[0].capacity < 65536, "free_count is 16 bits");
static_assert(kClasses.layout[kHeapSizeClassCount - 1].capacity >= 32);

// The state byte holds slot - requested + 1 (1..255). The slack below a slot is under the gap
// to the class below, plus up to 63 when an alignment of 64 rounded the request up first.
constexpr bool class_spacing_fits_state_byte()
{
    for (unsigned i = 1; i < kHeapSizeClassCount; ++i) {
        if (kHeapSizeClasses[i] % 16 || kHeapSizeClasses[i] - kHeapSizeClasses[i - 1] + kSlabObjectAlign > 255) {
            return false;
        }
    }
    return true;
}
static_assert(class_spacing_fits_state_byte());

} // namespace

struct SmallHeap::Block {
    uint64_t size_flags;
    uint64_t tag; // free: kFreeTag; used: requested << 16 | used_magic(this)
    // Free blocks only (a used block's payload starts here).
    Block* prev_free;
    Block* next_free;

    size_t size() const { return size_flags & ~kFlagMask; }
    bool used() const { return size_flags & kUsed; }
    bool prev_used() const { return size_flags & kPrevUsed; }
    uintptr_t start() const { return addr(this); }
    uintptr_t payload() const { return start() + kHeaderBytes; }
    Block* next() const { return at<Block>(start() + size()); }
    uint64_t& footer() const { return *at<uint64_t>(start() + size() - 8); }
};

// Lives in a free slot's first 16 bytes.
struct SmallHeap::FreeSlot {
    FreeSlot* next;
    uint64_t canary; // kFreeSlotCanary ^ address; allocation checks it
};

struct SmallHeap::Slab {
    uint32_t magic;
    uint16_t size_class;
    uint16_t free_count;
    Slab* prev; // in partial_[size_class]
    Slab* next;
    FreeSlot* free_slots;
    // Followed by one state byte per slot, then the slots from a kSlabObjectAlign boundary.

    const ClassLayout& layout() const { return kClasses.layout[size_class]; }
    uint8_t* states() const { return at<uint8_t>(addr(this) + kSlabHeaderBytes); }
    uintptr_t slot(size_t index) const { return addr(this) + layout().first_slot + index * layout().slot_bytes; }
    // Index of the slot at p; callers make sure p is a slot start.
    size_t index_of(uintptr_t p) const { return (p - addr(this) - layout().first_slot) / layout().slot_bytes; }
};

// ---- setup ----

bool SmallHeap::init(void* base, size_t bytes)
{
    uintptr_t begin = addr(base);
    static_assert(sizeof(Slab) == kSlabHeaderBytes);
    if (begin == 0 || bytes < 256 || bytes > UINTPTR_MAX - begin - kSlabBytes) return false;
    uintptr_t end = begin + bytes;
    uintptr_t chunk_base = align_down(begin, kSlabBytes);
    size_t chunks = (align_up(end, kSlabBytes) - chunk_base) / kSlabBytes;
    uintptr_t map = align_up(begin, 16);
    uintptr_t heap_start = align_up(map + chunks, 16);
    uintptr_t end_marker = align_down(end, 16) - kHeaderBytes;
    if (end_marker < heap_start + kMinBlockBytes) return false;

    SpinGuard guard(lock_);
    region_bytes_ = bytes;
    region_begin_ = begin;
    region_end_ = end;
    chunk_base_ = chunk_base;
    chunk_map_ = at<uint8_t>(map);
    chunk_count_ = chunks;
    for (size_t i = 0; i < chunks; ++i) chunk_map_[i] = 0;
    heap_start_ = heap_start;
    end_marker_ = end_marker;
    for (Block*& bin : bins_) bin = nullptr;
    nonempty_bins_ = 0;
    for (unsigned c = 0; c < kHeapSizeClassCount; ++c) {
        partial_[c] = nullptr;
        empty_slabs_[c] = class_live_[c] = class_slabs_[c] = class_free_slots_[c] = 0;
    }
    requested_bytes_ = reserved_bytes_ = peak_reserved_bytes_ = free_bytes_ = 0;
    slab_bytes_ = large_bytes_ = live_allocations_ = large_allocations_ = slab_count_ = 0;

    Block* marker = at<Block>(end_marker);
    marker->size_flags = kUsed;
    marker->tag = 0;
    put_free(heap_start, end_marker - heap_start, true);
    return true;
}

bool SmallHeap::contains(const void* ptr) const
{
    uintptr_t p = addr(ptr);
    return p >= region_begin_ && p < region_end_;
}

// ---- allocation ----

void* SmallHeap::allocate(size_t size, size_t align)
{
    if (!is_power_of_two(align) || align > kMaxAlignment) return nullptr;
    if (align < kAlignment) align = kAlignment;
    if (size == 0) size = 1;

    SpinGuard guard(lock_);
    if (heap_start_ == 0) panic("heap: allocate(%zu) before init()", size);
    if (align <= kSlabObjectAlign && size <= kMaxSmallSize) {
        // Slots of a class whose size is a multiple of `align` are aligned to it.
        size_t rounded = align_up(size, align);
        unsigned size_class = rounded <= kMaxSmallSize ? kClasses.class_of_granule[rounded / 16] : 0;
        if (rounded <= kMaxSmallSize && kHeapSizeClasses[size_class] % align == 0) {
            if (void* p = allocate_small(size_class, size)) return p;
            // No room for a new slab: a block of its own may still fit.
        }
    }
    return allocate_large(size, align);
}

void* SmallHeap::allocate_small(unsigned size_class, size_t size)
{
    Slab* slab = partial_[size_class];
    if (!slab) slab = new_slab(size_class);
    if (!slab) return nullptr;

    const ClassLayout& l = kClasses.layout[size_class];
    FreeSlot* slot = slab->free_slots;
    if (slot->canary != (kFreeSlotCanary ^ addr(slot))) {
        panic("heap: free slot %p (%zu-byte class) was written after free", static_cast<void*>(slot),
              l.slot_bytes);
    }
    size_t index = slab->index_of(addr(slot));
    SP_ASSERT(slab->states()[index] == 0 && l.slot_bytes - size + 1 <= 255);
    slab->states()[index] = static_cast<uint8_t>(l.slot_bytes - size + 1);
    slab->free_slots = slot->next;
    if (slab->free_count == l.capacity) --empty_slabs_[size_class];
    if (--slab->free_count == 0) unlink_slab(slab);
    ++class_live_[size_class];
    --class_free_slots_[size_class];
    note_allocated(size, l.slot_bytes);
    return slot;
}

void* SmallHeap::allocate_large(size_t size, size_t align)
{
    if (size > end_marker_ - heap_start_) return nullptr;
    size_t block_bytes = align_up(size + kHeaderBytes, 16);
    if (block_bytes < kMinBlockBytes) block_bytes = kMinBlockBytes;
    Block* block = take_block(block_bytes, align);
    if (!block && release_empty_slabs()) block = take_block(block_bytes, align);
    if (!block) return nullptr;
    block->tag = (static_cast<uint64_t>(size) << 16) | used_magic(block->start());
    ++large_allocations_;
    large_bytes_ += block->size();
    note_allocated(size, block->size());
    return at<void>(block->payload());
}

SmallHeap::Slab* SmallHeap::new_slab(unsigned size_class)
{
    Block* block = take_block(kHeaderBytes + kSlabBytes, kSlabBytes);
    if (!block && release_empty_slabs()) block = take_block(kHeaderBytes + kSlabBytes, kSlabBytes);
    if (!block) return nullptr;
    block->size_flags |= kSlabBlock;
    block->tag = used_magic(block->start());

    const ClassLayout& l = kClasses.layout[size_class];
    Slab* slab = at<Slab>(block->payload());
    slab->magic = kSlabMagic;
    slab->size_class = static_cast<uint16_t>(size_class);
    slab->free_count = static_cast<uint16_t>(l.capacity);
    slab->free_slots = nullptr;
    for (size_t i = l.capacity; i-- > 0;) { // lowest address first out
        slab->states()[i] = 0;
        FreeSlot* slot = at<FreeSlot>(slab->slot(i));
        slot->next = slab->free_slots;
        slot->canary = kFreeSlotCanary ^ addr(slot);
        slab->free_slots = slot;
    }
    chunk_map_[(addr(slab) - chunk_base_) / kSlabBytes] = static_cast<uint8_t>(size_class + 1);
    link_slab(slab);
    ++empty_slabs_[size_class];
    ++slab_count_;
    ++class_slabs_[size_class];
    class_free_slots_[size_class] += l.capacity;
    slab_bytes_ += block->size();
    return slab;
}

void SmallHeap::release_slab(Slab* slab)
{
    unsigned size_class = slab->size_class;
    unlink_slab(slab);
    --empty_slabs_[size_class];
    --slab_count_;
    --class_slabs_[size_class];
    class_free_slots_[size_class] -= kClasses.layout[size_class].capacity;
    chunk_map_[(addr(slab) - chunk_base_) / kSlabBytes] = 0;
    slab->magic = 0;
    Block* block = at<Block>(addr(slab) - kHeaderBytes);
    slab_bytes_ -= block->size();
    block->size_flags &= ~kSlabBlock;
    give_back(block);
}

bool SmallHeap::release_empty_slabs()
{
    bool released = false;
    for (unsigned c = 0; c < kHeapSizeClassCount; ++c) {
        for (Slab* slab = partial_[c]; slab && empty_slabs_[c] > 0;) {
            Slab* next = slab->next;
            if (slab->free_count == kClasses.layout[c].capacity) {
                release_slab(slab);
                released = true;
            }
            slab = next;
        }
    }
    return released;
}

void SmallHeap::note_allocated(size_t requested, size_t reserved)
{
    ++live_allocations_;
    requested_bytes_ += requested;
    reserved_bytes_ += reserved;
    if (reserved_bytes_ > peak_reserved_bytes_) peak_reserved_bytes_ = reserved_bytes_;
}

void SmallHeap::note_freed(size_t requested, size_t reserved)
{
    --live_allocations_;
    requested_bytes_ -= requested;
    reserved_bytes_ -= reserved;
}

// ---- free ----

void SmallHeap::free(void* ptr)
{
    if (!ptr) return;
    SpinGuard guard(lock_);
    uintptr_t p = validated_address(ptr, "free");
    if (Slab* slab = slab_of(p)) {
        free_small(slab, validated_slot(slab, p, "free"));
    } else {
        free_large(validated_block(p, "free"));
    }
}

size_t SmallHeap::size_of(const void* ptr) const
{
    SpinGuard guard(lock_);
    uintptr_t p = validated_address(ptr, "size_of");
    if (const Slab* slab = slab_of(p)) {
        validated_slot(slab, p, "size_of");
        return kClasses.layout[slab->size_class].slot_bytes;
    }
    const Block* block = validated_block(p, "size_of");
    return block->size() - kHeaderBytes;
}

void SmallHeap::free_small(Slab* slab, uintptr_t p)
{
    unsigned size_class = slab->size_class;
    const ClassLayout& l = kClasses.layout[size_class];
    size_t index = slab->index_of(p);
    size_t requested = l.slot_bytes + 1 - slab->states()[index];
    slab->states()[index] = 0;
    FreeSlot* slot = at<FreeSlot>(p);
    slot->next = slab->free_slots;
    slot->canary = kFreeSlotCanary ^ p;
    slab->free_slots = slot;
    if (slab->free_count++ == 0) link_slab(slab);
    --class_live_[size_class];
    ++class_free_slots_[size_class];
    note_freed(requested, l.slot_bytes);

    if (slab->free_count == l.capacity) {
        // Keep one empty slab per class against alloc/free ping-pong at a slab boundary.
        ++empty_slabs_[size_class];
        if (empty_slabs_[size_class] > 1) release_slab(slab);
    }
}

void SmallHeap::free_large(Block* block)
{
    --large_allocations_;
    large_bytes_ -= block->size();
    note_freed(block->tag >> 16, block->size());
    give_back(block);
}

// ---- pointer validation: every way a bad pointer is caught ----

uintptr_t SmallHeap::validated_address(const void* ptr, const char* op) const
{
    uintptr_t p = addr(ptr);
    if (p < heap_start_ || p >= end_marker_ || p % kAlignment != 0) {
        panic("heap: %s of %p, which is not a pointer from this heap", op, ptr);
    }
    return p;
}

SmallHeap::Slab* SmallHeap::slab_of(uintptr_t p) const
{
    uint8_t entry = chunk_map_[(p - chunk_base_) / kSlabBytes];
    if (entry == 0) return nullptr;
    Slab* slab = at<Slab>(align_down(p, kSlabBytes));
    if (slab->magic != kSlabMagic || slab->size_class != entry - 1u) {
        panic("heap: corrupted slab header at %p (found through %p)", static_cast<void*>(slab),
              at<void>(p));
    }
    return slab;
}

uintptr_t SmallHeap::validated_slot(const Slab* slab, uintptr_t p, const char* op) const
{
    const ClassLayout& l = kClasses.layout[slab->size_class];
    uintptr_t first = addr(slab) + l.first_slot;
    if (p < first || (p - first) % l.slot_bytes != 0 || (p - first) / l.slot_bytes >= l.capacity) {
        panic("heap: %s of %p, which is not the start of a slot in the %zu-byte slab at %p", op,
              at<void>(p), l.slot_bytes, static_cast<const void*>(slab));
    }
    if (slab->states()[(p - first) / l.slot_bytes] == 0) {
        panic("heap: %s of %p, which is already free (double free or stale pointer, %zu-byte slot)",
              op, at<void>(p), l.slot_bytes);
    }
    return p;
}

SmallHeap::Block* SmallHeap::validated_block(uintptr_t p, const char* op) const
{
    void* ptr = at<void>(p);
    if (p < heap_start_ + kHeaderBytes) panic("heap: %s of %p, which is not a pointer from this heap", op, ptr);
    Block* block = at<Block>(p - kHeaderBytes);
    if (!block->used() && block->tag == kFreeTag) {
        panic("heap: %s of %p, which is already free (double free or stale pointer)", op, ptr);
    }
    bool sane = block->used() && !(block->size_flags & kSlabBlock) &&
                (block->tag & 0xFFFF) == used_magic(block->start()) && block->size() >= kMinBlockBytes &&
                block->size() <= end_marker_ - block->start() && block->next()->prev_used();
    if (!sane) panic("heap: %s of %p, which is not a pointer from this heap (no live block header: foreign, "
                    "interior or already freed)", op, ptr);
    return block;
}

// ---- general allocator ----

SmallHeap::Block* SmallHeap::take_block(size_t block_bytes, size_t align)
{
    // Search from the bin that may hold a fit; blocks in higher bins always fit unaligned.
    for (uint64_t bins = nonempty_bins_ & (~0ull << bin_of(block_bytes)); bins; bins &= bins - 1) {
        unsigned bin = static_cast<unsigned>(__builtin_ctzll(bins));
        for (Block* block = bins_[bin]; block; block = block->next_free) {
            // A leading gap that cannot hold a free block of its own moves us up by `align`.
            size_t gap = align_up(block->payload(), align) - block->payload();
            while (gap != 0 && gap < kMinBlockBytes) gap += align;
            if (gap + block_bytes <= block->size()) return carve(block, gap, block_bytes);
        }
    }
    return nullptr;
}

SmallHeap::Block* SmallHeap::carve(Block* block, size_t gap, size_t block_bytes)
{
    unlink_free(block);
    uintptr_t start = block->start();
    size_t bytes = block->size();
    bool prev_used = block->prev_used();
    if (gap) {
        put_free(start, gap, prev_used);
        start += gap;
        bytes -= gap;
        prev_used = false;
    }
    if (bytes - block_bytes >= kMinBlockBytes) {
        put_free(start + block_bytes, bytes - block_bytes, true);
        bytes = block_bytes;
    }
    Block* taken = at<Block>(start);
    taken->size_flags = bytes | kUsed | (prev_used ? kPrevUsed : 0);
    taken->next()->size_flags |= kPrevUsed;
    return taken;
}

void SmallHeap::give_back(Block* block)
{
    // Leave a free mark in this header even if a neighbour absorbs it: a second free of the
    // same pointer then reads "already free" instead of garbage.
    block->size_flags &= ~kUsed;
    block->tag = kFreeTag;

    uintptr_t start = block->start();
    size_t bytes = block->size();
    bool prev_used = block->prev_used();
    Block* next = block->next();
    if (!next->used()) {
        unlink_free(next);
        bytes += next->size();
    }
    if (!prev_used) {
        Block* prev = at<Block>(start - *at<uint64_t>(start - 8));
        unlink_free(prev);
        start = prev->start();
        bytes += prev->size();
        prev_used = prev->prev_used();
    }
    put_free(start, bytes, prev_used);
}

void SmallHeap::put_free(uintptr_t at_address, size_t bytes, bool prev_used)
{
    Block* block = at<Block>(at_address);
    block->size_flags = bytes | (prev_used ? kPrevUsed : 0);
    block->tag = kFreeTag;
    block->footer() = bytes;
    block->next()->size_flags &= ~kPrevUsed;

    unsigned bin = bin_of(bytes);
    block->prev_free = nullptr;
    block->next_free = bins_[bin];
    if (bins_[bin]) bins_[bin]->prev_free = block;
    bins_[bin] = block;
    nonempty_bins_ |= 1ull << bin;
    free_bytes_ += bytes;
}

void SmallHeap::unlink_free(Block* block)
{
    unsigned bin = bin_of(block->size());
    if (block->prev_free) {
        block->prev_free->next_free = block->next_free;
    } else {
        bins_[bin] = block->next_free;
    }
    if (block->next_free) block->next_free->prev_free = block->prev_free;
    if (!bins_[bin]) nonempty_bins_ &= ~(1ull << bin);
    free_bytes_ -= block->size();
}

void SmallHeap::link_slab(Slab* slab)
{
    Slab*& head = partial_[slab->size_class];
    slab->prev = nullptr;
    slab->next = head;
    if (head) head->prev = slab;
    head = slab;
}

void SmallHeap::unlink_slab(Slab* slab)
{
    if (slab->prev) {
        slab->prev->next = slab->next;
    } else {
        partial_[slab->size_class] = slab->next;
    }
    if (slab->next) slab->next->prev = slab->prev;
    slab->prev = slab->next = nullptr;
}

// ---- statistics and checking ----

HeapStats SmallHeap::stats() const
{
    SpinGuard guard(lock_);
    HeapStats s;
    s.region_bytes = region_bytes_;
    s.metadata_bytes = region_bytes_ - (end_marker_ - heap_start_);
    s.requested_bytes = requested_bytes_;
    s.reserved_bytes = reserved_bytes_;
    s.peak_reserved_bytes = peak_reserved_bytes_;
    s.free_bytes = free_bytes_;
    if (nonempty_bins_) {
        unsigned top = bin_of(nonempty_bins_);
        for (const Block* b = bins_[top]; b; b = b->next_free) {
            if (b->size() - kHeaderBytes > s.largest_free_block) s.largest_free_block = b->size() - kHeaderBytes;
        }
    }
    s.slab_bytes = slab_bytes_;
    s.large_bytes = large_bytes_;
    s.live_allocations = live_allocations_;
    s.large_allocations = large_allocations_;
    s.slab_count = slab_count_;
    for (unsigned c = 0; c < kHeapSizeClassCount; ++c) {
        s.classes[c] = {kHeapSizeClasses[c], class_live_[c], class_free_slots_[c], class_slabs_[c]};
        s.slab_free_bytes += class_free_slots_[c] * kHeapSizeClasses[c];
    }
    return s;
}

const char* SmallHeap::check() const
{
    SpinGuard guard(lock_);
    if (heap_start_ == 0) return "heap not initialized";
    HeapStats seen;
    size_t free_blocks = 0;
    size_t slab_blocks = 0;
    if (const char* why = check_blocks(seen, free_blocks, slab_blocks)) return why;
    if (const char* why = check_bins(free_blocks)) return why;
    if (const char* why = check_slabs(seen, slab_blocks)) return why;

    if (seen.free_bytes != free_bytes_) return "free byte count disagrees with the free blocks";
    if (seen.slab_bytes != slab_bytes_) return "slab byte count disagrees with the slab blocks";
    if (seen.large_bytes != large_bytes_) return "large byte count disagrees with the used blocks";
    if (seen.large_allocations != large_allocations_) return "large allocation count disagrees with the used blocks";
    if (seen.live_allocations != live_allocations_) return "live allocation count disagrees with blocks and slabs";
    if (seen.requested_bytes != requested_bytes_) return "requested byte count disagrees with blocks and slabs";
    if (seen.reserved_bytes != reserved_bytes_) return "reserved byte count disagrees with blocks and slabs";
    if (peak_reserved_bytes_ < reserved_bytes_) return "peak below current reserved bytes";
    if (seen.slab_count != slab_count_) return "slab count disagrees with the chunk map";
    for (unsigned c = 0; c < kHeapSizeClassCount; ++c) {
        const HeapClassStats& k = seen.classes[c];
        if (k.live != class_live_[c] || k.free_slots != class_free_slots_[c] || k.slabs != class_slabs_[c]) {
            return "per-class counts disagree with the slabs";
        }
    }
    return nullptr;
}

// Walks the blocks in address order: sizes, flags, tags, coalescing, and totals by kind.
const char* SmallHeap::check_blocks(HeapStats& seen, size_t& free_blocks, size_t& slab_blocks) const
{
    bool prev_used = true;
    uintptr_t a = heap_start_;
    while (a < end_marker_) {
        const Block* b = at<Block>(a);
        size_t size = b->size();
        if (size < kMinBlockBytes || size > end_marker_ - a) return "block size out of range";
        if (b->prev_used() != prev_used) return "prev-used flag disagrees with the block below";
        if (!b->used()) {
            if (!prev_used) return "two adjacent free blocks (missed coalescing)";
            if (b->tag != kFreeTag || b->footer() != size) return "free block with a bad tag or footer";
            ++free_blocks;
            seen.free_bytes += size;
        } else if (b->size_flags & kSlabBlock) {
            if ((b->tag & 0xFFFF) != used_magic(a)) return "slab block with a bad magic";
            if (b->payload() % kSlabBytes != 0 || size < kHeaderBytes + kSlabBytes) return "slab block misplaced";
            if (chunk_map_[(b->payload() - chunk_base_) / kSlabBytes] == 0) return "slab block not in the chunk map";
            ++slab_blocks;
            seen.slab_bytes += size;
        } else {
            if ((b->tag & 0xFFFF) != used_magic(a)) return "used block with a bad magic";
            if ((b->tag >> 16) > size - kHeaderBytes) return "used block smaller than its request";
            if (size > align_up((b->tag >> 16) + kHeaderBytes, 16) + kMinBlockBytes) return "used block much larger than its request";
            ++seen.large_allocations;
            ++seen.live_allocations;
            seen.large_bytes += size;
            seen.reserved_bytes += size;
            seen.requested_bytes += b->tag >> 16;
        }
        prev_used = b->used();
        a += size;
    }
    if (a != end_marker_) return "blocks overrun the end marker";
    const Block* marker = at<Block>(end_marker_);
    if (marker->size_flags != (kUsed | (prev_used ? kPrevUsed : 0))) return "end marker damaged";
    return nullptr;
}

// Every bin list is well linked, holds only free blocks of its size range, and together they
// hold exactly the free blocks the walk found.
const char* SmallHeap::check_bins(size_t free_blocks) const
{
    size_t listed = 0;
    for (unsigned bin = 0; bin < kBins; ++bin) {
        if (((nonempty_bins_ >> bin) & 1) != (bins_[bin] != nullptr)) return "bin bitmap disagrees with the bins";
        const Block* prev = nullptr;
        for (const Block* b = bins_[bin]; b; prev = b, b = b->next_free) {
            if (++listed > free_blocks) return "bins list more blocks than are free (cycle or stale entry)";
            if (b->start() < heap_start_ || b->start() >= end_marker_ || b->start() % 16) return "bin entry outside the heap";
            if (b->used() || b->tag != kFreeTag) return "bin holds a used block";
            if (bin_of(b->size()) != bin) return "free block in the wrong bin";
            if (b->prev_free != prev) return "bin back link broken";
        }
    }
    if (listed != free_blocks) return "free block missing from the bins";
    return nullptr;
}

// Every chunk-map entry is a sound slab: header, state bytes, free list, partial-list membership.
const char* SmallHeap::check_slabs(HeapStats& seen, size_t slab_blocks) const
{
    size_t mapped = 0;
    size_t partial_count[kHeapSizeClassCount] = {};
    size_t empty_count[kHeapSizeClassCount] = {};
    for (size_t chunk = 0; chunk < chunk_count_; ++chunk) {
        if (chunk_map_[chunk] == 0) continue;
        ++mapped;
        unsigned c = chunk_map_[chunk] - 1u;
        if (c >= kHeapSizeClassCount) return "chunk map entry names no size class";
        const Slab* slab = at<Slab>(chunk_base_ + chunk * kSlabBytes);
        if (addr(slab) < heap_start_ + kHeaderBytes || addr(slab) + kSlabBytes > end_marker_) return "slab outside the heap";
        const Block* block = at<Block>(addr(slab) - kHeaderBytes);
        if (!block->used() || !(block->size_flags & kSlabBlock)) return "chunk map names a slab without a slab block";
        if (slab->magic != kSlabMagic || slab->size_class != c) return "slab header damaged";
        const ClassLayout& l = kClasses.layout[c];

        size_t free_states = 0;
        for (size_t i = 0; i < l.capacity; ++i) {
            uint8_t state = slab->states()[i];
            if (state == 0) {
                ++free_states;
            } else {
                if (state > l.slot_bytes) return "slot state out of range";
                seen.requested_bytes += l.slot_bytes + 1 - state;
            }
        }
        if (free_states != slab->free_count) return "slab free count disagrees with its state bytes";
        size_t walked = 0;
        for (const FreeSlot* s = slab->free_slots; s; s = s->next) {
            if (++walked > slab->free_count) return "slab free list longer than its free count (cycle?)";
            uintptr_t first = slab->slot(0);
            if (addr(s) < first || (addr(s) - first) % l.slot_bytes || slab->index_of(addr(s)) >= l.capacity) {
                return "slab free list points outside its slots";
            }
            if (slab->states()[slab->index_of(addr(s))] != 0) return "slab free list holds a live slot";
            if (s->canary != (kFreeSlotCanary ^ addr(s))) return "free slot written after free";
        }
        if (walked != slab->free_count) return "slab free list shorter than its free count";

        size_t live = l.capacity - slab->free_count;
        HeapClassStats& k = seen.classes[c];
        k.live += live;
        k.free_slots += slab->free_count;
        ++k.slabs;
        ++seen.slab_count;
        seen.live_allocations += live;
        seen.reserved_bytes += live * l.slot_bytes;
        if (slab->free_count > 0) ++partial_count[c];
        if (slab->free_count == l.capacity) ++empty_count[c];
    }
    if (mapped != slab_blocks) return "slab blocks and chunk map disagree";

    for (unsigned c = 0; c < kHeapSizeClassCount; ++c) {
        size_t listed = 0;
        const Slab* prev = nullptr;
        for (const Slab* s = partial_[c]; s; prev = s, s = s->next) {
            if (++listed > partial_count[c]) return "partial list holds a full or foreign slab (or a cycle)";
            if (s->magic != kSlabMagic || s->size_class != c || s->free_count == 0) return "partial list holds a bad slab";
            if (s->prev != prev) return "partial list back link broken";
        }
        if (listed != partial_count[c]) return "slab with free slots missing from its partial list";
        if (empty_count[c] != empty_slabs_[c] || empty_count[c] > 1) return "empty slab count wrong";
    }
    return nullptr;
}

} // namespace sp
