// Validates the ACPI Root System Description Pointer the firmware hands over (ACPI 6.5, 5.2.5).
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace sp {

struct RsdpInfo {
    bool valid = false;
    const char* problem = nullptr; // why it is not valid
    uint8_t revision = 0;          // 0: ACPI 1.0 (RSDT only), 2+: XSDT present
    char oem_id[7] = {};
    uint64_t rsdt = 0;
    uint64_t xsdt = 0;
};

// `bytes` points at the structure; `available` is how many bytes may be read there.
RsdpInfo parse_rsdp(const uint8_t* bytes, size_t available);

} // namespace sp
