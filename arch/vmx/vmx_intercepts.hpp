// The reviewed control set of every VMX guest: each row is one VM-execution, VM-exit or VM-entry
// control (or exception-bitmap bit) Samepage sets, or an exit VMX takes unconditionally; why it
// is there, and what the exit decoder turns its exit into. samepage_control_wishes() and the
// exception bitmap are built from this table, and tests/unit/vmx/intercepts_test.cpp checks
// every row both ways. Port I/O and MSRs exit in full through the bitmaps; the common exit
// handling (hv/vm) holds the allow-lists. Not used on purpose: RDTSC/RDPMC/PAUSE/INVLPG exiting
// (no reason to pay an exit), CR3 exiting (EPT makes it pointless), MOV-DR exiting, the monitor
// trap flag (inert in Bochs), interrupt/NMI-window exiting (nothing to deliver to guests yet).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/vm/exit.hpp"

namespace sp::vmx {

enum class RowWord : uint8_t { exception_bitmap, pin, primary, secondary, exit, entry, unconditional };
enum class RowNeed : uint8_t { required, optional }; // optional: used when the CPU offers it

inline constexpr uint32_t kNoExit = 0xffffffffu; // a control that enables, not one that exits

struct ControlRow {
    const char* name;
    RowWord word;
    uint32_t bit; // 0 for unconditional exits
    RowNeed need;
    uint32_t exit_reason;       // basic exit reason, or kNoExit
    uint32_t interruption_info; // for exception-or-NMI exits: what the decoder reads
    vm::ExitKind decoded_as;    // meaningful when exit_reason != kNoExit
    const char* why;
};

const ControlRow* control_rows(size_t& count);

} // namespace sp::vmx
