#include "hv/console/commands_builtin.hpp"

#include "hv/console/arguments.hpp"
#include "hv/console/reply.hpp"
#include "hv/lib/format.hpp"
#include "hv/lib/sink.hpp"

#ifndef SAMEPAGE_VERSION
#error "the build defines SAMEPAGE_VERSION (the project version)"
#endif

// The build kind shown by `version`: the embedder may set SAMEPAGE_BUILD_KIND; otherwise the
// image and host builds are told apart by the macros the build defines.
#if defined(SAMEPAGE_BUILD_KIND)
#define SP_BUILD_KIND SAMEPAGE_BUILD_KIND
#elif defined(SAMEPAGE_IMAGE)
#define SP_BUILD_KIND "image"
#elif defined(SAMEPAGE_HOST)
#define SP_BUILD_KIND "host"
#else
#define SP_BUILD_KIND "unknown"
#endif

#if defined(__clang__)
#define SP_COMPILER __VERSION__ // already names clang
#elif defined(__GNUC__)
#define SP_COMPILER "gcc " __VERSION__
#else
#define SP_COMPILER __VERSION__
#endif

namespace sp::console {

void join_words(const Token* words, size_t count, char* buffer, size_t capacity)
{
    BufferSink out(buffer, capacity);
    for (size_t i = 0; i < count; ++i) format(out, "%s%s", i ? " " : "", words[i].text);
}

namespace {

void describe(Object row, const Command& command)
{
    row.str("name", command.name)
        .strf("usage", "%s%s%s", command.name, command.usage[0] ? " " : "", command.usage)
        .str("help", command.help);
}

void help(const Arguments& args, Reply& reply, void*)
{
    const CommandTable& table = args.table();
    Token words[kMaxTokens];
    size_t count = args.count();
    for (size_t i = 0; i < count; ++i) words[i] = Token{args.at(i), false};

    if (count > 0) {
        CommandTable::Match match = table.find(words, count);
        if (match.command && match.words == count) {
            describe(reply.data(), *match.command);
            return;
        }
        if (!table.is_group(words, count)) {
            char name[kMaxLineLength + 1];
            join_words(words, count, name, sizeof name);
            reply.fail("unknown command '%s' (try 'help')", name);
            return;
        }
    }
    Table rows = reply.data().table("commands");
    for (size_t i = 0; i < table.size(); ++i)
        if (count == 0 || name_in_group(table[i].name, words, count)) describe(rows.row(), table[i]);
}

void version(const Arguments&, Reply& reply, void*)
{
    reply.data()
        .str("name", "Samepage")
        .str("version", SAMEPAGE_VERSION)
        .str("compiler", SP_COMPILER)
        .str("build", SP_BUILD_KIND);
}

const Command kBuiltinCommands[] = {
    {"help", "[COMMAND]", "list the commands, or describe one (or a group)", help, 0, kAnyCount},
    {"version", "", "show the name, version, compiler and build kind", version},
};

} // namespace

void add_builtin_commands(CommandTable& table) { table.add(kBuiltinCommands); }

} // namespace sp::console
