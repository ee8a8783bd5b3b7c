// The strict JSON checker the other tests rely on must itself reject bad JSON.
#include <catch2/catch.hpp>

#include "console_test_support.hpp"

using console_test::is_one_json_line;
using console_test::JsonChecker;

TEST_CASE("the test JSON checker accepts valid JSON", "[console][json]")
{
    CHECK(JsonChecker::valid(R"({"ok":true,"cmd":"x","data":{}})"));
    CHECK(JsonChecker::valid(R"({"a":[1,-2,3.5e+2,{"b":null}],"c":"\u00e9\n\"\\"})"));
    CHECK(JsonChecker::valid("[]"));
    CHECK(JsonChecker::valid("0"));
    CHECK(is_one_json_line("@1 {\"ok\":false,\"cmd\":null,\"error\":\"x\"}\n"));
    CHECK(is_one_json_line("@hvctl.3:a_b-c {}\n"));
}

TEST_CASE("the test JSON checker rejects invalid JSON", "[console][json]")
{
    CHECK_FALSE(JsonChecker::valid(""));
    CHECK_FALSE(JsonChecker::valid("{"));
    CHECK_FALSE(JsonChecker::valid(R"({"a":1,})"));
    CHECK_FALSE(JsonChecker::valid(R"({"a" 1})"));
    CHECK_FALSE(JsonChecker::valid(R"({a:1})"));
    CHECK_FALSE(JsonChecker::valid("\"tab\there\""));
    CHECK_FALSE(JsonChecker::valid(R"("\x41")"));
    CHECK_FALSE(JsonChecker::valid(R"("\u00g1")"));
    CHECK_FALSE(JsonChecker::valid("01"));
    CHECK_FALSE(JsonChecker::valid("tru"));
    CHECK_FALSE(JsonChecker::valid("{} {}"));
    CHECK_FALSE(is_one_json_line("{\"ok\":true}\n")); // no frame
    CHECK_FALSE(is_one_json_line("@ {}\n"));
    CHECK_FALSE(is_one_json_line("@a/b {}\n"));
    CHECK_FALSE(is_one_json_line("@1 {}"));
    CHECK_FALSE(is_one_json_line("@1 {}\n{}\n"));
    CHECK_FALSE(JsonChecker::valid(R"("unterminated)"));
    CHECK_FALSE(is_one_json_line("{}"));        // no line end
    CHECK_FALSE(is_one_json_line("{}\n{}\n"));  // two lines
}
