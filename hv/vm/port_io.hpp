// Port I/O decisions: COM1 is the VM's virtual 16550; a list of harmless legacy ports is
// ignored (reads all ones: "no device"); writes to the reset ports restart the VM; any other
// port is ignored too, but counted and named in a rate-limited diagnostic.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/vm/exit.hpp"
#include "hv/vm/vm.hpp"

namespace sp::vm {

struct PortRange {
    uint16_t first, last;
    const char* name;
};

// The ignore-list, for tests and docs.
const PortRange* ignored_ports(size_t& count);

enum class IoEffect : uint8_t { done, restart };

struct IoOutcome {
    IoEffect effect;
    uint32_t value;         // IN: the value read (low `size` bytes)
    const char* reset_port; // restart: which mechanism ("keyboard controller 0x64"...)
};

// A non-string access (the dispatcher refuses INS/OUTS before this).
IoOutcome handle_port_io(Vm& vm, const IoExit& io, uint64_t rip);

} // namespace sp::vm
