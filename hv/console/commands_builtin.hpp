// The commands every shell has: help and version.
#pragma once
#include "hv/console/command_table.hpp"

namespace sp::console {

void add_builtin_commands(CommandTable& table);

// "vm start" style text of `count` words joined by spaces, cut to fit `capacity`.
void join_words(const Token* words, size_t count, char* buffer, size_t capacity);

} // namespace sp::console
