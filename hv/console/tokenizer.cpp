#include "hv/console/tokenizer.hpp"

#include "hv/console/text.hpp"

namespace sp::console {

bool valid_tag(const char* tag)
{
    size_t n = 0;
    for (; tag[n]; ++n) {
        char c = tag[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok || n == kMaxTagLength) return false;
    }
    return n > 0;
}

bool TokenList::split(const char* line)
{
    count_ = 0;
    json_ = false;
    tag_ = nullptr;
    error_ = "";
    bool first = true;
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
        bool first_word = first;
        first = false;
        if (!quoted && first_word && word[0] == '@') {
            if (valid_tag(word + 1)) {
                tag_ = word + 1;
            } else {
                json_ = true; // the sender is a tool: answer it in JSON
                if (!error_[0]) error_ = "bad request tag (after '@': 1-32 of A-Z a-z 0-9 . _ : -)";
            }
            continue;
        }
        if (!quoted && same_text(word, "--json")) {
            json_ = true;
            continue;
        }
        if (count_ == kMaxTokens) {
            if (!error_[0]) error_ = "too many words in line (max 32)";
            static_assert(kMaxTokens == 32, "update the message");
            continue; // keep scanning: a later --json still selects the output format
        }
        tokens_[count_++] = Token{word, quoted};
    }
    return error_[0] == '\0';
}

} // namespace sp::console
