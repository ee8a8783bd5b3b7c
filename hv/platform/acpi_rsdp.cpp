#include "hv/platform/acpi_rsdp.hpp"

#include <string.h>

namespace sp {
namespace {
uint8_t checksum(const uint8_t* p, size_t n)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < n; ++i) sum = static_cast<uint8_t>(sum + p[i]);
    return sum;
}
uint64_t read_le(const uint8_t* p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}
} // namespace

RsdpInfo parse_rsdp(const uint8_t* b, size_t available)
{
    RsdpInfo info;
    if (!b || available < 20) {
        info.problem = "RSDP truncated";
        return info;
    }
    if (memcmp(b, "RSD PTR ", 8) != 0) {
        info.problem = "RSDP signature missing";
        return info;
    }
    if (checksum(b, 20) != 0) {
        info.problem = "RSDP checksum wrong";
        return info;
    }
    info.revision = b[15];
    memcpy(info.oem_id, b + 9, 6);
    info.rsdt = read_le(b + 16, 4);
    if (info.revision >= 2) {
        if (available < 36) {
            info.problem = "extended RSDP truncated";
            return info;
        }
        uint32_t length = static_cast<uint32_t>(read_le(b + 20, 4));
        if (length < 36 || length > available) {
            info.problem = "extended RSDP length out of range";
            return info;
        }
        if (checksum(b, length) != 0) {
            info.problem = "extended RSDP checksum wrong";
            return info;
        }
        info.xsdt = read_le(b + 24, 8);
    }
    info.valid = true;
    return info;
}

} // namespace sp
