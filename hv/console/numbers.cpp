#include "hv/console/numbers.hpp"

#include <limits>

namespace sp::console {
namespace {

int digit_value(char c, unsigned base)
{
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    return v >= 0 && static_cast<unsigned>(v) < base ? v : -1;
}

// Parses the digits at `text`; `end` is left at the first byte that is not a digit.
NumberError parse_digits(const char* text, const char*& end, uint64_t& out)
{
    unsigned base = 10;
    const char* p = text;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    const char* first = p;
    uint64_t value = 0;
    bool overflow = false;
    for (int d; (d = digit_value(*p, base)) >= 0; ++p) {
        if (value > (std::numeric_limits<uint64_t>::max() - static_cast<unsigned>(d)) / base)
            overflow = true; // keep scanning so "99999999999999999999x" is still malformed
        else
            value = value * base + static_cast<unsigned>(d);
    }
    end = p;
    if (p == first) return NumberError::Malformed;
    if (overflow) return NumberError::OutOfRange;
    out = value;
    return NumberError::None;
}

} // namespace

NumberError parse_unsigned(const char* text, uint64_t& out)
{
    if (!*text) return NumberError::Empty;
    const char* end;
    uint64_t value;
    NumberError error = parse_digits(text, end, value);
    if (*end) return NumberError::Malformed;
    if (error != NumberError::None) return error;
    out = value;
    return NumberError::None;
}

NumberError parse_size(const char* text, uint64_t& out)
{
    if (!*text) return NumberError::Empty;
    const char* end;
    uint64_t value;
    NumberError error = parse_digits(text, end, value);
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k':
    case 'K': shift = 10; break;
    case 'm':
    case 'M': shift = 20; break;
    case 'g':
    case 'G': shift = 30; break;
    default: return NumberError::Malformed;
    }
    if (shift && end[1]) return NumberError::Malformed;
    if (error != NumberError::None) return error;
    if (value > (std::numeric_limits<uint64_t>::max() >> shift)) return NumberError::OutOfRange;
    out = value << shift;
    return NumberError::None;
}

} // namespace sp::console
