#include <string.h>

#include "hv/guest/test_guest_image.hpp"

namespace sp {

bool load_test_guest(const TestGuestImage& image, const TestGuestArgs& args, uint64_t vm_id, uint8_t* ram,
                     uint64_t ram_bytes, TestGuestEntry& entry)
{
    constexpr uint64_t two_mib = 2ull << 20;
    if (ram_bytes < two_mib || image.size > two_mib - test_guest_code % two_mib) return false;
    constexpr unsigned directories = test_guest_mapped_bytes >> 30;
    auto* pml4 = reinterpret_cast<uint64_t*>(ram + test_guest_pml4);
    auto* pdpt = reinterpret_cast<uint64_t*>(ram + test_guest_pml4 + 0x1000);
    auto* pd = reinterpret_cast<uint64_t*>(ram + test_guest_pml4 + 0x2000);
    memset(pml4, 0, (2 + directories) * 4096);
    // User-accessible: the programs that test CPL 3 run their user code in these pages too.
    constexpr uint64_t present_writable_user = 0x7, large = 0x80;
    pml4[0] = (test_guest_pml4 + 0x1000) | present_writable_user;
    for (unsigned i = 0; i < directories; ++i)
        pdpt[i] = (test_guest_pml4 + 0x2000 + i * 0x1000ull) | present_writable_user;
    for (uint64_t i = 0; i < directories * 512ull; ++i) pd[i] = (i * two_mib) | present_writable_user | large;

    TestGuestParams params{test_guest_params_magic, ram_bytes, image.mode, args.arg, vm_id, args.arg2};
    memcpy(ram + test_guest_params, &params, sizeof params);
    memcpy(ram + test_guest_code, image.code, image.size);
    entry.rip = test_guest_code;
    uint64_t top = ram_bytes < test_guest_mapped_bytes ? ram_bytes : test_guest_mapped_bytes;
    entry.rsp = top - 16;
    entry.cr3 = test_guest_pml4;
    return true;
}

} // namespace sp
