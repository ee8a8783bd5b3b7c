// The receive side of the virtual 16550: what `vm console` types reaches the guest through RBR,
// with LSR data-ready, IIR "received data" while IER enables it, the 16-byte FIFO and its clear.
#include "vm_test_support.hpp"

using namespace vm_test;

namespace {
uint8_t read_port(Machine& m, uint16_t port)
{
    m.complete(m.in(port));
    return static_cast<uint8_t>(m.guest.rax);
}
} // namespace

TEST_CASE("Received bytes wait in the FIFO; LSR says data ready until RBR has read them all", "[vm][io][uart]")
{
    Machine m;
    Uart16550& uart = m.vm->uart();
    REQUIRE(uart.receive('o'));
    REQUIRE(uart.receive('k'));
    CHECK(read_port(m, 0x3fd) == 0x61); // THRE | TEMT | DR
    CHECK(read_port(m, 0x3f8) == 'o');
    CHECK(read_port(m, 0x3fd) == 0x61);
    CHECK(read_port(m, 0x3f8) == 'k');
    CHECK(read_port(m, 0x3fd) == 0x60);
    CHECK(read_port(m, 0x3f8) == 0x00); // empty: reads 0
    CHECK(uart.received() == 2);
}

TEST_CASE("The receive FIFO holds 16 bytes; a 17th is refused so the caller keeps it", "[vm][io][uart]")
{
    Machine m;
    Uart16550& uart = m.vm->uart();
    for (int i = 0; i < 16; ++i) REQUIRE(uart.receive(static_cast<uint8_t>('a' + i)));
    CHECK(uart.receive_room() == 0);
    CHECK_FALSE(uart.receive('!'));
    for (int i = 0; i < 16; ++i) CHECK(read_port(m, 0x3f8) == 'a' + i);
    CHECK(uart.receive_room() == 16);
}

TEST_CASE("IIR reports received data only while IER enables it; the DLAB hides RBR", "[vm][io][uart]")
{
    Machine m;
    m.vm->uart().receive('x');
    CHECK(read_port(m, 0x3fa) == 0x01); // IER.ERBFI clear: nothing pending
    m.complete(m.out(0x3f9, 0x01));
    CHECK(read_port(m, 0x3fa) == 0x04);
    m.complete(m.out(0x3fa, 0x01)); // FIFOs on
    CHECK(read_port(m, 0x3fa) == 0xc4);
    m.complete(m.out(0x3fb, 0x80)); // DLAB: port 0 is the divisor
    CHECK(read_port(m, 0x3f8) == 0x01);
    m.complete(m.out(0x3fb, 0x03));
    CHECK(read_port(m, 0x3f8) == 'x');
    CHECK(read_port(m, 0x3fa) == 0xc1);
}

TEST_CASE("FCR bit 1 clears the receive FIFO; a restart empties it too", "[vm][io][uart]")
{
    Machine m;
    m.vm->uart().receive('x');
    m.complete(m.out(0x3fa, 0x03));
    CHECK(read_port(m, 0x3fd) == 0x60);
    m.vm->uart().receive('y');
    m.vm->prepare_restart();
    CHECK(read_port(m, 0x3fd) == 0x60);
}

TEST_CASE("Loopback sends transmitted bytes to the receive FIFO; a full FIFO reports overrun once", "[vm][io][uart]")
{
    Machine m;
    m.complete(m.out(0x3fc, 0x10));
    for (int i = 0; i < 17; ++i) m.complete(m.out(0x3f8, static_cast<uint8_t>('A' + i)));
    CHECK(m.log_text().empty());
    CHECK(read_port(m, 0x3fd) == 0x63); // DR | OE
    CHECK(read_port(m, 0x3fd) == 0x61); // OE clears when read
    CHECK(read_port(m, 0x3f8) == 'A');
}
