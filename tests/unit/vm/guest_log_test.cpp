#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hv/vm/guest_log.hpp"

using sp::vm::GuestLog;

namespace {
std::string kept(const GuestLog& log)
{
    std::string s;
    for (size_t i = 0; i < log.size(); ++i) s += log.at(i);
    return s;
}
} // namespace

TEST_CASE("The guest log keeps the newest 16 KiB and counts what it overwrote", "[vm][log]")
{
    static GuestLog log; // 16 KiB: not on the stack
    log.clear();
    std::string all;
    for (int i = 0; i < 3000; ++i) all += "line " + std::to_string(i) + "\n";
    log.write(all.data(), all.size());
    CHECK(log.total() == all.size());
    CHECK(log.size() == GuestLog::kBytes);
    CHECK(log.overwritten() == all.size() - GuestLog::kBytes);
    CHECK(kept(log) == all.substr(all.size() - GuestLog::kBytes));
}

TEST_CASE("Each completed line goes to the listener; very long lines arrive in 160-byte pieces", "[vm][log]")
{
    static GuestLog log;
    log.clear();
    std::vector<std::string> lines;
    log.set_listener([](void* c, const char* line, size_t n) { static_cast<std::vector<std::string>*>(c)->emplace_back(line, n); },
                     &lines);
    log.write("ab\r\ncd", 6);
    CHECK(lines == std::vector<std::string>{"ab"});
    log.put('\n');
    CHECK(lines.back() == "cd");
    std::string longer(200, 'x');
    log.write(longer.data(), longer.size());
    log.put('\n');
    REQUIRE(lines.size() == 4);
    CHECK(lines[2] == std::string(160, 'x'));
    CHECK(lines[3] == std::string(40, 'x'));
    log.set_listener(nullptr, nullptr);
}
