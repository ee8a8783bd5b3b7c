// Error results of the page-sharing engine. Bad input (unknown VM, bad tunable value) gets one
// of these and leaves the state unchanged; broken invariants panic (SP_ASSERT).
#pragma once
#include <stdint.h>

namespace sp::sharing {

enum class SharingError : uint8_t {
    ok = 0,
    unknown_key,      // set_tunable: no such tunable
    bad_value,        // set_tunable: not a number / not one of the allowed words
    out_of_range,     // set_tunable: number outside the allowed range
    busy,             // the change needs no shared pages (e.g. domain_mode): unmerge first (run 2)
    unknown_vm,       // no VM registered with that id
    already_registered,
    too_many_vms,
    bad_range,        // guest range empty, unaligned or too large
    not_mapped,       // write fault on a guest page with no mapping
    no_memory,        // frames or metadata exhausted
    capacity,         // page-id space exhausted
};

const char* to_string(SharingError error);

} // namespace sp::sharing
