#include "hv/console/tokenizer.hpp"

#include "hv/console/text.hpp"

namespace sp::console {

bool TokenList::split(const char* line)
{
    count_ = 0;
    json_ = false;
    error_ = "";
    size_t length = __builtin_strlen(line);
    if (length > kMaxLineLength) {
        error_ = "line too long (max 240 characters)";
        static_assert(kMaxLineLength == 240, "update the message");
        return false;
    }
    // Every word ends at a separator or at the end of the line, so the words with their NULs
    // never need more than length + 1 bytes.
    char* out = storage_;
    const char* p = line;
    for (;;) {
        while (is_space(*p)) ++p;
        if (!*p) break;
        char* word = out;
        bool quoted = false;
        bool in_quotes = false;
        while (*p && (in_quotes || !is_space(*p))) {
            if (*p == '"') {
                in_quotes = !in_quotes;
                quoted = true;
                ++p;
            } else if (in_quotes && *p == '\\' && (p[1] == '"' || p[1] == '\\')) {
                *out++ = p[1];
                p += 2;
            } else {
                *out++ = *p++;
            }
        }
        *out++ = '\0';
        if (in_quotes) {
            error_ = "unterminated quote";
            return false;
        }
        if (!quoted && same_text(word, "--json")) {
            json_ = true;
            continue;
        }
        if (count_ == kMaxTokens) {
            error_ = "too many words in line (max 32)";
            static_assert(kMaxTokens == 32, "update the message");
            continue; // keep scanning: a later --json still selects the output format
        }
        tokens_[count_++] = Token{word, quoted};
    }
    return error_[0] == '\0';
}

} // namespace sp::console
