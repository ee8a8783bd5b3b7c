#include "hv/guest/guest_ram_writer.hpp"

#include <string.h>

namespace sp {

bool GuestRamWriter::write(uint64_t gpa, const void* data, size_t length)
{
    const auto* src = static_cast<const uint8_t*>(data);
    while (length > 0) {
        uint8_t* page = writable_page(gpa);
        if (!page) return false;
        size_t offset = gpa % kPage, chunk = kPage - offset;
        if (chunk > length) chunk = length;
        memcpy(page + offset, src, chunk);
        src += chunk;
        gpa += chunk;
        length -= chunk;
    }
    return true;
}

bool GuestRamWriter::fill(uint64_t gpa, uint8_t byte, size_t length)
{
    while (length > 0) {
        uint8_t* page = writable_page(gpa);
        if (!page) return false;
        size_t offset = gpa % kPage, chunk = kPage - offset;
        if (chunk > length) chunk = length;
        memset(page + offset, byte, chunk);
        gpa += chunk;
        length -= chunk;
    }
    return true;
}

} // namespace sp
