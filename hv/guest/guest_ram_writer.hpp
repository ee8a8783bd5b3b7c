// Writes into a VM's RAM one 4 KiB page at a time. Guest RAM is contiguous only to the guest:
// sharing splits and remaps it, lazily backed RAM has holes, and a shared page must be made
// private before the hypervisor writes to it. So every writer (the loaders, device models) asks
// for each page it touches and never assumes the next page follows in host memory.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace sp {

class GuestRamWriter {
public:
    static constexpr uint64_t kPage = 4096;

    // Host pointer to the private, writable 4 KiB page holding `gpa`; nullptr when it is not RAM
    // or no frame can be found for it.
    virtual uint8_t* writable_page(uint64_t gpa) = 0;

    // Copies / fills guest-physical [gpa, gpa + length); false when a page is refused.
    bool write(uint64_t gpa, const void* data, size_t length);
    bool fill(uint64_t gpa, uint8_t byte, size_t length);

protected:
    ~GuestRamWriter() = default;
};

} // namespace sp
