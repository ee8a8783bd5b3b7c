// Vendor-neutral mapping vocabulary: access rights, memory type and page size. Each entry
// format (host, EPT, NPT) translates it to its bits and back.
#pragma once
#include <stdint.h>

namespace sp::mm {

enum class Access : uint8_t { none = 0, r = 1, w = 2, x = 4, rw = 3, rx = 5, wx = 6, rwx = 7 };

constexpr Access operator|(Access a, Access b) { return static_cast<Access>(static_cast<uint8_t>(a) | static_cast<uint8_t>(b)); }
constexpr Access operator&(Access a, Access b) { return static_cast<Access>(static_cast<uint8_t>(a) & static_cast<uint8_t>(b)); }
constexpr Access without(Access a, Access b) { return static_cast<Access>(static_cast<uint8_t>(a) & ~static_cast<uint8_t>(b)); }
constexpr bool has(Access set, Access wanted) { return (set & wanted) == wanted; }

// Values are the x86 memory-type encodings shared by MTRRs, PAT entries and EPT bits 5:3.
enum class MemoryType : uint8_t {
    uncacheable = 0,
    write_combining = 1,
    write_through = 4,
    write_protected = 5,
    write_back = 6,
    uncacheable_minus = 7, // PAT only (UC-); EPT has no such type
};

struct Attributes {
    Access access = Access::rw;
    MemoryType type = MemoryType::write_back;
    bool ignore_guest_pat = false; // EPT only: use this type, not the guest's PAT combination
    constexpr bool operator==(const Attributes&) const = default;
};

// Page sizes by level of the leaf entry: level 0 maps 4 KiB, 1 maps 2 MiB, 2 maps 1 GiB.
enum class PageSize : uint8_t { size_4k = 0, size_2m = 1, size_1g = 2 };

constexpr unsigned level_of(PageSize s) { return static_cast<unsigned>(s); }
constexpr uint64_t level_bytes(unsigned level) { return 1ull << (12 + 9 * level); }
constexpr uint64_t page_bytes(PageSize s) { return level_bytes(level_of(s)); }

} // namespace sp::mm
