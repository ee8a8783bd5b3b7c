#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hv/console/arguments.hpp"
#include "hv/console/command_table.hpp"
#include "hv/console/reply.hpp"
#include "hv/console/tokenizer.hpp"

using namespace sp::console;

namespace {

void nothing(const Arguments&, Reply&, void*) {}

const Command kVmCommands[] = {
    {"vm", "[NAME]", "show one VM or all", nothing, 0, 1},
    {"vm list", "", "list virtual machines", nothing},
    {"vm start", "NAME SIZE [--cpus N]", "start a VM", nothing, 2, 2, "--cpus="},
    {"vm start now", "", "start at once", nothing},
};
const Command kShareCommands[] = {
    {"share set", "KEY VALUE", "set a shared value", nothing, 2, 2},
    {"share get", "KEY", "get a shared value", nothing, 1, 1},
};

// Finds the command a line selects: its name and how many words it used ("" when none).
std::pair<std::string, size_t> lookup(const CommandTable& table, const char* line)
{
    static TokenList list;
    REQUIRE(list.split(line));
    CommandTable::Match m = table.find(list.tokens(), list.count());
    return {m.command ? m.command->name : "", m.words};
}

} // namespace

TEST_CASE("the longest command name matching the line wins", "[console][table]")
{
    CommandTable table;
    table.add(kVmCommands);
    table.add(kShareCommands);
    CHECK(table.size() == 6);

    using R = std::pair<std::string, size_t>;
    CHECK(lookup(table, "vm") == R{"vm", 1});
    CHECK(lookup(table, "vm alpha") == R{"vm", 1});
    CHECK(lookup(table, "vm list") == R{"vm list", 2});
    CHECK(lookup(table, "vm list extra") == R{"vm list", 2});
    CHECK(lookup(table, "vm start a 64M") == R{"vm start", 2});
    CHECK(lookup(table, "vm start now") == R{"vm start now", 3});
    CHECK(lookup(table, "vm starting") == R{"vm", 1});     // whole words only
    CHECK(lookup(table, "vm lis") == R{"vm", 1});
    CHECK(lookup(table, "share set k v") == R{"share set", 2});
    CHECK(lookup(table, "share") == R{"", 0});             // only a group
    CHECK(lookup(table, "shar set") == R{"", 0});
    CHECK(lookup(table, "\"vm list\"") == R{"", 0});       // one quoted word is not two
    CHECK(lookup(table, "VM") == R{"", 0});                // names are case-sensitive
}

TEST_CASE("groups are recognised by their leading words", "[console][table]")
{
    CommandTable table;
    table.add(kShareCommands);
    TokenList list;
    REQUIRE(list.split("share bogus"));
    CHECK(table.is_group(list.tokens(), 1));
    CHECK_FALSE(table.is_group(list.tokens(), 2));
    REQUIRE(list.split("sha"));
    CHECK_FALSE(table.is_group(list.tokens(), 1));
    REQUIRE(list.split("share set"));
    CHECK_FALSE(table.is_group(list.tokens(), 2)); // a command, not a group
}

TEST_CASE("rows are listed in the order their groups were added", "[console][table]")
{
    CommandTable table;
    table.add(kShareCommands);
    table.add(kVmCommands);
    std::vector<std::string> names;
    for (size_t i = 0; i < table.size(); ++i) names.push_back(table[i].name);
    CHECK(names == std::vector<std::string>{"share set", "share get", "vm", "vm list",
                                            "vm start", "vm start now"});
}

TEST_CASE("name helpers compare whole words", "[console][table]")
{
    TokenList list;
    REQUIRE(list.split("vm start x"));
    CHECK(name_word_count("vm start") == 2);
    CHECK(name_matches("vm start", list.tokens(), 2));
    CHECK_FALSE(name_matches("vm start", list.tokens(), 1));
    CHECK_FALSE(name_matches("vm start", list.tokens(), 3));
    CHECK(name_in_group("vm start", list.tokens(), 1));
    CHECK_FALSE(name_in_group("vm start", list.tokens(), 2));
    CHECK_FALSE(name_in_group("vm", list.tokens(), 1));
}
