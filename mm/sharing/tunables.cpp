#include "mm/sharing/tunables.hpp"

#include <string.h>

namespace sp::sharing {

const TunableInfo kTunables[] = {
    {"run", "0 stop, 1 scan, 2 unmerge every shared page and stop"},
    {"pages_to_scan", "pages looked at per wake-up (1..1000000)"},
    {"sleep_millisecs", "pause between wake-ups (0..60000)"},
    {"use_zero_pages", "map zero pages to the shared zero frame (0/1)"},
    {"max_page_sharing", "most mappers of one shared frame (2..65535)"},
    {"smart_scan", "skip pages that keep failing to merge (0/1)"},
    {"split_policy", "pressure | eager"},
    {"merge_delay_ms", "pressure high this long before split ranges collapse (0..3600000)"},
    {"domain_mode", "vm | group | host"},
    {"min_free", "free pages the pressure states are relative to; 0 = default"},
    {"max_cpu_percent", "most of the CPU the scanner may take from the guests (1..100)"},
};
const unsigned kTunableCount = sizeof(kTunables) / sizeof(kTunables[0]);

namespace {

bool equal(const char* a, const char* b)
{
    size_t n = strlen(a);
    return n == strlen(b) && memcmp(a, b, n) == 0;
}

// Decimal without sign; false on anything else or overflow.
bool parse_number(const char* s, uint64_t& out)
{
    if (s == nullptr || *s == 0) return false;
    uint64_t v = 0;
    for (; *s; ++s) {
        if (*s < '0' || *s > '9') return false;
        uint64_t d = static_cast<uint64_t>(*s - '0');
        if (v > (~0ull - d) / 10) return false;
        v = v * 10 + d;
    }
    out = v;
    return true;
}

SharingError ranged(const char* value, uint64_t lo, uint64_t hi, uint64_t& out)
{
    if (!parse_number(value, out)) return SharingError::bad_value;
    return out < lo || out > hi ? SharingError::out_of_range : SharingError::ok;
}

void put_number(uint64_t v, char* buf, unsigned size)
{
    char tmp[24];
    unsigned n = 0;
    do {
        tmp[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v);
    unsigned i = 0;
    for (; i < n && i + 1 < size; ++i) buf[i] = tmp[n - 1 - i];
    if (size) buf[i] = 0;
}

void put_text(const char* s, char* buf, unsigned size)
{
    unsigned i = 0;
    for (; s[i] && i + 1 < size; ++i) buf[i] = s[i];
    if (size) buf[i] = 0;
}

} // namespace

const char* to_string(SplitPolicy p) { return p == SplitPolicy::eager ? "eager" : "pressure"; }
const char* to_string(DomainMode m) { return m == DomainMode::host ? "host" : m == DomainMode::group ? "group" : "vm"; }

SharingError parse_tunable(Tunables& t, const char* key, const char* value)
{
    if (key == nullptr || value == nullptr) return SharingError::bad_value;
    Tunables n = t;
    uint64_t v = 0;
    SharingError e = SharingError::ok;
    if (equal(key, "run")) {
        if ((e = ranged(value, 0, 2, v)) == SharingError::ok) n.run = static_cast<uint32_t>(v);
    } else if (equal(key, "pages_to_scan")) {
        if ((e = ranged(value, 1, 1000000, v)) == SharingError::ok) n.pages_to_scan = static_cast<uint32_t>(v);
    } else if (equal(key, "sleep_millisecs")) {
        if ((e = ranged(value, 0, 60000, v)) == SharingError::ok) n.sleep_millisecs = static_cast<uint32_t>(v);
    } else if (equal(key, "use_zero_pages")) {
        if ((e = ranged(value, 0, 1, v)) == SharingError::ok) n.use_zero_pages = v != 0;
    } else if (equal(key, "max_page_sharing")) {
        if ((e = ranged(value, 2, 65535, v)) == SharingError::ok) n.max_page_sharing = static_cast<uint32_t>(v);
    } else if (equal(key, "smart_scan")) {
        if ((e = ranged(value, 0, 1, v)) == SharingError::ok) n.smart_scan = v != 0;
    } else if (equal(key, "split_policy")) {
        if (equal(value, "pressure")) n.split_policy = SplitPolicy::pressure;
        else if (equal(value, "eager")) n.split_policy = SplitPolicy::eager;
        else e = SharingError::bad_value;
    } else if (equal(key, "merge_delay_ms")) {
        if ((e = ranged(value, 0, 3600000, v)) == SharingError::ok) n.merge_delay_ms = static_cast<uint32_t>(v);
    } else if (equal(key, "domain_mode")) {
        if (equal(value, "vm")) n.domain_mode = DomainMode::vm;
        else if (equal(value, "group")) n.domain_mode = DomainMode::group;
        else if (equal(value, "host")) n.domain_mode = DomainMode::host;
        else e = SharingError::bad_value;
    } else if (equal(key, "min_free")) {
        if ((e = ranged(value, 0, 1ull << 40, v)) == SharingError::ok) n.min_free = v;
    } else if (equal(key, "max_cpu_percent")) {
        if ((e = ranged(value, 1, 100, v)) == SharingError::ok) n.max_cpu_percent = static_cast<uint32_t>(v);
    } else {
        return SharingError::unknown_key;
    }
    if (e == SharingError::ok) t = n;
    return e;
}

bool format_tunable(const Tunables& t, const char* key, char* buf, unsigned size)
{
    if (equal(key, "run")) put_number(t.run, buf, size);
    else if (equal(key, "pages_to_scan")) put_number(t.pages_to_scan, buf, size);
    else if (equal(key, "sleep_millisecs")) put_number(t.sleep_millisecs, buf, size);
    else if (equal(key, "use_zero_pages")) put_number(t.use_zero_pages, buf, size);
    else if (equal(key, "max_page_sharing")) put_number(t.max_page_sharing, buf, size);
    else if (equal(key, "smart_scan")) put_number(t.smart_scan, buf, size);
    else if (equal(key, "split_policy")) put_text(to_string(t.split_policy), buf, size);
    else if (equal(key, "merge_delay_ms")) put_number(t.merge_delay_ms, buf, size);
    else if (equal(key, "domain_mode")) put_text(to_string(t.domain_mode), buf, size);
    else if (equal(key, "min_free")) put_number(t.min_free, buf, size);
    else if (equal(key, "max_cpu_percent")) put_number(t.max_cpu_percent, buf, size);
    else return false;
    return true;
}

} // namespace sp::sharing
