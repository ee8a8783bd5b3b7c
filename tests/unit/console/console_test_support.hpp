// Helpers shared by the console tests: a Sink that collects text, and a strict JSON checker
// (RFC 8259 grammar, whole input, no trailing bytes) to validate every JSON line we produce.
#pragma once
#include <cstddef>
#include <string>

#include "hv/lib/sink.hpp"

namespace console_test {

class StringSink final : public sp::Sink {
public:
    void write(const char* data, size_t len) override { text.append(data, len); }
    std::string take()
    {
        std::string out;
        out.swap(text);
        return out;
    }
    std::string text;
};

class JsonChecker {
public:
    static bool valid(const std::string& text)
    {
        JsonChecker c(text);
        c.ws();
        if (!c.value(0)) return false;
        c.ws();
        return c.pos_ == text.size();
    }

private:
    explicit JsonChecker(const std::string& text) : s_(text) {}
    bool at_end() const { return pos_ >= s_.size(); }
    char peek() const { return at_end() ? '\0' : s_[pos_]; }
    bool eat(char c)
    {
        if (peek() != c || at_end()) return false;
        ++pos_;
        return true;
    }
    void ws()
    {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
            ++pos_;
    }
    bool literal(const char* word)
    {
        for (const char* p = word; *p; ++p)
            if (!eat(*p)) return false;
        return true;
    }
    static bool is_digit(char c) { return c >= '0' && c <= '9'; }
    static bool is_hex(char c)
    {
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
    bool string()
    {
        if (!eat('"')) return false;
        while (!at_end()) {
            unsigned char c = static_cast<unsigned char>(s_[pos_++]);
            if (c == '"') return true;
            if (c < 0x20) return false;
            if (c == '\\') {
                char e = peek();
                ++pos_;
                if (e == 'u') {
                    for (int i = 0; i < 4; ++i)
                        if (!is_hex(peek()) || at_end()) return false;
                        else ++pos_;
                } else if (std::string("\"\\/bfnrt").find(e) == std::string::npos || e == '\0') {
                    return false;
                }
            }
        }
        return false;
    }
    bool number()
    {
        eat('-');
        if (eat('0')) {
        } else if (is_digit(peek()) && peek() != '0') {
            while (is_digit(peek())) ++pos_;
        } else {
            return false;
        }
        if (eat('.')) {
            if (!is_digit(peek())) return false;
            while (is_digit(peek())) ++pos_;
        }
        if (peek() == 'e' || peek() == 'E') {
            ++pos_;
            if (peek() == '+' || peek() == '-') ++pos_;
            if (!is_digit(peek())) return false;
            while (is_digit(peek())) ++pos_;
        }
        return true;
    }
    bool value(int depth)
    {
        if (depth > 64) return false;
        char c = peek();
        if (c == '{') {
            ++pos_;
            ws();
            if (eat('}')) return true;
            for (;;) {
                ws();
                if (!string()) return false;
                ws();
                if (!eat(':')) return false;
                ws();
                if (!value(depth + 1)) return false;
                ws();
                if (eat('}')) return true;
                if (!eat(',')) return false;
            }
        }
        if (c == '[') {
            ++pos_;
            ws();
            if (eat(']')) return true;
            for (;;) {
                ws();
                if (!value(depth + 1)) return false;
                ws();
                if (eat(']')) return true;
                if (!eat(',')) return false;
            }
        }
        if (c == '"') return string();
        if (c == 't') return literal("true");
        if (c == 'f') return literal("false");
        if (c == 'n') return literal("null");
        return number();
    }

    const std::string& s_;
    size_t pos_ = 0;
};

// The JSON of a framed reply line "@<tag> {...}" (without the frame); "" when `line` is not one.
inline std::string unframe(const std::string& line)
{
    if (line.size() < 4 || line[0] != '@') return "";
    size_t space = line.find(' ');
    if (space == std::string::npos || space == 1 || line.compare(space + 1, 1, "{") != 0) return "";
    for (size_t i = 1; i < space; ++i) {
        char c = line[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok) return "";
    }
    return line.substr(space + 1);
}

// A --json reply is exactly one line: "@<tag> ", valid JSON, and a single "\n".
inline bool is_one_json_line(const std::string& text)
{
    if (text.empty() || text.back() != '\n') return false;
    std::string body = unframe(text.substr(0, text.size() - 1));
    return !body.empty() && body.find('\n') == std::string::npos && JsonChecker::valid(body);
}

} // namespace console_test
