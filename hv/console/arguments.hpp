// The parsed arguments of one command invocation: positional words, flags, and --json, checked
// against the command's row (argument counts, known flags) before its handler runs. The number
// helpers turn a bad number into an error reply naming the argument and the usage, so a handler
// only writes:
//
//   uint64_t bytes;
//   if (!args.size_at(1, 1, kMaxGuestBytes, bytes, reply)) return;
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/console/command.hpp"
#include "hv/console/command_table.hpp"
#include "hv/console/limits.hpp"
#include "hv/console/reply.hpp"
#include "hv/console/tokenizer.hpp"
#include "hv/lib/sink.hpp"

namespace sp::console {

class Arguments {
public:
    // Binds the words after the command name to `command`. On a usage error (wrong count,
    // unknown flag, missing flag value, repeated flag) fails `reply` and returns false.
    // `words` must outlive the Arguments.
    bool bind(const Command& command, const CommandTable& table, const Token* words,
              size_t count, bool json, Reply& reply);

    // Positional arguments (flags removed).
    size_t count() const { return count_; }
    const char* at(size_t index) const; // index < count(), else panic (a handler bug)

    // Flags: has("--force") is true when given; value("--cpus") is its text or nullptr.
    bool has(const char* flag) const;
    const char* value(const char* flag) const;

    bool json() const { return json_; }
    const Command& command() const { return *command_; }
    const CommandTable& table() const { return *table_; }

    // Number helpers: parse, check min <= value <= max, and on failure fail `reply` with a
    // message naming the argument ("argument 2" or "--cpus") and the usage; return false.
    // The *_flag forms leave `out` untouched and return true when the flag is absent.
    bool unsigned_at(size_t index, uint64_t min, uint64_t max, uint64_t& out, Reply& reply) const;
    bool size_at(size_t index, uint64_t min, uint64_t max, uint64_t& out, Reply& reply) const;
    bool unsigned_flag(const char* flag, uint64_t min, uint64_t max, uint64_t& out,
                       Reply& reply) const;
    bool size_flag(const char* flag, uint64_t min, uint64_t max, uint64_t& out,
                   Reply& reply) const;

private:
    struct Flag {
        const char* name; // "--cpus", not NUL-terminated when given as --cpus=4
        size_t length;
        const char* value; // nullptr for flags without a value
    };
    const Flag* find_flag(const char* flag) const;
    bool check_number(bool size, const char* label, const char* text, uint64_t min,
                      uint64_t max, uint64_t& out, Reply& reply) const;

    const Command* command_ = nullptr;
    const CommandTable* table_ = nullptr;
    const char* positional_[kMaxTokens];
    size_t count_ = 0;
    Flag flags_[kMaxFlags];
    size_t flag_count_ = 0;
    bool json_ = false;
};

// "NAME USAGE" of a command, as shown in help and in usage errors.
void write_synopsis(Sink& out, const Command& command);

} // namespace sp::console
