#include "hv/console/arguments.hpp"

#include "hv/console/numbers.hpp"
#include "hv/console/text.hpp"
#include "hv/lib/format.hpp"
#include "hv/lib/panic.hpp"

// Every usage error ends with the command's synopsis: "... (usage: vm start NAME SIZE)".
#define SP_USAGE_FMT " (usage: %s%s%s)"
#define SP_USAGE_ARGS(cmd) (cmd).name, (cmd).usage[0] ? " " : "", (cmd).usage

namespace sp::console {
namespace {

enum class FlagKind { Unknown, Bare, WithValue };

// Looks `name` (length `length`) up in a row's flag list ("--cpus= --force").
FlagKind flag_kind(const char* spec, const char* name, size_t length)
{
    if (!spec) return FlagKind::Unknown;
    const char* p = spec;
    while (*p) {
        while (*p == ' ') ++p;
        const char* start = p;
        while (*p && *p != ' ' && *p != '=') ++p;
        size_t n = static_cast<size_t>(p - start);
        bool with_value = *p == '=';
        if (with_value) ++p;
        if (n == length && n > 0 && __builtin_memcmp(start, name, n) == 0)
            return with_value ? FlagKind::WithValue : FlagKind::Bare;
        while (*p && *p != ' ') ++p;
    }
    return FlagKind::Unknown;
}

const char* plural(size_t n) { return n == 1 ? "" : "s"; }

} // namespace

void write_synopsis(Sink& out, const Command& command)
{
    format(out, "%s%s%s", SP_USAGE_ARGS(command));
}

bool Arguments::bind(const Command& command, const CommandTable& table, const Token* words,
                     size_t count, bool json, Reply& reply)
{
    command_ = &command;
    table_ = &table;
    count_ = 0;
    flag_count_ = 0;
    json_ = json;
    bool flags_ended = false; // after "--" every word is positional
    for (size_t i = 0; i < count; ++i) {
        const Token& word = words[i];
        const char* text = word.text;
        bool is_flag = !flags_ended && !word.quoted && text[0] == '-' && text[1] == '-';
        if (!is_flag) {
            positional_[count_++] = text; // count <= kMaxTokens
            continue;
        }
        if (text[2] == '\0') {
            flags_ended = true;
            continue;
        }
        const char* equals = text;
        while (*equals && *equals != '=') ++equals;
        int length = static_cast<int>(equals - text);
        FlagKind kind = flag_kind(command.flags, text, static_cast<size_t>(length));
        if (kind == FlagKind::Unknown) {
            reply.fail("unknown flag '%.*s'" SP_USAGE_FMT, length, text, SP_USAGE_ARGS(command));
            return false;
        }
        for (size_t f = 0; f < flag_count_; ++f) {
            if (flags_[f].length == static_cast<size_t>(length) &&
                __builtin_memcmp(flags_[f].name, text, flags_[f].length) == 0) {
                reply.fail("flag '%.*s' given twice" SP_USAGE_FMT, length, text,
                           SP_USAGE_ARGS(command));
                return false;
            }
        }
        const char* value = nullptr;
        if (kind == FlagKind::Bare && *equals) {
            reply.fail("flag '%.*s' takes no value" SP_USAGE_FMT, length, text,
                       SP_USAGE_ARGS(command));
            return false;
        }
        if (kind == FlagKind::WithValue) {
            if (*equals) {
                value = equals + 1;
            } else if (i + 1 < count) {
                value = words[++i].text;
            } else {
                reply.fail("flag '%.*s' needs a value" SP_USAGE_FMT, length, text,
                           SP_USAGE_ARGS(command));
                return false;
            }
        }
        if (flag_count_ == kMaxFlags) {
            reply.fail("too many flags (max %zu)" SP_USAGE_FMT, kMaxFlags, SP_USAGE_ARGS(command));
            return false;
        }
        flags_[flag_count_++] = Flag{text, static_cast<size_t>(length), value};
    }

    size_t min = command.min_args;
    size_t max = command.max_args;
    if (count_ >= min && (max == kAnyCount || count_ <= max)) return true;
    if (max == 0)
        reply.fail("'%s' takes no arguments, got %zu" SP_USAGE_FMT, command.name, count_,
                   SP_USAGE_ARGS(command));
    else if (min == max)
        reply.fail("'%s' takes %zu argument%s, got %zu" SP_USAGE_FMT, command.name, min,
                   plural(min), count_, SP_USAGE_ARGS(command));
    else if (count_ < min)
        reply.fail("'%s' needs at least %zu argument%s, got %zu" SP_USAGE_FMT, command.name, min,
                   plural(min), count_, SP_USAGE_ARGS(command));
    else
        reply.fail("'%s' takes at most %zu argument%s, got %zu" SP_USAGE_FMT, command.name, max,
                   plural(max), count_, SP_USAGE_ARGS(command));
    return false;
}

const char* Arguments::at(size_t index) const
{
    SP_ASSERT(index < count_);
    return positional_[index];
}

const Arguments::Flag* Arguments::find_flag(const char* flag) const
{
    size_t length = __builtin_strlen(flag);
    for (size_t f = 0; f < flag_count_; ++f)
        if (flags_[f].length == length && __builtin_memcmp(flags_[f].name, flag, length) == 0)
            return &flags_[f];
    return nullptr;
}

bool Arguments::has(const char* flag) const { return find_flag(flag) != nullptr; }

const char* Arguments::value(const char* flag) const
{
    const Flag* f = find_flag(flag);
    return f ? f->value : nullptr;
}

bool Arguments::check_number(bool size, const char* label, const char* text, uint64_t min,
                             uint64_t max, uint64_t& out, Reply& reply) const
{
    uint64_t value = 0;
    NumberError error = size ? parse_size(text, value) : parse_unsigned(text, value);
    const Command& cmd = *command_;
    switch (error) {
    case NumberError::None:
        if (value >= min && value <= max) {
            out = value;
            return true;
        }
        [[fallthrough]];
    case NumberError::OutOfRange:
        reply.fail("%s: '%s' is out of range (%llu to %llu)" SP_USAGE_FMT, label, text,
                   static_cast<unsigned long long>(min), static_cast<unsigned long long>(max),
                   SP_USAGE_ARGS(cmd));
        return false;
    case NumberError::Empty:
        reply.fail("%s: empty, expected %s" SP_USAGE_FMT, label,
                   size ? "a size" : "a number", SP_USAGE_ARGS(cmd));
        return false;
    case NumberError::Malformed: break;
    }
    if (size)
        reply.fail("%s: '%s' is not a size (a number with an optional K, M or G suffix)"
                   SP_USAGE_FMT, label, text, SP_USAGE_ARGS(cmd));
    else
        reply.fail("%s: '%s' is not a number (decimal or 0x hex)" SP_USAGE_FMT, label, text,
                   SP_USAGE_ARGS(cmd));
    return false;
}

bool Arguments::unsigned_at(size_t index, uint64_t min, uint64_t max, uint64_t& out,
                            Reply& reply) const
{
    char label[32];
    format_to(label, sizeof label, "argument %zu", index + 1);
    return check_number(false, label, at(index), min, max, out, reply);
}

bool Arguments::size_at(size_t index, uint64_t min, uint64_t max, uint64_t& out,
                        Reply& reply) const
{
    char label[32];
    format_to(label, sizeof label, "argument %zu", index + 1);
    return check_number(true, label, at(index), min, max, out, reply);
}

bool Arguments::unsigned_flag(const char* flag, uint64_t min, uint64_t max, uint64_t& out,
                              Reply& reply) const
{
    const char* text = value(flag);
    return !text || check_number(false, flag, text, min, max, out, reply);
}

bool Arguments::size_flag(const char* flag, uint64_t min, uint64_t max, uint64_t& out,
                          Reply& reply) const
{
    const char* text = value(flag);
    return !text || check_number(true, flag, text, min, max, out, reply);
}

} // namespace sp::console
