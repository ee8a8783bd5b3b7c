// Error results of the memory core. Bad input is reported with one of these and leaves the
// state unchanged; broken invariants are bugs and panic (SP_ASSERT) instead.
#pragma once
#include <stdint.h>

namespace sp::mm {

enum class MmError : uint8_t {
    ok = 0,
    unaligned,            // address or size not aligned to the page size asked for
    overflow,             // base + size wraps around or leaves the address space
    out_of_range,         // outside the memory the allocator manages / the table's reach
    invalid_argument,     // zero size, empty permission set, unknown owner...
    unsupported,          // the format cannot express the attributes (e.g. write without read)
    already_mapped,       // map() over an existing mapping
    not_mapped,           // protect/split/remap/translate of an address with no mapping
    not_large_page,       // split of a 4 KiB page
    not_mergeable,        // merge: entries not contiguous, unaligned or differing
    not_allocated,        // the frame is free: never handed out, or already freed (double free)
    not_managed,          // firmware/ACPI frame, hole in the map, or outside the managed span
    busy,                 // reserve(): part of the range is already in use
    wrong_owner,          // free/transfer names an owner that does not hold the frame
    wrong_size,           // free of a block larger than the block that was allocated
    no_memory,            // no free block big enough
    bad_memory_map,       // memory map entry unaligned or wrapping
    not_found,            // reverse map: no such mapper
    capacity,             // caller-provided storage too small
};

const char* to_string(MmError error);

// A value or an error. T must be default-constructible and trivially copyable in practice.
template <typename T>
struct Result {
    T value{};
    MmError error = MmError::ok;

    static Result success(T v) { return Result{v, MmError::ok}; }
    static Result failure(MmError e) { return Result{T{}, e}; }
    bool ok() const { return error == MmError::ok; }
};

} // namespace sp::mm
