#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hv/console/tokenizer.hpp"

using sp::console::TokenList;

namespace {

std::vector<std::string> words(const TokenList& list)
{
    std::vector<std::string> out;
    for (size_t i = 0; i < list.count(); ++i) out.push_back(list[i].text);
    return out;
}

using Words = std::vector<std::string>;

} // namespace

TEST_CASE("words are separated by any run of spaces and tabs", "[console][tokenizer]")
{
    TokenList list;
    REQUIRE(list.split("  vm\tstart   alpha 64M  "));
    CHECK(words(list) == Words{"vm", "start", "alpha", "64M"});
    CHECK_FALSE(list.json());
    REQUIRE(list.split(""));
    CHECK(list.count() == 0);
    REQUIRE(list.split("   \t "));
    CHECK(list.count() == 0);
}

TEST_CASE("double quotes group words with spaces and may be empty", "[console][tokenizer]")
{
    TokenList list;
    REQUIRE(list.split(R"(share set motd "hello  world" "")"));
    CHECK(words(list) == Words{"share", "set", "motd", "hello  world", ""});
    CHECK_FALSE(list[2].quoted);
    CHECK(list[3].quoted);
    CHECK(list[4].quoted);

    REQUIRE(list.split(R"(a"b c"d)"));
    CHECK(words(list) == Words{"ab cd"});
}

TEST_CASE("inside quotes backslash escapes only quote and backslash", "[console][tokenizer]")
{
    TokenList list;
    REQUIRE(list.split(R"("say \"hi\"" "c:\\dir" "\n" back\slash)"));
    CHECK(words(list) == Words{R"(say "hi")", R"(c:\dir)", R"(\n)", R"(back\slash)"});
}

TEST_CASE("an unterminated quote is an error", "[console][tokenizer]")
{
    TokenList list;
    CHECK_FALSE(list.split(R"(share set k "oops)"));
    CHECK(std::string(list.error()) == "unterminated quote");
    CHECK_FALSE(list.split(R"(x "a \" b)"));
}

TEST_CASE("--json is recognised anywhere and removed from the words", "[console][tokenizer]")
{
    TokenList list;
    REQUIRE(list.split("--json vm list"));
    CHECK(list.json());
    CHECK(words(list) == Words{"vm", "list"});
    REQUIRE(list.split("vm --json list"));
    CHECK(list.json());
    CHECK(words(list) == Words{"vm", "list"});
    REQUIRE(list.split("vm list --json"));
    CHECK(list.json());
    // Quoted, it is an ordinary word; glued to other text, too.
    REQUIRE(list.split(R"(echo "--json" --jsonx)"));
    CHECK_FALSE(list.json());
    CHECK(words(list) == Words{"echo", "--json", "--jsonx"});
}

TEST_CASE("too many words or too long a line are errors", "[console][tokenizer]")
{
    TokenList list;
    std::string line;
    for (int i = 0; i < 32; ++i) line += "w ";
    REQUIRE(list.split(line.c_str()));
    CHECK(list.count() == 32);
    line += "w --json";
    CHECK_FALSE(list.split(line.c_str()));
    CHECK(std::string(list.error()) == "too many words in line (max 32)");
    CHECK(list.json()); // a later --json still counts, so the error comes out as JSON

    std::string longest(240, 'x');
    REQUIRE(list.split(longest.c_str()));
    CHECK(list[0].text == longest);
    std::string too_long(241, 'x');
    CHECK_FALSE(list.split(too_long.c_str()));
    CHECK(std::string(list.error()) == "line too long (max 240 characters)");
}

TEST_CASE("the worst case for word storage fits", "[console][tokenizer]")
{
    // 240 characters of one-letter words and empty quoted words: the most NULs per byte.
    TokenList list;
    std::string line;
    while (line.size() + 3 <= 240) line += "\"\" ";
    REQUIRE(line.size() <= 240);
    // More than 32 words is an error, but storage must not overflow (ASan watches).
    CHECK_FALSE(list.split(line.c_str()));
    std::string packed(240, 'a');
    for (size_t i = 1; i < packed.size(); i += 2) packed[i] = ' ';
    CHECK_FALSE(list.split(packed.c_str()));
}
