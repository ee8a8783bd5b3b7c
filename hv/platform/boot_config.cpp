#include "hv/platform/boot_config.hpp"

#include <string.h>

#include "hv/lib/format.hpp"

namespace sp {
namespace {

constexpr size_t max_token = 64;

struct Span {
    const char* data;
    size_t len;
    bool equals(const char* s) const { return strlen(s) == len && memcmp(s, data, len) == 0; }
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

Span trim(Span s)
{
    while (s.len && is_space(s.data[0])) {
        ++s.data;
        --s.len;
    }
    while (s.len && is_space(s.data[s.len - 1])) --s.len;
    return s;
}

bool parse_u32(Span s, uint32_t& out)
{
    if (s.len == 0 || s.len > 10) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; ++i) {
        if (s.data[i] < '0' || s.data[i] > '9') return false;
        v = v * 10 + static_cast<uint64_t>(s.data[i] - '0');
    }
    if (v > 0xffffffffull) return false;
    out = static_cast<uint32_t>(v);
    return true;
}

// Writes the reason into `why` and returns false when the setting is rejected.
bool apply_setting(BootConfig& config, Span key, Span value, char* why, size_t why_size)
{
    if (key.equals("heap_mib")) {
        uint32_t mib;
        if (!parse_u32(value, mib) || mib < 1 || mib > 1024) {
            format_to(why, why_size, "heap_mib must be a whole number from 1 to 1024");
            return false;
        }
        config.heap_mib = mib;
        return true;
    }
    if (key.equals("overcommit_percent")) {
        uint32_t percent;
        if (!parse_u32(value, percent) || percent < 100 || percent > 1000) {
            format_to(why, why_size, "overcommit_percent must be a whole number from 100 to 1000");
            return false;
        }
        config.overcommit_percent = percent;
        return true;
    }
    if (key.equals("test_exit")) {
        if (value.equals("none")) config.test_exit = TestExit::none;
        else if (value.equals("qemu")) config.test_exit = TestExit::qemu;
        else if (value.equals("bochs")) config.test_exit = TestExit::bochs;
        else {
            format_to(why, why_size, "test_exit must be none, qemu or bochs");
            return false;
        }
        return true;
    }
    if (key.equals("start")) {
        if (value.len == 0 || value.len >= BootConfig::kStartChars) {
            format_to(why, why_size, "start needs a test guest and its options, at most %u characters",
                      static_cast<unsigned>(BootConfig::kStartChars - 1));
            return false;
        }
        if (config.start_count == BootConfig::kMaxStarts) {
            format_to(why, why_size, "at most %u start lines", static_cast<unsigned>(BootConfig::kMaxStarts));
            return false;
        }
        char* slot = config.start[config.start_count++];
        memcpy(slot, value.data, value.len);
        slot[value.len] = '\0';
        return true;
    }
    format_to(why, why_size, "unknown key '%.*s'", static_cast<int>(key.len < max_token ? key.len : max_token), key.data);
    return false;
}

bool apply_pair(BootConfig& config, Span entry, const char* expected_form, char* why, size_t why_size)
{
    const char* eq = static_cast<const char*>(memchr(entry.data, '=', entry.len));
    if (!eq) {
        format_to(why, why_size, "expected %s", expected_form);
        return false;
    }
    Span key = trim({entry.data, static_cast<size_t>(eq - entry.data)});
    Span value = trim({eq + 1, entry.len - static_cast<size_t>(eq - entry.data) - 1});
    if (key.len == 0) {
        format_to(why, why_size, "missing key before '='");
        return false;
    }
    return apply_setting(config, key, value, why, why_size);
}

bool printable(Span s)
{
    for (size_t i = 0; i < s.len; ++i) {
        unsigned char c = static_cast<unsigned char>(s.data[i]);
        if ((c < 0x20 && c != '\t' && c != '\r') || c > 0x7e) return false;
    }
    return true;
}

} // namespace

int apply_config_file(BootConfig& config, const char* text, size_t length, const char* origin,
                      Sink& diagnostics)
{
    int bad = 0;
    size_t line_no = 0;
    size_t pos = 0;
    while (pos < length) {
        ++line_no;
        size_t end = pos;
        while (end < length && text[end] != '\n') ++end;
        Span line{text + pos, end - pos};
        pos = end + 1;
        const char* hash = static_cast<const char*>(memchr(line.data, '#', line.len));
        if (hash) line.len = static_cast<size_t>(hash - line.data);
        line = trim(line);
        if (line.len == 0) continue;
        char why[96];
        bool ok = false;
        if (!printable(line)) format_to(why, sizeof why, "line holds bytes that are not printable ASCII");
        else ok = apply_pair(config, line, "key = value", why, sizeof why);
        if (!ok) {
            ++bad;
            format(diagnostics, "%s:%zu: %s (line skipped)\n", origin, line_no, why);
        }
    }
    return bad;
}

int apply_load_options(BootConfig& config, const char* text, size_t length, Sink& diagnostics)
{
    int bad = 0;
    size_t pos = 0;
    bool first = true;
    while (pos < length) {
        while (pos < length && (is_space(text[pos]) || text[pos] == '\n' || text[pos] == '\0')) ++pos;
        size_t end = pos;
        while (end < length && !is_space(text[end]) && text[end] != '\n' && text[end] != '\0') ++end;
        if (end == pos) break;
        Span word{text + pos, end - pos};
        pos = end;
        if (first) {
            first = false;
            if (word.len >= 4) {
                const char* ext = word.data + word.len - 4;
                if ((ext[0] == '.') && (ext[1] | 0x20) == 'e' && (ext[2] | 0x20) == 'f' &&
                    (ext[3] | 0x20) == 'i')
                    continue;
            }
        }
        char why[96];
        bool ok = false;
        if (!printable(word)) format_to(why, sizeof why, "word holds bytes that are not printable ASCII");
        else ok = apply_pair(config, word, "key=value", why, sizeof why);
        if (!ok) {
            ++bad;
            format(diagnostics, "load options: '%.*s': %s (ignored)\n",
                   static_cast<int>(word.len < max_token ? word.len : max_token), word.data, why);
        }
    }
    return bad;
}

const char* test_exit_name(TestExit exit)
{
    switch (exit) {
    case TestExit::none: return "none";
    case TestExit::qemu: return "qemu";
    case TestExit::bochs: return "bochs";
    }
    return "none";
}

} // namespace sp
