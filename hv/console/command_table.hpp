// The set of commands a shell knows: groups of rows added by the embedder, looked up by the
// longest name matching the start of a line. Fixed capacity, no copying of rows: the arrays
// added must live as long as the table (static const arrays).
#pragma once
#include <stddef.h>

#include "hv/console/command.hpp"
#include "hv/console/tokenizer.hpp"

namespace sp::console {

class CommandTable {
public:
    static constexpr size_t kMaxGroups = 16;

    // Adds `count` rows. Rows must be well-formed (name, help and handler set, min <= max) and
    // names unique in the table: violations are bugs and panic.
    void add(const Command* rows, size_t count);
    template <size_t N>
    void add(const Command (&rows)[N])
    {
        add(rows, N);
    }

    struct Match {
        const Command* command; // nullptr: no command name matches
        size_t words;           // words of the line the name used
    };
    Match find(const Token* words, size_t count) const;

    // True when some command's name starts with these words followed by more words: "vm" when
    // "vm list" exists. Lets errors and help treat "vm" as a group.
    bool is_group(const Token* words, size_t count) const;

    // All rows in the order they were added.
    size_t size() const;
    const Command& operator[](size_t index) const;

private:
    struct Group {
        const Command* rows;
        size_t count;
    };
    Group groups_[kMaxGroups];
    size_t group_count_ = 0;
};

// Name helpers, shared with help. name_matches: `words` are exactly the name's words.
// name_in_group: `words` are the name's first words and the name has more ("vm" of "vm list").
size_t name_word_count(const char* name);
bool name_matches(const char* name, const Token* words, size_t count);
bool name_in_group(const char* name, const Token* words, size_t count);

} // namespace sp::console
