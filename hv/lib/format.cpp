#include "hv/lib/format.hpp"

#include <stdint.h>

namespace sp {
namespace {

struct Spec {
    bool left = false;
    bool zero = false;
    bool plus = false;
    bool space = false;
    int width = 0;
    int precision = -1;
};

void pad(Sink& out, char c, int count)
{
    for (int i = 0; i < count; ++i) out.put(c);
}

void emit_string(Sink& out, const char* s, const Spec& spec)
{
    if (!s) s = "(null)";
    size_t len = 0;
    while (s[len] && (spec.precision < 0 || len < static_cast<size_t>(spec.precision))) ++len;
    int fill = spec.width > static_cast<int>(len) ? spec.width - static_cast<int>(len) : 0;
    if (!spec.left) pad(out, ' ', fill);
    out.write(s, len);
    if (spec.left) pad(out, ' ', fill);
}

void emit_number(Sink& out, uint64_t value, bool negative, unsigned base, bool upper,
                 const char* prefix, Spec spec)
{
    char digits[24];
    int n = 0;
    const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        digits[n++] = set[value % base];
        value /= base;
    } while (value != 0);
    if (spec.precision == 0 && n == 1 && digits[0] == '0') n = 0;

    char sign = negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : '\0';
    int prefix_len = 0;
    while (prefix && prefix[prefix_len]) ++prefix_len;
    int zeros = spec.precision > n ? spec.precision - n : 0;
    int body = n + zeros + prefix_len + (sign ? 1 : 0);
    int fill = spec.width > body ? spec.width - body : 0;
    if (spec.zero && !spec.left && spec.precision < 0) {
        zeros += fill;
        fill = 0;
    }
    if (!spec.left) pad(out, ' ', fill);
    if (sign) out.put(sign);
    if (prefix_len) out.write(prefix, static_cast<size_t>(prefix_len));
    pad(out, '0', zeros);
    while (n > 0) out.put(digits[--n]);
    if (spec.left) pad(out, ' ', fill);
}

enum class Length { Int, Char, Short, Long, LongLong, Size, Max, Ptrdiff };

int64_t signed_arg(va_list& args, Length length)
{
    switch (length) {
    case Length::Char: return static_cast<signed char>(va_arg(args, int));
    case Length::Short: return static_cast<short>(va_arg(args, int));
    case Length::Long: return va_arg(args, long);
    case Length::LongLong: return va_arg(args, long long);
    case Length::Size: return static_cast<int64_t>(va_arg(args, size_t));
    case Length::Max: return va_arg(args, intmax_t);
    case Length::Ptrdiff: return va_arg(args, ptrdiff_t);
    case Length::Int: break;
    }
    return va_arg(args, int);
}

uint64_t unsigned_arg(va_list& args, Length length)
{
    switch (length) {
    case Length::Char: return static_cast<unsigned char>(va_arg(args, unsigned));
    case Length::Short: return static_cast<unsigned short>(va_arg(args, unsigned));
    case Length::Long: return va_arg(args, unsigned long);
    case Length::LongLong: return va_arg(args, unsigned long long);
    case Length::Size: return va_arg(args, size_t);
    case Length::Max: return va_arg(args, uintmax_t);
    case Length::Ptrdiff: return static_cast<uint64_t>(va_arg(args, ptrdiff_t));
    case Length::Int: break;
    }
    return va_arg(args, unsigned);
}

} // namespace

void vformat(Sink& out, const char* fmt, va_list original)
{
    va_list args;
    va_copy(args, original);
    while (*fmt) {
        const char* run = fmt;
        while (*fmt && *fmt != '%') ++fmt;
        if (fmt != run) out.write(run, static_cast<size_t>(fmt - run));
        if (!*fmt) break;
        ++fmt; // '%'

        Spec spec;
        for (;; ++fmt) {
            if (*fmt == '-') spec.left = true;
            else if (*fmt == '0') spec.zero = true;
            else if (*fmt == '+') spec.plus = true;
            else if (*fmt == ' ') spec.space = true;
            else break;
        }
        if (*fmt == '*') {
            spec.width = va_arg(args, int);
            if (spec.width < 0) {
                spec.left = true;
                spec.width = -spec.width;
            }
            ++fmt;
        } else {
            while (*fmt >= '0' && *fmt <= '9') spec.width = spec.width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            ++fmt;
            spec.precision = 0;
            if (*fmt == '*') {
                spec.precision = va_arg(args, int);
                ++fmt;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    spec.precision = spec.precision * 10 + (*fmt++ - '0');
            }
        }
        Length length = Length::Int;
        if (*fmt == 'h') {
            ++fmt;
            length = Length::Short;
            if (*fmt == 'h') {
                ++fmt;
                length = Length::Char;
            }
        } else if (*fmt == 'l') {
            ++fmt;
            length = Length::Long;
            if (*fmt == 'l') {
                ++fmt;
                length = Length::LongLong;
            }
        } else if (*fmt == 'z') {
            ++fmt;
            length = Length::Size;
        } else if (*fmt == 'j') {
            ++fmt;
            length = Length::Max;
        } else if (*fmt == 't') {
            ++fmt;
            length = Length::Ptrdiff;
        }

        char conv = *fmt;
        if (!conv) break;
        ++fmt;
        switch (conv) {
        case 'd':
        case 'i': {
            int64_t v = signed_arg(args, length);
            uint64_t magnitude = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
            emit_number(out, magnitude, v < 0, 10, false, nullptr, spec);
            break;
        }
        case 'u': emit_number(out, unsigned_arg(args, length), false, 10, false, nullptr, spec); break;
        case 'x': emit_number(out, unsigned_arg(args, length), false, 16, false, nullptr, spec); break;
        case 'X': emit_number(out, unsigned_arg(args, length), false, 16, true, nullptr, spec); break;
        case 'o': emit_number(out, unsigned_arg(args, length), false, 8, false, nullptr, spec); break;
        case 'p':
            emit_number(out, reinterpret_cast<uintptr_t>(va_arg(args, void*)), false, 16, false,
                        "0x", spec);
            break;
        case 'c': {
            char c = static_cast<char>(va_arg(args, int));
            char s[2] = {c, '\0'};
            Spec cs = spec;
            cs.precision = 1;
            if (c == '\0') { // still occupies one position
                if (!cs.left) pad(out, ' ', cs.width - 1);
                out.put('\0');
                if (cs.left) pad(out, ' ', cs.width - 1);
            } else {
                emit_string(out, s, cs);
            }
            break;
        }
        case 's': emit_string(out, va_arg(args, const char*), spec); break;
        case '%': out.put('%'); break;
        default: // unknown conversion: show it verbatim so the mistake is visible
            out.put('%');
            out.put(conv);
            break;
        }
    }
    va_end(args);
}

void format(Sink& out, const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vformat(out, fmt, args);
    va_end(args);
}

size_t format_to(char* buffer, size_t capacity, const char* fmt, ...)
{
    BufferSink sink(buffer, capacity);
    CountingSink counter;
    va_list args;
    va_start(args, fmt);
    vformat(sink, fmt, args);
    va_end(args);
    va_start(args, fmt);
    vformat(counter, fmt, args);
    va_end(args);
    return counter.count();
}

} // namespace sp
