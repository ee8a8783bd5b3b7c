// The built-in test guests: small freestanding 64-bit programs shipped inside the image and
// loaded into fresh VMs. The first ones are hand-written assembly (test_guests.S); the rest are
// C++ programs (programs/) built into flat binaries by the build and embedded.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hv/guest/guest_ram_writer.hpp"

namespace sp {

struct TestGuestImage {
    const char* name;
    const uint8_t* code;
    size_t size;
    uint64_t mode = 0;           // handed to the program: one program can act as several guests
    const char* summary = "";    // one line for `vm start`'s error listing and the docs
};

// nullptr when there is no test guest of that name.
const TestGuestImage* find_test_guest(const char* name);
const TestGuestImage* test_guests(size_t& count);

// Guest-physical layout every test guest gets: its own page tables at 0x1000-0x6fff (an
// identity map of the first 4 GiB with 2 MiB pages, so addresses beyond RAM are reachable and
// fault in the nested table, not in the guest's), its parameters at 0x7000, code at 1 MiB,
// stack at the top of RAM (or of the first 4 GiB).
constexpr uint64_t test_guest_pml4 = 0x1000;
constexpr uint64_t test_guest_params = 0x7000;
constexpr uint64_t test_guest_code = 0x100000;
constexpr uint64_t test_guest_mapped_bytes = 4ull << 30;
constexpr uint64_t test_guest_params_magic = 0x4152415047545053ull; // "SPTGPARA"
// In test mode every free frame is filled with this word (hv/image/free_canary.cpp): a guest
// that finds it in its memory was given a frame that was not zeroed.
constexpr uint64_t test_mode_free_canary = 0xca4a7f4eef4a3ec1ull;

// What a program reads at test_guest_params.
struct TestGuestParams {
    uint64_t magic;
    uint64_t ram_bytes;
    uint64_t mode; // TestGuestImage::mode
    uint64_t arg;  // `vm start ... --arg N`, 0 when not given
    uint64_t vm_id;
    uint64_t arg2; // `--arg2 N`, 0 when not given
};

struct TestGuestEntry {
    uint64_t rip, rsp, cr3;
};

struct TestGuestArgs {
    uint64_t arg = 0, arg2 = 0;
};

// Writes the page tables, the parameters and the code into guest RAM through `ram` (the VM has
// `ram_bytes` of RAM). nullptr, or why the guest could not be loaded.
const char* load_test_guest(const TestGuestImage& image, const TestGuestArgs& args, uint64_t vm_id,
                            GuestRamWriter& ram, uint64_t ram_bytes, TestGuestEntry& entry);

} // namespace sp
