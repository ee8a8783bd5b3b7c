// vm console: typed bytes reach the guest's UART, its output streams back, Ctrl-] q detaches,
// the VM's end detaches, nothing typed is lost silently.
#include "vm_test_support.hpp"

#include "hv/vm/guest_console.hpp"

using namespace vm_test;

namespace {
std::string drain_rx(Uart16550& uart)
{
    GuestLog scratch;
    std::string s;
    while (uart.read(0x3fd) & 1) s += static_cast<char>(uart.read(0x3f8));
    return s;
}

void guest_prints(Machine& m, const std::string& text)
{
    for (char c : text) m.complete(m.out(0x3f8, static_cast<uint8_t>(c)));
}
} // namespace

TEST_CASE("Typed bytes go to the guest's receive FIFO; its new output streams to the console", "[vm][console][guest_console]")
{
    Machine m;
    StringSink out;
    GuestConsole gc(out);
    guest_prints(m, "before attach\n");
    gc.attach(*m.vm);
    CHECK(m.vm->console_attached());
    for (char c : std::string("hi\r")) CHECK(gc.feed(static_cast<uint8_t>(c)));
    CHECK(drain_rx(m.vm->uart()) == "hi\r");
    guest_prints(m, "HI\r\n");
    CHECK(gc.pump());
    CHECK(out.take() == "HI\n"); // older output stays in vm log; CR was dropped by the log
    CHECK(gc.pump());
    CHECK(out.take().empty());
}

TEST_CASE("Ctrl-] then q detaches; Ctrl-] Ctrl-] sends one; Ctrl-] x sends both", "[vm][console][guest_console]")
{
    Machine m;
    StringSink out;
    GuestConsole gc(out);
    gc.attach(*m.vm);
    CHECK(gc.feed(0x1d));
    CHECK(gc.feed(0x1d));
    CHECK(gc.feed(0x1d));
    CHECK(gc.feed('x'));
    CHECK(drain_rx(m.vm->uart()) == "\x1d\x1d" "x");
    CHECK(gc.feed(0x1d));
    CHECK_FALSE(gc.feed('q'));
    CHECK_FALSE(gc.attached());
    CHECK_FALSE(m.vm->console_attached());
    CHECK(drain_rx(m.vm->uart()).empty()); // the escape never reaches the guest
    CHECK(out.take() == "\n[detached: back to the shell from vm 1 (test)]\n");
    CHECK_FALSE(gc.feed('z'));
    CHECK_FALSE(gc.pump());
}

TEST_CASE("Input waits while the guest's FIFO is full; beyond the buffer it is dropped and reported", "[vm][console][guest_console]")
{
    Machine m;
    StringSink out;
    GuestConsole gc(out);
    gc.attach(*m.vm);
    std::string typed;
    for (size_t i = 0; i < Uart16550::kFifoBytes + GuestConsole::kPendingBytes + 5; ++i) {
        char c = static_cast<char>('a' + i % 26);
        typed += c;
        CHECK(gc.feed(static_cast<uint8_t>(c)));
    }
    CHECK(gc.pump());
    CHECK(out.take() == "\n[console: 5 typed bytes dropped: vm 1 is not reading its serial port]\n");
    // The guest reads; the waiting bytes follow in order. The escape still works meanwhile.
    std::string got;
    for (int round = 0; round < 40; ++round) {
        got += drain_rx(m.vm->uart());
        gc.pump();
    }
    CHECK(got == typed.substr(0, typed.size() - 5));
    CHECK(gc.feed(0x1d));
    CHECK_FALSE(gc.feed('q'));
}

TEST_CASE("The session ends when the VM exits or stops, after the guest's last output", "[vm][console][guest_console]")
{
    Machine m;
    StringSink out;
    GuestConsole gc(out);
    gc.attach(*m.vm);
    guest_prints(m, "bye\n");
    m.guest_ram.put(0x6000, "x");
    m.run(m.hypercall(2, 1, 0)); // report result: the VM exits
    CHECK_FALSE(gc.pump());
    CHECK(out.take() == "bye\n\n[the VM exited: back to the shell from vm 1 (test)]\n");
    CHECK_FALSE(m.vm->console_attached());
}

TEST_CASE("Output the log overwrote before the console took it is reported, not garbled", "[vm][console][guest_console]")
{
    Machine m;
    StringSink out;
    GuestConsole gc(out);
    gc.attach(*m.vm);
    std::string flood(GuestLog::kBytes + 100, 'z');
    m.vm->log().write(flood.data(), flood.size());
    CHECK(gc.pump());
    std::string text = out.take();
    CHECK(text.rfind("\n[console: 100 bytes of vm 1's output skipped; all of it: vm log 1]\n", 0) == 0);
    CHECK(text.size() == 68 + GuestLog::kBytes);
}

TEST_CASE("log follow leaves out the VM the console is attached to", "[vm][console][guest_console]")
{
    Machine m;
    std::string followed;
    m.registry.set_log_follow(true);
    m.registry.set_log_follow_hook(
        [](void* context, const Vm&, const char* line, size_t length) {
            static_cast<std::string*>(context)->append(line, length).append("|");
        },
        &followed);
    StringSink out;
    GuestConsole gc(out);
    guest_prints(m, "one\n");
    gc.attach(*m.vm);
    guest_prints(m, "two\n");
    gc.feed(0x1d);
    gc.feed('q');
    guest_prints(m, "three\n");
    CHECK(followed == "one|three|");
}
