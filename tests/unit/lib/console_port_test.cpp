#include <catch2/catch.hpp>

#include <string>

#include "hv/lib/console_port.hpp"

namespace {

// A UART that accepts `room` bytes per pump and records what it got.
struct FakeUart {
    std::string sent;
    size_t room = 0;
    std::string input;
    bool try_send(uint8_t b)
    {
        if (room == 0) return false;
        --room;
        sent.push_back(static_cast<char>(b));
        return true;
    }
    int try_receive()
    {
        if (input.empty()) return -1;
        int c = static_cast<unsigned char>(input[0]);
        input.erase(0, 1);
        return c;
    }
};

} // namespace

TEST_CASE("Given a busy UART, writing to the console never waits and pump sends what fits", "[console_port]")
{
    FakeUart uart;
    sp::ConsolePort<FakeUart, 64> port(uart);
    sp::format(port, "ok\n");
    CHECK(uart.sent.empty());
    CHECK(port.pending() == 4);
    uart.room = 2;
    CHECK(port.pump() == 2);
    CHECK(uart.sent == "ok");
    uart.room = 10;
    port.pump();
    CHECK(uart.sent == "ok\r\n");
}

TEST_CASE("When the ring overflows, the loss is counted and reported once there is room", "[console_port]")
{
    FakeUart uart;
    sp::ConsolePort<FakeUart, 128> port(uart);
    std::string text(200, 'x');
    port.write(text.data(), text.size());
    CHECK(port.dropped_total() == 72);
    uart.room = 1000;
    port.pump();
    port.pump();
    CHECK(uart.sent.substr(0, 128) == std::string(128, 'x'));
    CHECK(uart.sent.find("[console: 72 bytes dropped]") != std::string::npos);
}

TEST_CASE("Received bytes come from the device in order", "[console_port]")
{
    FakeUart uart;
    uart.input = "hi";
    sp::ConsolePort<FakeUart, 64> port(uart);
    CHECK(port.receive() == 'h');
    CHECK(port.receive() == 'i');
    CHECK(port.receive() == -1);
}
