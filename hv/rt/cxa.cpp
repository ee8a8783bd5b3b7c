// C++ ABI hooks a freestanding image must provide.
#include "hv/lib/panic.hpp"

extern "C" {

// The hypervisor never exits, so destructors of globals never need to run: registering them is
// a no-op rather than a table that would only grow.
__attribute__((visibility("hidden"))) void* __dso_handle = nullptr;

int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }

void __cxa_pure_virtual() { sp::panic("pure virtual function called"); }

}
