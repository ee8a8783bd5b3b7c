#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "hv/lib/format.hpp"

// The null-%s case below is deliberate.
#pragma GCC diagnostic ignored "-Wformat-overflow"

namespace {

std::string fmt(const char* f, auto... args)
{
    char buf[256];
    sp::format_to(buf, sizeof buf, f, args...);
    return buf;
}

} // namespace

TEST_CASE("format renders integers like printf", "[format]")
{
    CHECK(fmt("%d", 0) == "0");
    CHECK(fmt("%d", -42) == "-42");
    CHECK(fmt("%u", 4294967295u) == "4294967295");
    CHECK(fmt("%lld", INT64_MIN) == "-9223372036854775808");
    CHECK(fmt("%llu", UINT64_MAX) == "18446744073709551615");
    CHECK(fmt("%x %X", 0xbeefu, 0xbeefu) == "beef BEEF");
    CHECK(fmt("%016llx", 0x1234ull) == "0000000000001234");
    CHECK(fmt("%5d|%-5d|", 42, 42) == "   42|42   |");
    CHECK(fmt("%+d % d", 5, 5) == "+5  5");
    CHECK(fmt("%.3d", 7) == "007");
    CHECK(fmt("%zu", static_cast<size_t>(123456789)) == "123456789");
    CHECK(fmt("%hhu", 300) == "44");
    CHECK(fmt("%o", 8) == "10");
}

TEST_CASE("format renders strings, chars and pointers", "[format]")
{
    CHECK(fmt("%s", "abc") == "abc");
    CHECK(fmt("%5s|%-5s|", "ab", "ab") == "   ab|ab   |");
    CHECK(fmt("%.2s", "abcdef") == "ab");
    CHECK(fmt("%.*s", 3, "abcdef") == "abc");
    CHECK(fmt("%*d", 4, 1) == "   1");
    CHECK(fmt("%s", static_cast<const char*>(nullptr)) == "(null)");
    CHECK(fmt("%c%c", 'o', 'k') == "ok");
    CHECK(fmt("%p", reinterpret_cast<void*>(0x1000)) == "0x1000");
    CHECK(fmt("100%%") == "100%");
    CHECK(fmt("%q") == "%q");
}

TEST_CASE("format_to truncates safely and reports the full length", "[format]")
{
    char buf[8];
    size_t full = sp::format_to(buf, sizeof buf, "%s", "0123456789");
    CHECK(full == 10);
    CHECK(std::string(buf) == "0123456");

    sp::BufferSink sink(buf, sizeof buf);
    sp::format(sink, "%d", 12345678);
    CHECK(sink.truncated());
    CHECK(sink.size() == 7);
}
