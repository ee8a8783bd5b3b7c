// Samepage's boot configuration: samepage.cfg on the ESP ("key = value" lines, '#' comments),
// then the image's load options ("key=value" words) on top. A bad entry is reported with where
// it is and why, and skipped; the rest still applies. docs/configuration.md lists the keys.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/lib/sink.hpp"

namespace sp {

enum class TestExit { none, qemu, bochs };

struct BootConfig {
    static constexpr size_t kMaxStarts = 8;
    static constexpr size_t kStartChars = 96; // with the terminating NUL

    uint32_t heap_mib = 16;       // the hypervisor's own heap
    TestExit test_exit = TestExit::none; // end the emulator on poweroff/panic (boot tests)
    // The VMs' memory together may be this many percent of the memory Samepage gives guests
    // (above 100: overcommit, made good by page sharing; RAM beyond free memory is backed lazily).
    uint32_t overcommit_percent = 150;
    // "start = GUEST [MEMORY] [--name NAME] [--arg N]" lines: VMs started at boot, in order,
    // exactly as `vm start` would (the console shows each command and its reply).
    char start[kMaxStarts][kStartChars] = {};
    uint32_t start_count = 0;
};

// Applies every valid line of a configuration file; reports each bad line on `diagnostics` as
// "<origin>:<line>: <reason>". Returns the number of bad lines.
int apply_config_file(BootConfig& config, const char* text, size_t length, const char* origin,
                      Sink& diagnostics);

// Applies space-separated key=value words (the load options); a first word ending in ".efi" is
// the image's own name and is skipped. Returns the number of bad words.
int apply_load_options(BootConfig& config, const char* text, size_t length, Sink& diagnostics);

const char* test_exit_name(TestExit exit);

} // namespace sp
