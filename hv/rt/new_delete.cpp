// operator new/delete on the hypervisor's heap. The image has no exceptions: a plain new that
// cannot be satisfied is a hypervisor bug or a too-small heap_mib, and panics with the size;
// the nothrow forms return nullptr for callers that can cope.
#include <new>

#include "hv/image/heap.hpp"
#include "hv/lib/panic.hpp"

namespace sp::image {
namespace {
SmallHeap the_heap; // constant-initialised: usable before and without global constructors
}
SmallHeap& heap() { return the_heap; }
} // namespace sp::image

namespace {
void* allocate_or_panic(size_t size, size_t align)
{
    void* p = sp::image::heap().allocate(size, align);
    if (!p)
        sp::panic("heap exhausted: %zu bytes (alignment %zu) requested; raise heap_mib in samepage.cfg",
                  size, align);
    return p;
}
} // namespace

void* operator new(size_t size) { return allocate_or_panic(size, 16); }
void* operator new[](size_t size) { return allocate_or_panic(size, 16); }
void* operator new(size_t size, std::align_val_t align) { return allocate_or_panic(size, static_cast<size_t>(align)); }
void* operator new[](size_t size, std::align_val_t align) { return allocate_or_panic(size, static_cast<size_t>(align)); }
void* operator new(size_t size, const std::nothrow_t&) noexcept { return sp::image::heap().allocate(size, 16); }
void* operator new[](size_t size, const std::nothrow_t&) noexcept { return sp::image::heap().allocate(size, 16); }

void operator delete(void* p) noexcept { sp::image::heap().free(p); }
void operator delete[](void* p) noexcept { sp::image::heap().free(p); }
void operator delete(void* p, size_t) noexcept { sp::image::heap().free(p); }
void operator delete[](void* p, size_t) noexcept { sp::image::heap().free(p); }
void operator delete(void* p, std::align_val_t) noexcept { sp::image::heap().free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { sp::image::heap().free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { sp::image::heap().free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { sp::image::heap().free(p); }
