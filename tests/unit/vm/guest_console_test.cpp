// vm console: typed bytes reach the guest's UART, its output streams back, Ctrl-] q detaches,
// the VM's end detaches, nothing typed is lost silently.
#include "vm_test_support.hpp"

#include <deque>
#include <random>

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

TEST_CASE("1,000,000 random typed bytes: every byte but the escape reaches the guest in order, or is counted as dropped", "[vm][console][guest_console][fuzz]")
{
    Machine m;
    StringSink out;
    GuestConsole gc(out);
    std::mt19937 rng(8u);
    const size_t capacity = Uart16550::kFifoBytes + GuestConsole::kPendingBytes;
    std::deque<uint8_t> expected; // forwarded, not yet read by the guest
    bool escape = false;
    uint64_t dropped = 0, detaches = 0, read = 0;
    gc.attach(*m.vm);
    auto forward = [&](uint8_t b) {
        if (expected.size() == capacity) ++dropped;
        else expected.push_back(b);
    };
    for (int i = 0; i < 1000000; ++i) {
        uint32_t r = rng();
        // Mostly random bytes, often the escape and 'q', so every path of the escape is taken.
        uint8_t byte = r % 8 == 0 ? GuestConsole::kEscape : r % 8 == 1 ? 'q' : static_cast<uint8_t>(r >> 8);
        bool still = gc.feed(byte);
        if (escape) {
            escape = false;
            if (byte == 'q') {
                REQUIRE_FALSE(still);
                ++detaches;
                // What reached the guest's FIFO stays there; what still waited is dropped.
                size_t in_fifo = Uart16550::kFifoBytes - m.vm->uart().receive_room();
                REQUIRE(expected.size() >= in_fifo);
                dropped += expected.size() - in_fifo;
                expected.resize(in_fifo);
                gc.attach(*m.vm);
                continue;
            }
            forward(GuestConsole::kEscape);
            if (byte != GuestConsole::kEscape) forward(byte);
        } else if (byte == GuestConsole::kEscape) {
            escape = true;
        } else {
            forward(byte);
        }
        REQUIRE(still);
        if (r % 16 < 3) { // the guest reads a few bytes now and then
            int n = static_cast<int>((r >> 20) % 40);
            while (n-- > 0 && (m.vm->uart().read(0x3fd) & 1)) {
                REQUIRE_FALSE(expected.empty());
                REQUIRE(m.vm->uart().read(0x3f8) == expected.front());
                expected.pop_front();
                ++read;
            }
            gc.pump();
        }
    }
    CHECK(detaches > 1000);
    CHECK(dropped > 0); // the guest read too slowly at times: reported, not lost silently
    CHECK(read > 100000);
    // Every dropped byte was reported: on the next pump, or when the session ended.
    size_t in_fifo = Uart16550::kFifoBytes - m.vm->uart().receive_room();
    dropped += expected.size() - in_fifo;
    gc.detach("done");
    uint64_t reported = 0;
    const std::string note = "[console: ";
    for (size_t at = out.text.find(note); at != std::string::npos; at = out.text.find(note, at + 1)) {
        size_t digits = at + note.size();
        if (out.text.compare(out.text.find(' ', digits), 12, " typed bytes") == 0)
            reported += std::stoull(out.text.substr(digits));
    }
    CHECK(reported == dropped);
}

TEST_CASE("Detaching while typed bytes still wait for the guest says how many were not delivered", "[vm][console][guest_console]")
{
    Machine m;
    StringSink out;
    GuestConsole gc(out);
    gc.attach(*m.vm);
    for (int i = 0; i < 20; ++i) gc.feed('x'); // 16 fit the FIFO, 4 wait
    gc.feed(0x1d);
    CHECK_FALSE(gc.feed('q'));
    CHECK(out.take() == "\n[console: 4 typed bytes not delivered: vm 1 is not reading its serial port]"
                        "\n[detached: back to the shell from vm 1 (test)]\n");
    CHECK(m.vm->uart().receive_room() == 0); // the 16 stay with the guest
}
