#include <algorithm>

#include "vm_test_support.hpp"

#include "hv/vm/port_io.hpp"

using namespace vm_test;

namespace {
uint8_t read_port(Machine& m, uint16_t port)
{
    m.guest.rax = 0x1122334455667700ull;
    m.complete(m.in(port));
    CHECK((m.guest.rax & ~0xffull) == 0x1122334455667700ull); // IN AL keeps the rest of RAX
    return static_cast<uint8_t>(m.guest.rax);
}

void guest_prints(Machine& m, const std::string& text)
{
    for (char c : text) m.complete(m.out(0x3f8, static_cast<uint8_t>(c)));
}

// A running VM's state and action after a restart request.
void expect_restart(Machine& m, const Exit& exit, const char* mechanism)
{
    ExitAction a = m.run(exit);
    REQUIRE(a.kind == ActionKind::restart);
    REQUIRE(a.message != nullptr);
    CHECK(std::string(a.message).find(mechanism) != std::string::npos);
    CHECK(std::string(a.message).rfind("vm 1 (test): restart requested by ", 0) == 0);
    CHECK(m.vm->counters.restarts == 1);
    CHECK(m.vm->state() == VmState::running);
}
} // namespace

TEST_CASE("Bytes the guest writes to COM1's THR reach the VM's log, CR LF becoming LF", "[vm][io][uart]")
{
    Machine m;
    guest_prints(m, "hello\r\nworld\r\n");
    CHECK(m.log_text() == "hello\nworld\n");
    CHECK(m.vm->uart().transmitted() == 14);
    CHECK(m.vm->exits(ExitKind::io) == 14);
    CHECK(m.diagnostics.text.empty());
}

TEST_CASE("COM1 reads like an idle 16550: transmitter empty, nothing received, no interrupt", "[vm][io][uart]")
{
    Machine m;
    CHECK(read_port(m, 0x3fd) == 0x60); // LSR: THRE | TEMT, no DR
    CHECK(read_port(m, 0x3f8) == 0x00); // RBR: nothing
    CHECK(read_port(m, 0x3fa) == 0x01); // IIR: no interrupt pending
    CHECK(read_port(m, 0x3fe) == 0xb0); // MSR: CTS DSR DCD
}

TEST_CASE("COM1 keeps the registers a driver programs: divisor latch, LCR, IER, MCR, scratch, FIFO", "[vm][io][uart]")
{
    Machine m;
    m.complete(m.out(0x3fb, 0x80)); // DLAB
    m.complete(m.out(0x3f8, 0x01));
    m.complete(m.out(0x3f9, 0x00));
    CHECK(read_port(m, 0x3f8) == 0x01);
    m.complete(m.out(0x3fb, 0x03)); // 8N1
    CHECK(read_port(m, 0x3fb) == 0x03);
    m.complete(m.out(0x3f9, 0x0f));
    CHECK(read_port(m, 0x3f9) == 0x0f);
    m.complete(m.out(0x3ff, 0x5a));
    CHECK(read_port(m, 0x3ff) == 0x5a);
    m.complete(m.out(0x3fa, 0xc7));
    CHECK(read_port(m, 0x3fa) == 0xc1);
    CHECK(m.log_text().empty()); // the divisor write did not transmit
}

TEST_CASE("COM1 loopback ties modem outputs to inputs (Linux's UART probe) and transmits nothing", "[vm][io][uart]")
{
    Machine m;
    m.complete(m.out(0x3fc, 0x1a)); // loop + RTS + OUT2
    CHECK((read_port(m, 0x3fe) & 0xf0) == 0x90);
    m.complete(m.out(0x3fc, 0x1f));
    CHECK((read_port(m, 0x3fe) & 0xf0) == 0xf0);
    guest_prints(m, "x");
    CHECK(m.log_text().empty());
}

TEST_CASE("A 16-bit read of COM1 reads two consecutive registers", "[vm][io][uart]")
{
    Machine m;
    m.complete(m.out(0x3ff, 0x42));
    m.guest.rax = ~0ull;
    m.complete(m.in(0x3fe, 2));
    CHECK(m.guest.rax == 0xffffffffffff42b0ull);
}

TEST_CASE("Every ignore-list port reads all ones at every size and drops writes, counted but silent", "[vm][io]")
{
    Machine m;
    size_t count = 0;
    const PortRange* ranges = ignored_ports(count);
    REQUIRE(count >= 10);
    uint64_t expected_ignored = 0;
    for (size_t i = 0; i < count; ++i) {
        for (uint32_t port = ranges[i].first; port <= ranges[i].last; ++port) {
            INFO("port " << port);
            if (port == 0x92 || port == 0xcf9) continue; // have their own readers, below
            m.guest.rax = 0x1234567812345678ull;
            m.complete(m.in(static_cast<uint16_t>(port), 4));
            CHECK(m.guest.rax == 0xffffffffull); // 32-bit IN clears RAX[63:32]
            m.guest.rax = 0;
            m.complete(m.in(static_cast<uint16_t>(port), 2));
            CHECK(m.guest.rax == 0xffff);
            m.complete(m.out(static_cast<uint16_t>(port), 0x12));
            expected_ignored += 3;
        }
    }
    CHECK(m.vm->counters.io_ignored == expected_ignored);
    CHECK(m.vm->counters.io_unhandled == 0);
    CHECK(m.diagnostics.text.empty());
}

TEST_CASE("The ignore-list covers the ports the issue names", "[vm][io]")
{
    Machine m;
    for (uint16_t port : {0x80, 0x2e, 0x2f, 0x4e, 0x4f, 0x87, 0xcf8, 0xcfc, 0x2e9, 0x2f9, 0x3e9, 0x70, 0x71}) {
        INFO("port " << port);
        CHECK(read_port(m, port) == 0xff);
    }
    CHECK(m.vm->counters.io_unhandled == 0);
}

TEST_CASE("Port 0x92 reads 'A20 on, no reset' and 0xcf9 reads 0, so read-modify-write does not reset", "[vm][io][reset]")
{
    Machine m;
    CHECK(read_port(m, 0x92) == 0x02);
    CHECK(read_port(m, 0xcf9) == 0x00);
    m.complete(m.out(0x92, 0x02));  // A20 gate: harmless
    m.complete(m.out(0xcf9, 0x02)); // Linux's first CF9 write: not yet a reset
    CHECK(m.vm->counters.restarts == 0);
}

TEST_CASE("Writing 0xfe to the keyboard controller (0x64) restarts the VM", "[vm][io][reset]")
{
    Machine m;
    m.complete(m.out(0x64, 0xd1)); // another command: ignored
    expect_restart(m, m.out(0x64, 0xfe), "port 0x64");
}

TEST_CASE("Writing 0x06 to the reset control register (0xcf9) restarts the VM", "[vm][io][reset]")
{
    Machine m;
    expect_restart(m, m.out(0xcf9, 0x06), "port 0xcf9");
}

TEST_CASE("Writing 0x0e to the reset control register (0xcf9) restarts the VM", "[vm][io][reset]")
{
    Machine m;
    expect_restart(m, m.out(0xcf9, 0x0e), "port 0xcf9");
}

TEST_CASE("Setting bit 0 of port 0x92 (fast reset) restarts the VM", "[vm][io][reset]")
{
    Machine m;
    expect_restart(m, m.out(0x92, 0x03), "port 0x92");
}

TEST_CASE("An unknown port is ignored (reads all ones), counted, and named in a diagnostic", "[vm][io]")
{
    Machine m;
    CHECK(read_port(m, 0x510) == 0xff);
    m.complete(m.out(0x511, 0x1234, 2));
    CHECK(m.vm->counters.io_unhandled == 2);
    CHECK(m.diagnostics.take() ==
          "vm 1 (test): unhandled port read 0x510 (1 bytes) at rip 0x100000\n"
          "vm 1 (test): unhandled port write 0x511 <- 0x1234 (2 bytes) at rip 0x100001\n");
    CHECK(m.vm->state() == VmState::running);
}

TEST_CASE("An I/O storm prints at most 4 lines per second of guest time, then a count of the rest", "[vm][io][storm]")
{
    Machine m;
    for (int i = 0; i < 100000; ++i) m.complete(m.out(0x510, 0));
    std::string first_second = m.diagnostics.take();
    CHECK(std::count(first_second.begin(), first_second.end(), '\n') == 4);
    CHECK(m.vm->counters.io_unhandled == 100000);
    CHECK(m.vm->diagnostics_suppressed() == 99996);

    m.guest_ram.ticks += kTicksPerSecond / 2; // still the same second
    m.complete(m.out(0x510, 0));
    CHECK(m.diagnostics.take().empty());

    m.guest_ram.ticks += kTicksPerSecond; // a new second: the summary, then the line
    m.complete(m.out(0x510, 0));
    std::string next = m.diagnostics.take();
    CHECK(next.rfind("vm 1 (test): 99997 similar lines suppressed\nvm 1 (test): unhandled port write 0x510", 0) == 0);
    CHECK(std::count(next.begin(), next.end(), '\n') == 2);
}

TEST_CASE("String port I/O (INS/OUTS) stops the VM naming the port: it is not emulated yet", "[vm][io]")
{
    Machine m;
    Exit e = m.out(0x3f8, 0);
    e.io.string = true;
    e.io.rep = true;
    ExitAction a = m.run(e);
    REQUIRE(a.kind == ActionKind::stop);
    CHECK(std::string(a.message) == "vm 1 (test): string port I/O (OUTS) on port 0x3f8 is not supported at rip 0x100000");
    CHECK(m.vm->state() == VmState::stopped);
}

TEST_CASE("After a restart the embedder's prepare_restart() resets vCPUs and the UART but keeps the log", "[vm][io][reset]")
{
    Machine m;
    m.complete(m.out(0x3fb, 0x83)); // DLAB set, 8N1
    m.complete(m.out(0x3f8, 0x0c)); // divisor 12
    m.vcpu().halted = true;
    m.vcpu().pending_event.pending = true;
    m.vm->log().write("before\n", 7);
    REQUIRE(m.run(m.out(0x64, 0xfe)).kind == ActionKind::restart);
    m.vm->prepare_restart();
    CHECK_FALSE(m.vcpu().halted);
    CHECK_FALSE(m.vcpu().pending_event.pending);
    CHECK(read_port(m, 0x3fb) == 0x00); // LCR back to its reset value: DLAB clear
    guest_prints(m, "after\n");
    CHECK(m.log_text() == "before\nafter\n");
    CHECK(m.vm->counters.restarts == 1);
    CHECK(m.vm->state() == VmState::running);
}
