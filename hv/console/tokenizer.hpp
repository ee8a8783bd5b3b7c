// Splits a command line into words. Words are separated by spaces or tabs; double quotes group
// text with spaces into one word ("a b"), and inside quotes \" and \\ stand for " and \. Quotes
// may sit inside a word (a"b c" is the word `ab c`). The global flag --json (unquoted) may appear
// anywhere; it is removed from the words and reported separately.
#pragma once
#include <stddef.h>

#include "hv/console/limits.hpp"

namespace sp::console {

struct Token {
    const char* text;
    bool quoted; // a quoted word is never taken as a flag
};

class TokenList {
public:
    // Splits `line`. Returns false with a message in error() for an unterminated quote, a line
    // longer than kMaxLineLength or more than kMaxTokens words; json() is still set when an
    // unquoted --json was seen, so even those errors honour it.
    bool split(const char* line);

    size_t count() const { return count_; }
    const Token* tokens() const { return tokens_; }
    const Token& operator[](size_t i) const { return tokens_[i]; }
    bool json() const { return json_; }
    const char* error() const { return error_; }

private:
    Token tokens_[kMaxTokens];
    size_t count_ = 0;
    bool json_ = false;
    const char* error_ = "";
    char storage_[kMaxLineLength + 1]; // the words, NUL-terminated, quotes removed
};

} // namespace sp::console
