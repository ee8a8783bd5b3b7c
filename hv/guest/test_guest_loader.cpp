#include <string.h>

#include "hv/guest/test_guest_image.hpp"

namespace sp {

const char* load_test_guest(const TestGuestImage& image, const TestGuestArgs& args, uint64_t vm_id,
                            GuestRamWriter& ram, uint64_t ram_bytes, TestGuestEntry& entry)
{
    constexpr uint64_t two_mib = 2ull << 20, page = GuestRamWriter::kPage;
    if (ram_bytes < two_mib || image.size > two_mib - test_guest_code % two_mib)
        return "the test guest does not fit in the VM's memory";
    constexpr unsigned directories = test_guest_mapped_bytes >> 30;
    constexpr uint64_t pdpt = test_guest_pml4 + page, pd = test_guest_pml4 + 2 * page;
    // User-accessible: the programs that test CPL 3 run their user code in these pages too.
    constexpr uint64_t present_writable_user = 0x7, large = 0x80;
    auto* pml4_page = reinterpret_cast<uint64_t*>(ram.writable_page(test_guest_pml4));
    auto* pdpt_page = reinterpret_cast<uint64_t*>(ram.writable_page(pdpt));
    if (!pml4_page || !pdpt_page) return "no memory for the test guest's page tables";
    memset(pml4_page, 0, page);
    memset(pdpt_page, 0, page);
    pml4_page[0] = pdpt | present_writable_user;
    for (unsigned d = 0; d < directories; ++d) {
        pdpt_page[d] = (pd + d * page) | present_writable_user;
        // Each directory is one page of its own: RAM need not be contiguous in host memory.
        auto* pd_page = reinterpret_cast<uint64_t*>(ram.writable_page(pd + d * page));
        if (!pd_page) return "no memory for the test guest's page tables";
        for (uint64_t i = 0; i < 512; ++i) pd_page[i] = ((d * 512 + i) * two_mib) | present_writable_user | large;
    }

    TestGuestParams params{test_guest_params_magic, ram_bytes, image.mode, args.arg, vm_id, args.arg2};
    if (!ram.write(test_guest_params, &params, sizeof params) || !ram.write(test_guest_code, image.code, image.size))
        return "no memory for the test guest's code";
    entry.rip = test_guest_code;
    uint64_t top = ram_bytes < test_guest_mapped_bytes ? ram_bytes : test_guest_mapped_bytes;
    entry.rsp = top - 16;
    entry.cr3 = test_guest_pml4;
    return nullptr;
}

} // namespace sp
