// The engine's tunables, named as Linux KSM names them (/sys/kernel/mm/ksm/*) where KSM has
// them. parse_tunable() validates a textual KEY VALUE pair (the console's `share set`) into a
// copy; the engine then checks what depends on its state (busy) and commits.
#pragma once
#include <stdint.h>

#include "mm/sharing/sharing_error.hpp"

namespace sp::sharing {

enum class SplitPolicy : uint8_t {
    pressure, // split large mappings only in pressure state clear or worse, just enough
    eager,    // split as soon as one piece can be shared (Linux KSM with THP)
};
enum class DomainMode : uint8_t {
    vm,    // share only within a VM (per-VM salting), whatever groups VMs are in
    group, // share within a named group of VMs; VMs without a group only within themselves
           // (default: a VM shares beyond itself only once its configuration names a group)
    host,  // share across the whole host
};

struct Tunables {
    uint32_t run = 1;               // 0 stop, 1 run, 2 unmerge everything then stop
    uint32_t pages_to_scan = 100;   // per wake-up
    uint32_t sleep_millisecs = 20;  // between wake-ups
    bool use_zero_pages = true;     // zero pages go to the shared zero frame(s)
    uint32_t max_page_sharing = 256;
    bool smart_scan = true;         // skip pages that keep failing to merge, for a while
    SplitPolicy split_policy = SplitPolicy::pressure;
    uint32_t merge_delay_ms = 10000; // pressure high this long before split ranges collapse
    DomainMode domain_mode = DomainMode::group;
    uint64_t min_free = 0;          // pages; 0 keeps the frame allocator's default
    // Samepage's own: the scanner's share of a CPU that also runs guests (the hypervisor's
    // pacing rests it after each chunk so it uses no more). KSM has a core of its own for ksmd.
    uint32_t max_cpu_percent = 20;
};

struct TunableInfo {
    const char* name;
    const char* help;
};
extern const TunableInfo kTunables[];
extern const unsigned kTunableCount;

// Parses value for key into t (t untouched on error).
SharingError parse_tunable(Tunables& t, const char* key, const char* value);
// Writes the value of key as text into buf (NUL-terminated); false for an unknown key.
bool format_tunable(const Tunables& t, const char* key, char* buf, unsigned size);

const char* to_string(SplitPolicy p);
const char* to_string(DomainMode m);

} // namespace sp::sharing
