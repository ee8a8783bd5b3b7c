#include <string.h>

#include "hv/guest/test_guest_image.hpp"

namespace sp {

bool load_test_guest(const TestGuestImage& image, uint8_t* ram, uint64_t ram_bytes, TestGuestEntry& entry)
{
    constexpr uint64_t two_mib = 2ull << 20;
    if (ram_bytes < two_mib || image.size > two_mib - test_guest_code % two_mib) return false;
    auto* pml4 = reinterpret_cast<uint64_t*>(ram + test_guest_pml4);
    auto* pdpt = reinterpret_cast<uint64_t*>(ram + test_guest_pml4 + 0x1000);
    auto* pd = reinterpret_cast<uint64_t*>(ram + test_guest_pml4 + 0x2000);
    memset(pml4, 0, 3 * 4096);
    constexpr uint64_t present_writable = 0x3, large = 0x80;
    pml4[0] = (test_guest_pml4 + 0x1000) | present_writable;
    pdpt[0] = (test_guest_pml4 + 0x2000) | present_writable;
    uint64_t mapped = ram_bytes < (1ull << 30) ? ram_bytes : (1ull << 30);
    for (uint64_t i = 0; i * two_mib < mapped; ++i) pd[i] = (i * two_mib) | present_writable | large;
    memcpy(ram + test_guest_code, image.code, image.size);
    entry.rip = test_guest_code;
    entry.rsp = mapped - 16;
    entry.cr3 = test_guest_pml4;
    return true;
}

} // namespace sp
