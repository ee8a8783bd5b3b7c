#include <catch2/catch.hpp>

#include <string>

#include "../console/console_test_support.hpp"
#include "hv/console/log_command.hpp"
#include "hv/lib/diagnostic_log.hpp"
#include "hv/lib/format.hpp"

using sp::DiagnosticLog;

namespace {
uint64_t fake_ms = 0;
uint64_t clock_ms() { return fake_ms; }
} // namespace

TEST_CASE("The diagnostic log cuts writes into lines, stamps them and passes them on", "[lib][diagnostics]")
{
    console_test::StringSink console;
    static DiagnosticLog log(&console, clock_ms);
    fake_ms = 1500;
    sp::format(log, "vm %u (%s): test passed", 1u, "hello");
    CHECK(log.size() == 0); // not a line yet
    log.write("\r\n", 2);
    fake_ms = 2750;
    log.write("memory: pressure high -> soft\nsecond", 37);
    REQUIRE(log.size() == 2);
    CHECK(log.at(0).seq == 1);
    CHECK(log.at(0).ms == 1500);
    CHECK(std::string(log.at(0).text) == "vm 1 (hello): test passed");
    CHECK(log.at(1).ms == 2750);
    CHECK(console.take() == "vm 1 (hello): test passed\nmemory: pressure high -> soft\n");
}

TEST_CASE("The diagnostic log keeps the newest 32 lines and cuts long ones visibly", "[lib][diagnostics]")
{
    static DiagnosticLog log;
    for (int i = 1; i <= 40; ++i) sp::format(log, "line %d\n", i);
    CHECK(log.total() == 40);
    CHECK(log.dropped() == 8);
    CHECK(log.size() == 32);
    CHECK(std::string(log.at(0).text) == "line 9");
    CHECK(log.at(0).seq == 9);
    CHECK(std::string(log.at(31).text) == "line 40");
    std::string longer(300, 'x');
    log.write(longer.data(), longer.size());
    log.put('\n');
    CHECK(std::string(log.at(31).text) == std::string(157, 'x') + "...");
}

TEST_CASE("log shows the newest diagnostics in text and JSON; log N the last N", "[console][diagnostics]")
{
    console_test::StringSink out;
    sp::console::Shell shell(out);
    static DiagnosticLog log(nullptr, clock_ms);
    sp::console::add_log_command(shell, log);
    shell.execute("log");
    CHECK(out.take() == "total:   0\ndropped: 0\nlines: (none)\n");
    fake_ms = 42;
    sp::format(log, "vm 1 (a): stopped\n");
    fake_ms = 1042;
    sp::format(log, "memory: pressure high -> clear\n");
    shell.execute("log");
    CHECK(out.take() == "total:   2\n"
                        "dropped: 0\n"
                        "lines:\n"
                        "  SEQ  TIME_MS  TEXT\n"
                        "  1    42       vm 1 (a): stopped\n"
                        "  2    1042     memory: pressure high -> clear\n");
    shell.execute("log 1 --json");
    std::string json = out.take();
    CHECK(console_test::is_one_json_line(json));
    CHECK(json == "@1 {\"ok\":true,\"cmd\":\"log\",\"data\":{\"total\":2,\"dropped\":0,\"lines\":[{\"seq\":2,"
                  "\"time_ms\":1042,\"text\":\"memory: pressure high -> clear\"}]}}\n");
    shell.execute("log 0");
    CHECK(out.take() == "error: argument 1: '0' is out of range (1 to 32) (usage: log [COUNT])\n");
    for (int i = 0; i < 40; ++i) sp::format(log, "vm 9 (flood): a diagnostic line long enough to fill the reply %0120d\n", i);
    shell.execute("log --json");
    json = out.take();
    CHECK(console_test::is_one_json_line(json)); // 32 full lines fit one reply
    CHECK(json.find("reply too large") == std::string::npos);
}
