#include "hv/image/selftest_commands.hpp"

#include "hv/console/arguments.hpp"
#include "hv/console/command.hpp"
#include "hv/console/reply.hpp"
#include "hv/console/text.hpp"
#include "hv/lib/panic.hpp"

namespace sp {
namespace {
using namespace console;

void selftest_fault(const Arguments& args, Reply& reply, void*)
{
    const char* kind = args.at(0);
    if (same_text(kind, "ud")) {
        asm volatile("ud2");
    } else if (same_text(kind, "pf")) {
        // A non-canonical address raises #GP, so use a canonical one far above any RAM.
        volatile uint64_t* unmapped = reinterpret_cast<volatile uint64_t*>(0x00007ff000000000ull);
        *unmapped = 1;
    } else if (same_text(kind, "gp")) {
        volatile uint64_t* noncanonical = reinterpret_cast<volatile uint64_t*>(0x8000000000000000ull);
        *noncanonical = 1;
    } else if (same_text(kind, "panic")) {
        panic("selftest: panic requested from the console");
    } else {
        reply.fail("unknown fault '%s' (one of: ud, pf, gp, panic)", kind);
        return;
    }
    reply.fail("the fault '%s' did not happen", kind);
}

const Command selftest_commands[] = {
    {"selftest fault", "ud|pf|gp|panic", "test mode only: raise an exception or panic in the hypervisor",
     selftest_fault, 1, 1},
};
} // namespace

void add_selftest_commands(console::Shell& shell) { shell.add_commands(selftest_commands); }

} // namespace sp
