// The page-sharing engine (what Linux calls KSM), hardware-independent: it reads guest memory
// through FrameMemory, changes guest mappings only through each VM's NestedSpace (whose page
// table flushes through its TLB policy before returning), and takes time from a Clock.
//
//   scan(budget)          looks at `budget` guest pages: fingerprint (XXH3), index lookup,
//                         write-protect + flush + byte compare, merge; splits/collapses large
//                         mappings by pressure policy at the end of each full scan
//   tick()                scan(pages_to_scan) when run == 1 and sleep_millisecs have passed
//   handle_write_fault()  copy-on-write from a nested page fault on a read-only shared page
//   set_pressure()        memory-core pressure state (drives splitting and collapsing)
//
// Ownership: once registered, the guest frames mapped in the VM's table belong to the engine's
// bookkeeping; unregister_vm() drops shares, unmaps everything and frees the VM's frames.
// Locking: one engine lock around every public call (SMP-ready: a merge write-protects and
// flushes before it compares bytes, so a concurrent writer faults and waits for the lock).
// See docs/sharing.md.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/lib/spinlock.hpp"
#include "mm/frame_allocator.hpp"
#include "mm/reverse_map.hpp"
#include "mm/sharing/environment.hpp"
#include "mm/sharing/fingerprint_index.hpp"
#include "mm/sharing/nested_space.hpp"
#include "mm/sharing/page_state.hpp"
#include "mm/sharing/sharing_error.hpp"
#include "mm/sharing/stable_nodes.hpp"
#include "mm/sharing/stats.hpp"
#include "mm/sharing/tunables.hpp"

namespace sp::sharing {

struct EngineDeps {
    mm::FrameAllocator& frames;
    mm::ReverseMap& rmap;
    FrameMemory& memory;
    Clock& clock;
    MetadataMemory& metadata;
};

class Engine {
public:
    static constexpr unsigned kMaxVmSlots = 64;
    static constexpr unsigned kMaxGroups = 32;
    static constexpr unsigned kGroupNameMax = 31;

    explicit Engine(const EngineDeps& deps);
    ~Engine(); // every VM must be unregistered first
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Guest-physical [0, guest_bytes) of vm, mapped (fully or partly) in space. guest_bytes is
    // a multiple of 2 MiB. The hypervisor records every mapped frame in the reverse map.
    SharingError register_vm(uint32_t vm, NestedSpace& space, uint64_t guest_bytes);
    SharingError unregister_vm(uint32_t vm);
    // Named sharing group (domain_mode=group); nullptr or "" leaves the group.
    // Only while nothing of the VM is shared.
    SharingError set_vm_group(uint32_t vm, const char* group);

    uint64_t scan(uint64_t budget_pages); // returns pages looked at
    uint64_t tick();
    SharingError handle_write_fault(uint32_t vm, uint64_t gpa);
    void set_pressure(mm::PressureState state);

    SharingError set_tunable(const char* key, const char* value);
    const Tunables& tunables() const { return tunables_; }

    SharingStats stats() const;
    uint64_t full_scans() const { return __atomic_load_n(&full_scans_, __ATOMIC_RELAXED); } // cheap
    SharingError vm_stats(uint32_t vm, VmSharingStats& out) const;

    // For tests: stable-node mapper counts equal the reverse map, every page state agrees with
    // its mapping and frame owner. nullptr when all holds, else what broke.
    const char* check_invariants() const;

private:
    // One record per 2 MiB guest range, for the large-mapping policy.
    struct Range {
        uint16_t sharable;  // pieces that matched something (or are zero) in the last full pass
        uint16_t counting;  // the same, for the pass in progress
        uint16_t zero;      // all-zero pieces in the pass in progress
        uint8_t flags;
        uint8_t pad;
    };
    static constexpr uint8_t kRangeLarge = 1;      // mapped by a large leaf at the last look
    static constexpr uint8_t kRangeSplitByUs = 2;  // we split it; collapse candidate

    struct Vm {
        uint32_t id = 0;
        NestedSpace* space = nullptr;
        uint64_t pages = 0;
        uint32_t first_id = 0;    // global page id of page 0 (ids index the unstable index)
        PageWord* state = nullptr;
        Range* ranges = nullptr;
        uint16_t group = 0;       // 0 none, else 1 + group slot
    };

    // engine.cpp
    Vm* find_vm(uint32_t vm);
    const Vm* find_vm(uint32_t vm) const;
    Vm* vm_of_page(uint32_t page_id, uint64_t& index);
    uint16_t domain_of(const Vm& vm) const;
    uint64_t ranges_of(const Vm& vm) const { return (vm.pages + 511) / 512; }
    bool resize_unstable();
    void release_zero_frames_if_idle();
    bool ensure_zero_frame();
    bool ensure_zero_frame_2m();
    bool is_zero_frame(uint64_t pa) const;
    uint8_t* frame_bytes(uint64_t pa) { return static_cast<uint8_t*>(memory_.frame(pa & ~0xfffull)); }
    MetadataUsage metadata_usage() const;
    uint64_t live_shared_pages_of(const Vm& vm) const;
    void drop_mapper(uint64_t frame_pa, uint32_t vm, uint64_t gfn);
    void release_page(Vm& vm, uint64_t index, uint64_t pa);
    uint32_t node_of_frame(uint64_t pa) const;
    uint32_t add_node(uint64_t hash, uint64_t pa, uint16_t domain, uint16_t mappers);
    void remove_node(uint32_t id);
    static uint64_t frame_key(uint64_t pa) { return salted_key(pa >> 12, 0xffff); }

    // scanner.cpp
    uint64_t scan_locked(uint64_t budget_pages);
    void look_at(Vm& vm, uint64_t index);
    bool smart_skip(uint32_t state) const;
    bool merge_zero(Vm& vm, uint64_t index, const mm::Translation& t);
    bool merge_stable(Vm& vm, uint64_t index, const mm::Translation& t, uint64_t hash);
    bool merge_unstable(Vm& vm, uint64_t index, const mm::Translation& t, uint64_t hash);
    bool memory_allows_large() const;
    void end_full_scan();
    bool sharing_held_back(const Vm& vm, uint64_t index) const;

    // large_mappings.cpp
    void look_at_large_piece(Vm& vm, uint64_t index, const mm::Translation& t);
    bool matches_something(const Vm& vm, uint64_t index, uint64_t hash);
    void reclaim_zero_2m(Vm& vm, uint64_t range);
    void reclaim_zero_1g(Vm& vm, uint64_t first_range);
    bool split_range(Vm& vm, uint64_t range);
    void split_pass();
    void collapse_pass();
    bool collapse_range(Vm& vm, uint64_t range);
    uint64_t split_saving() const;

    // cow.cpp
    SharingError break_cow(Vm& vm, uint64_t index, const mm::Translation& t);
    SharingError break_zero_2m(Vm& vm, uint64_t index, const mm::Translation& t);
    void unmerge_all();

    mm::FrameAllocator& frames_;
    mm::ReverseMap& rmap_;
    FrameMemory& memory_;
    Clock& clock_;
    MetadataMemory& metadata_;
    mutable Spinlock lock_;

    Tunables tunables_;
    Vm vms_[kMaxVmSlots];
    unsigned vm_count_ = 0;
    uint32_t next_page_id_ = 0;
    char groups_[kMaxGroups][kGroupNameMax + 1] = {};

    FingerprintIndex unstable_; // page ids, cleared after every full scan
    FingerprintIndex stable_;   // stable-node ids by salted fingerprint
    FingerprintIndex by_frame_; // stable-node ids by frame (copy-on-write, teardown)
    StableNodes nodes_;
    uint64_t zero_hash_ = 0;
    uint64_t zero_frame_ = 0;    // 0 = not allocated
    uint64_t zero_frame_2m_ = 0;

    // Scan cursor.
    unsigned cursor_vm_ = 0;
    uint64_t cursor_page_ = 0;
    uint64_t last_tick_ms_ = 0;
    bool ticked_ = false;

    mm::PressureState pressure_ = mm::PressureState::high;
    uint64_t high_since_ms_ = 0;
    bool split_due_ = false;

    // Counters.
    uint64_t sharing_mappers_ = 0; // sum of mappers over stable nodes
    uint64_t zero_pages_ = 0;
    uint64_t full_scans_ = 0;
    uint64_t volatile_now_ = 0, unshared_now_ = 0, skipped_now_ = 0, dropped_now_ = 0;
    uint64_t volatile_last_ = 0, unshared_last_ = 0, skipped_last_ = 0;
    uint64_t large_split_ = 0, large_collapsed_ = 0, large_collapsed_copy_ = 0, large_zero_ = 0;
    uint64_t cow_breaks_ = 0, merges_ = 0;
};

} // namespace sp::sharing
