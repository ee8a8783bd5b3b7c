// A global with a constructor, so the banner can prove that .init_array ran: if the start-up
// code dropped constructors, `marker` would stay 0 and the banner says so.
#include "hv/rt/startup_probe.hpp"

namespace sp::rt {
namespace {
// Read through a volatile so the compiler cannot turn the constructor into static data.
volatile unsigned probe_seed = 0x5a17u;
struct StartupProbe {
    StartupProbe() { value = probe_seed; }
    static constexpr unsigned expected = 0x5a17u;
    unsigned value = 0;
};
StartupProbe probe;
} // namespace

bool global_constructor_ran() { return probe.value == StartupProbe::expected; }

} // namespace sp::rt
