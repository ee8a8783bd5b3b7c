#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "hv/console/arguments.hpp"
#include "hv/console/command_table.hpp"
#include "hv/console/reply.hpp"
#include "hv/console/tokenizer.hpp"

using namespace sp::console;

namespace {

void nothing(const Arguments&, Reply&, void*) {}

const Command kStart = {"vm start", "NAME SIZE [--cpus N] [--paused]", "start a VM", nothing, 2,
                        2, "--cpus= --paused"};
const Command kVersion = {"version", "", "show the version", nothing};
const Command kEcho = {"echo", "WORD...", "echo words", nothing, 1, kAnyCount};
const Command kPick = {"pick", "A [B [C]]", "pick", nothing, 1, 3};

struct Bound {
    TokenList list;
    CommandTable table;
    Arguments args;
    Reply reply;
    bool ok = false;

    Bound(const Command& command, const char* words)
    {
        REQUIRE(list.split(words));
        ok = args.bind(command, table, list.tokens(), list.count(), list.json(), reply);
        CHECK(ok == reply.ok());
    }
    std::string error() const { return reply.error(); }
};

} // namespace

TEST_CASE("positional arguments and flags are separated", "[console][arguments]")
{
    Bound b(kStart, "alpha --cpus 4 64M --paused");
    REQUIRE(b.ok);
    REQUIRE(b.args.count() == 2);
    CHECK(std::string(b.args.at(0)) == "alpha");
    CHECK(std::string(b.args.at(1)) == "64M");
    CHECK(b.args.has("--cpus"));
    CHECK(std::string(b.args.value("--cpus")) == "4");
    CHECK(b.args.has("--paused"));
    CHECK(b.args.value("--paused") == nullptr);
    CHECK_FALSE(b.args.has("--cp"));
    CHECK(b.args.value("--memory") == nullptr);
}

TEST_CASE("a flag value may follow an equals sign", "[console][arguments]")
{
    Bound b(kStart, "alpha 64M --cpus=8");
    REQUIRE(b.ok);
    CHECK(std::string(b.args.value("--cpus")) == "8");
    CHECK_FALSE(b.args.has("--cpus=8"));
}

TEST_CASE("quoted words and words after -- are never flags", "[console][arguments]")
{
    Bound quoted(kStart, R"("--cpus" 64M)");
    REQUIRE(quoted.ok);
    CHECK(std::string(quoted.args.at(0)) == "--cpus");
    Bound after(kStart, "--paused -- --cpus --paused");
    REQUIRE(after.ok);
    CHECK(std::string(after.args.at(0)) == "--cpus");
    CHECK(std::string(after.args.at(1)) == "--paused");
    Bound single_dash(kStart, "-x -5");
    CHECK(single_dash.ok); // one dash is an ordinary word (negative numbers, names)
}

TEST_CASE("usage errors name the problem and the usage", "[console][arguments]")
{
    const std::string usage = " (usage: vm start NAME SIZE [--cpus N] [--paused])";
    CHECK(Bound(kStart, "alpha 64M --force").error() == "unknown flag '--force'" + usage);
    CHECK(Bound(kStart, "alpha 64M --force=yes").error() == "unknown flag '--force'" + usage);
    CHECK(Bound(kStart, "alpha 64M --cpus").error() == "flag '--cpus' needs a value" + usage);
    CHECK(Bound(kStart, "alpha 64M --paused=1").error() ==
          "flag '--paused' takes no value" + usage);
    CHECK(Bound(kStart, "a 1 --cpus 1 --cpus 2").error() == "flag '--cpus' given twice" + usage);
    CHECK(Bound(kStart, "alpha").error() == "'vm start' takes 2 arguments, got 1" + usage);
    CHECK(Bound(kStart, "a b c").error() == "'vm start' takes 2 arguments, got 3" + usage);
    CHECK(Bound(kVersion, "x").error() ==
          "'version' takes no arguments, got 1 (usage: version)");
    CHECK(Bound(kVersion, "--x").error() == "unknown flag '--x' (usage: version)");
    CHECK(Bound(kEcho, "").error() == "'echo' needs at least 1 argument, got 0 (usage: echo WORD...)");
    CHECK(Bound(kPick, "a b c d").error() ==
          "'pick' takes at most 3 arguments, got 4 (usage: pick A [B [C]])");
    CHECK(Bound(kPick, "a b c").ok);
    CHECK(Bound(kEcho, "a b c d e f g h i j k l m n o p q r s t u v w x y z").ok);
}

TEST_CASE("--json reaches the handler", "[console][arguments]")
{
    Bound b(kVersion, "--json");
    REQUIRE(b.ok);
    CHECK(b.args.json());
    CHECK(b.args.count() == 0);
}

TEST_CASE("number helpers parse, range-check and explain failures", "[console][arguments]")
{
    Bound b(kStart, "alpha 64M --cpus 300");
    REQUIRE(b.ok);
    uint64_t value = 0;
    Reply& reply = b.reply;
    CHECK(b.args.size_at(1, 1, UINT64_MAX, value, reply));
    CHECK(value == 64ull << 20);
    CHECK(b.args.unsigned_flag("--memory", 0, 10, value, reply)); // absent: fine, untouched
    CHECK(value == 64ull << 20);
    CHECK(reply.ok());

    CHECK_FALSE(b.args.unsigned_flag("--cpus", 1, 64, value, reply));
    CHECK(std::string(reply.error()) == "--cpus: '300' is out of range (1 to 64) (usage: vm start "
                                        "NAME SIZE [--cpus N] [--paused])");
    CHECK(value == 64ull << 20);
}

TEST_CASE("number helper messages for each kind of bad input", "[console][arguments]")
{
    const std::string usage = " (usage: vm start NAME SIZE [--cpus N] [--paused])";
    auto unsigned_error = [&](const char* words) {
        Bound b(kStart, words);
        REQUIRE(b.ok);
        uint64_t v = 0;
        CHECK_FALSE(b.args.unsigned_at(1, 0, 1000, v, b.reply));
        return b.error();
    };
    auto size_error = [&](const char* words) {
        Bound b(kStart, words);
        REQUIRE(b.ok);
        uint64_t v = 0;
        CHECK_FALSE(b.args.size_at(1, 4096, 1ull << 40, v, b.reply));
        return b.error();
    };
    CHECK(unsigned_error("a abc") ==
          "argument 2: 'abc' is not a number (decimal or 0x hex)" + usage);
    CHECK(unsigned_error("a \"\"") == "argument 2: empty, expected a number" + usage);
    CHECK(unsigned_error("a 1001") == "argument 2: '1001' is out of range (0 to 1000)" + usage);
    CHECK(unsigned_error("a 99999999999999999999") ==
          "argument 2: '99999999999999999999' is out of range (0 to 1000)" + usage);
    CHECK(size_error("a 12X") ==
          "argument 2: '12X' is not a size (a number with an optional K, M or G suffix)" + usage);
    CHECK(size_error("a 1K") ==
          "argument 2: '1K' is out of range (4096 to 1099511627776)" + usage);
    CHECK(size_error("a 2000G") ==
          "argument 2: '2000G' is out of range (4096 to 1099511627776)" + usage);
    CHECK(size_error("a \"\"") == "argument 2: empty, expected a size" + usage);
}
