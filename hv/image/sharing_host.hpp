// The page-sharing engine inside the hypervisor: one engine over every VM's nested table, the
// reverse map of every frame guests map, and the scanner's turns in the main loop. The engine's
// needs are met here: frames read through the identity map, the TSC as its clock, metadata in
// frames charged to the hypervisor.
#pragma once
#include <stdint.h>

#include "hv/lib/sink.hpp"
#include "mm/reverse_map.hpp"
#include "mm/sharing/engine.hpp"

namespace sp {

struct SharingHost {
    mm::ReverseMap& rmap;
    sharing::Engine& engine;
};

// Builds the reverse map and the engine; false, with a line on `log`, when memory is short (VMs
// then run without sharing).
bool sharing_init(uint64_t tsc_per_ms, Sink& log);
// nullptr when sharing is off.
SharingHost* sharing_host();

// One turn of the scanner from the main loop: scans what its pacing says is due, in a bounded
// chunk, and hands the engine the allocator's pressure state. True when it scanned anything.
bool sharing_turn();

} // namespace sp
