// `vm console ID`: the host console attached to one VM's virtual 16550. While attached, the
// VM's serial output streams to the console as it arrives (it is still kept in the VM's log),
// and every byte typed goes to the UART's receive FIFO, except the escape: Ctrl-] then q
// detaches and gives the terminal back to the shell. Ctrl-] Ctrl-] sends one Ctrl-]; Ctrl-]
// then any other byte sends both. The console is also given back when the VM stops or exits.
//
//   GuestConsole guest_console(console_sink);
//   guest_console.attach(vm);                     // from the `vm console` handler
//   loop: byte typed -> if (!guest_console.feed(byte)) shell.start();
//         each turn  -> if (guest_console.attached() && !guest_console.pump()) shell.start();
//
// Typed bytes the guest has no room for yet wait here (kPendingBytes); beyond that, or when the
// session ends before the guest took them, they are dropped and the console says how many. Single-threaded: the console loop calls it
// between guest time slices, when no vCPU is inside the guest.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/lib/sink.hpp"
#include "hv/vm/vm.hpp"

namespace sp::vm {

class GuestConsole {
public:
    static constexpr uint8_t kEscape = 0x1d; // Ctrl-]
    static constexpr uint8_t kDetach = 'q';
    static constexpr size_t kPendingBytes = 256;

    explicit GuestConsole(Sink& out) : out_(out) {}
    GuestConsole(const GuestConsole&) = delete;
    GuestConsole& operator=(const GuestConsole&) = delete;

    bool attached() const { return vm_ != nullptr; }
    Vm* vm() const { return vm_; }

    // Starts with the output the VM writes from now on (older output: `vm log ID`).
    void attach(Vm& vm);

    // One byte typed on the host console. Returns false when it ended the session (the escape).
    bool feed(uint8_t byte);

    // Moves waiting input into the UART and new output to the console. Returns false when the
    // session ended because the VM stopped or exited.
    bool pump();

    // Ends the session, saying so on the console (`why`: "detached", "the VM stopped", ...).
    void detach(const char* why);

private:
    void forward(uint8_t byte);
    void pump_input();
    void pump_output();

    Sink& out_;
    Vm* vm_ = nullptr;
    uint64_t cursor_ = 0; // absolute position in the VM's log: what was streamed so far
    bool escape_seen_ = false;
    uint8_t pending_[kPendingBytes] = {};
    size_t pending_head_ = 0, pending_count_ = 0;
    uint64_t dropped_ = 0; // typed bytes dropped since the last report
};

} // namespace sp::vm
