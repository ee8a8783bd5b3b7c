// Splits a command line into words. Words are separated by spaces or tabs; double quotes group
// text with spaces into one word ("a b"), and inside quotes \" and \\ stand for " and \. Quotes
// may sit inside a word (a"b c" is the word `ab c`). The global flag --json (unquoted) may appear
// anywhere; it is removed from the words and reported separately.
//
// A tool's request tag: an unquoted first word starting with '@' ("@42 vm list") is taken out of
// the words; it asks for a JSON reply framed with that tag (docs/console.md, "Framing").
#pragma once
#include <stddef.h>

#include "hv/console/limits.hpp"

namespace sp::console {

// Request tags: "@" and then 1-32 of A-Z a-z 0-9 . _ : -
inline constexpr size_t kMaxTagLength = 32;
bool valid_tag(const char* tag); // the text after the '@'

struct Token {
    const char* text;
    bool quoted; // a quoted word is never taken as a flag
};

class TokenList {
public:
    // Splits `line`. Returns false with a message in error() for an unterminated quote, a line
    // longer than kMaxLineLength, more than kMaxTokens words or a malformed tag; json() is still
    // set when an unquoted --json or a tag was seen, so even those errors honour it.
    bool split(const char* line);

    size_t count() const { return count_; }
    const Token* tokens() const { return tokens_; }
    const Token& operator[](size_t i) const { return tokens_[i]; }
    // --json was given, or a request tag (which implies it).
    bool json() const { return json_ || tag_ != nullptr; }
    // The request tag without its '@' (nullptr: none). A malformed tag makes split() fail, and
    // tag() stays nullptr.
    const char* tag() const { return tag_; }
    const char* error() const { return error_; }

private:
    Token tokens_[kMaxTokens];
    size_t count_ = 0;
    bool json_ = false;
    const char* tag_ = nullptr;
    const char* error_ = "";
    char storage_[kMaxLineLength + 1]; // the words, NUL-terminated, quotes removed
};

} // namespace sp::console
