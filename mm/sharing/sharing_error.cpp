#include "mm/sharing/sharing_error.hpp"

namespace sp::sharing {

const char* to_string(SharingError error)
{
    switch (error) {
    case SharingError::ok: return "ok";
    case SharingError::unknown_key: return "unknown key";
    case SharingError::bad_value: return "bad value";
    case SharingError::out_of_range: return "value out of range";
    case SharingError::busy: return "busy: shared pages exist, unmerge first (run 2)";
    case SharingError::unknown_vm: return "unknown vm";
    case SharingError::already_registered: return "vm already registered";
    case SharingError::too_many_vms: return "too many vms";
    case SharingError::bad_range: return "bad guest range";
    case SharingError::not_mapped: return "guest page not mapped";
    case SharingError::no_memory: return "out of memory";
    case SharingError::capacity: return "page-id space exhausted";
    }
    return "unknown error";
}

} // namespace sp::sharing
