// One row of the console's command table. Commands are plain data: a file that implements
// commands defines an array of rows and the embedder adds it to the shell (Shell::add_commands).
//
//   const sp::console::Command kVmCommands[] = {
//       {"vm list", "", "list virtual machines", vm_list},
//       {"vm start", "NAME SIZE [--cpus N]", "start a VM", vm_start, 2, 2, "--cpus="},
//   };
#pragma once
#include <stdint.h>

namespace sp::console {

class Arguments;
class Reply;

// Fills `reply` for one invocation. `context` is the pointer the embedder gave the shell (its
// platform data). A handler must not write to the console itself, and should not do anything
// irreversible that the user must read about first (reboot): set a request in the context and
// let the embedder act after the reply is printed.
using Handler = void (*)(const Arguments& args, Reply& reply, void* context);

inline constexpr uint8_t kAnyCount = 0xff; // max_args: any number of positional arguments

struct Command {
    // One or more words separated by single spaces ("vm start"). The longest name matching the
    // start of a line wins, so "vm" and "vm start" may both exist.
    const char* name;
    // What follows the name in the synopsis, "" when nothing does: "NAME SIZE [--cpus N]".
    const char* usage;
    const char* help; // one line, lower case, no final period
    Handler handler;
    uint8_t min_args = 0; // positional arguments (flags and --json not counted)
    uint8_t max_args = 0;
    // Flags the command accepts, separated by spaces; a trailing '=' marks a flag that takes a
    // value ("--cpus= --force"). nullptr or "": none. Any other flag is an error.
    const char* flags = nullptr;
};

} // namespace sp::console
