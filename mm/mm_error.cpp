#include "mm/mm_error.hpp"

namespace sp::mm {

const char* to_string(MmError error)
{
    switch (error) {
    case MmError::ok: return "ok";
    case MmError::unaligned: return "unaligned";
    case MmError::overflow: return "overflow";
    case MmError::out_of_range: return "out of range";
    case MmError::invalid_argument: return "invalid argument";
    case MmError::unsupported: return "unsupported attributes";
    case MmError::already_mapped: return "already mapped";
    case MmError::not_mapped: return "not mapped";
    case MmError::not_large_page: return "not a large page";
    case MmError::not_mergeable: return "not mergeable";
    case MmError::not_allocated: return "not allocated (free frame: never allocated or freed twice)";
    case MmError::not_managed: return "not managed (firmware, hole or outside the allocator)";
    case MmError::busy: return "range already in use";
    case MmError::wrong_owner: return "wrong owner";
    case MmError::wrong_size: return "wrong size";
    case MmError::no_memory: return "out of memory";
    case MmError::bad_memory_map: return "bad memory map";
    case MmError::not_found: return "not found";
    case MmError::capacity: return "storage too small";
    }
    return "unknown error";
}

} // namespace sp::mm
