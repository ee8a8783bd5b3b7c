#include "hv/vm/guest_console.hpp"

#include "hv/lib/format.hpp"

namespace sp::vm {

void GuestConsole::attach(Vm& vm)
{
    vm_ = &vm;
    cursor_ = vm.log().total();
    escape_seen_ = false;
    pending_head_ = pending_count_ = 0;
    dropped_ = 0;
    vm.set_console_attached(true);
}

void GuestConsole::detach(const char* why)
{
    if (!vm_) return;
    pump_output(); // the last words of the guest before the note
    if (pending_count_ + dropped_ > 0)
        format(out_, "\n[console: %llu typed bytes not delivered: vm %u is not reading its serial port]",
               static_cast<unsigned long long>(pending_count_ + dropped_), vm_->id());
    pending_count_ = 0;
    dropped_ = 0;
    format(out_, "\n[%s: back to the shell from vm %u (%s)]\n", why, vm_->id(), vm_->name());
    vm_->set_console_attached(false);
    vm_ = nullptr;
}

bool GuestConsole::feed(uint8_t byte)
{
    if (!vm_) return false;
    if (escape_seen_) {
        escape_seen_ = false;
        if (byte == kDetach) {
            detach("detached");
            return false;
        }
        forward(kEscape);
        if (byte != kEscape) forward(byte); // Ctrl-] Ctrl-] sends one Ctrl-]
        return true;
    }
    if (byte == kEscape) {
        escape_seen_ = true;
        return true;
    }
    forward(byte);
    return true;
}

void GuestConsole::forward(uint8_t byte)
{
    if (pending_count_ == kPendingBytes) {
        ++dropped_;
        return;
    }
    pending_[(pending_head_ + pending_count_) % kPendingBytes] = byte;
    ++pending_count_;
    pump_input();
}

void GuestConsole::pump_input()
{
    Uart16550& uart = vm_->uart();
    while (pending_count_ > 0 && uart.receive(pending_[pending_head_])) {
        pending_head_ = (pending_head_ + 1) % kPendingBytes;
        --pending_count_;
    }
}

void GuestConsole::pump_output()
{
    const GuestLog& log = vm_->log();
    uint64_t oldest = log.overwritten();
    if (cursor_ < oldest) { // the guest wrote faster than the console took it
        format(out_, "\n[console: %llu bytes of vm %u's output skipped; all of it: vm log %u]\n",
               static_cast<unsigned long long>(oldest - cursor_), vm_->id(), vm_->id());
        cursor_ = oldest;
    }
    char chunk[64];
    while (cursor_ < log.total()) {
        size_t n = 0;
        while (n < sizeof chunk && cursor_ < log.total()) chunk[n++] = log.at(static_cast<size_t>(cursor_++ - oldest));
        out_.write(chunk, n);
    }
}

bool GuestConsole::pump()
{
    if (!vm_) return false;
    pump_input();
    pump_output();
    if (dropped_) {
        format(out_, "\n[console: %llu typed bytes dropped: vm %u is not reading its serial port]\n",
               static_cast<unsigned long long>(dropped_), vm_->id());
        dropped_ = 0;
    }
    VmState s = vm_->state();
    if (s == VmState::stopped || s == VmState::exited) {
        detach(s == VmState::exited ? "the VM exited" : "the VM stopped");
        return false;
    }
    return true;
}

} // namespace sp::vm
