#include <catch2/catch.hpp>

#include <cstdint>

#include "hv/console/numbers.hpp"

using sp::console::NumberError;
using sp::console::parse_size;
using sp::console::parse_unsigned;

namespace {

uint64_t unsigned_ok(const char* text)
{
    uint64_t value = 12345;
    REQUIRE(parse_unsigned(text, value) == NumberError::None);
    return value;
}

uint64_t size_ok(const char* text)
{
    uint64_t value = 12345;
    REQUIRE(parse_size(text, value) == NumberError::None);
    return value;
}

} // namespace

TEST_CASE("unsigned numbers are decimal or 0x hex", "[console][numbers]")
{
    CHECK(unsigned_ok("0") == 0);
    CHECK(unsigned_ok("42") == 42);
    CHECK(unsigned_ok("007") == 7);
    CHECK(unsigned_ok("0x0") == 0);
    CHECK(unsigned_ok("0xff") == 255);
    CHECK(unsigned_ok("0XFF") == 255);
    CHECK(unsigned_ok("0xDeadBeef") == 0xdeadbeef);
    CHECK(unsigned_ok("18446744073709551615") == UINT64_MAX);
    CHECK(unsigned_ok("0xffffffffffffffff") == UINT64_MAX);
    CHECK(unsigned_ok("0x0000000000000000001") == 1); // leading zeros do not overflow
}

TEST_CASE("bad unsigned numbers are rejected with the reason", "[console][numbers]")
{
    uint64_t value = 99;
    CHECK(parse_unsigned("", value) == NumberError::Empty);
    CHECK(parse_unsigned("abc", value) == NumberError::Malformed);
    CHECK(parse_unsigned("12abc", value) == NumberError::Malformed);
    CHECK(parse_unsigned("-1", value) == NumberError::Malformed);
    CHECK(parse_unsigned("+1", value) == NumberError::Malformed);
    CHECK(parse_unsigned(" 1", value) == NumberError::Malformed);
    CHECK(parse_unsigned("1 ", value) == NumberError::Malformed);
    CHECK(parse_unsigned("0x", value) == NumberError::Malformed);
    CHECK(parse_unsigned("0xg", value) == NumberError::Malformed);
    CHECK(parse_unsigned("ff", value) == NumberError::Malformed);
    CHECK(parse_unsigned("1.5", value) == NumberError::Malformed);
    CHECK(parse_unsigned("64M", value) == NumberError::Malformed);
    CHECK(parse_unsigned("18446744073709551616", value) == NumberError::OutOfRange);
    CHECK(parse_unsigned("99999999999999999999999", value) == NumberError::OutOfRange);
    CHECK(parse_unsigned("0x10000000000000000", value) == NumberError::OutOfRange);
    CHECK(parse_unsigned("99999999999999999999x", value) == NumberError::Malformed);
    CHECK(value == 99); // untouched on every failure
}

TEST_CASE("sizes take K, M or G suffixes in powers of 1024", "[console][numbers]")
{
    CHECK(size_ok("0") == 0);
    CHECK(size_ok("4096") == 4096);
    CHECK(size_ok("1K") == 1024);
    CHECK(size_ok("1k") == 1024);
    CHECK(size_ok("64M") == 64ull << 20);
    CHECK(size_ok("64m") == 64ull << 20);
    CHECK(size_ok("2G") == 2ull << 30);
    CHECK(size_ok("0x10M") == 16ull << 20);
    CHECK(size_ok("17179869183G") == 17179869183ull << 30); // the largest that fits
}

TEST_CASE("bad sizes are rejected with the reason", "[console][numbers]")
{
    uint64_t value = 7;
    CHECK(parse_size("", value) == NumberError::Empty);
    CHECK(parse_size("M", value) == NumberError::Malformed);
    CHECK(parse_size("64MB", value) == NumberError::Malformed);
    CHECK(parse_size("64MM", value) == NumberError::Malformed);
    CHECK(parse_size("64T", value) == NumberError::Malformed);
    CHECK(parse_size("64 M", value) == NumberError::Malformed);
    CHECK(parse_size("1.5G", value) == NumberError::Malformed);
    CHECK(parse_size("-1M", value) == NumberError::Malformed);
    CHECK(parse_size("0xM", value) == NumberError::Malformed);
    CHECK(parse_size("17179869184G", value) == NumberError::OutOfRange);
    CHECK(parse_size("18014398509481984K", value) == NumberError::OutOfRange);
    CHECK(parse_size("18446744073709551616", value) == NumberError::OutOfRange);
    CHECK(value == 7);
}
