// The built-in test guests: small freestanding 64-bit programs shipped inside the image
// (hv/guest/test_guests.S) and loaded into fresh VMs.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace sp {

struct TestGuestImage {
    const char* name;
    const uint8_t* code;
    size_t size;
};

// nullptr when there is no test guest of that name.
const TestGuestImage* find_test_guest(const char* name);
const TestGuestImage* test_guests(size_t& count);

// Guest-physical layout every test guest gets: its own page tables at 0x1000-0x3fff
// (identity map of the first GiB with 2 MiB pages), code at 1 MiB, stack at the top of RAM.
constexpr uint64_t test_guest_pml4 = 0x1000;
constexpr uint64_t test_guest_code = 0x100000;

struct TestGuestEntry {
    uint64_t rip, rsp, cr3;
};

// Writes the page tables and the code into guest RAM through `ram` (host pointer to guest
// physical 0, `ram_bytes` long, at least 2 MiB). Returns false when the code does not fit.
bool load_test_guest(const TestGuestImage& image, uint8_t* ram, uint64_t ram_bytes, TestGuestEntry& entry);

} // namespace sp
