// Whole zeroed-or-not 4 KiB pages for metadata that grows at run time (reverse-map nodes).
// The image backs it with FrameAllocator frames (identity-mapped); tests with host memory.
#pragma once

namespace sp::mm {

class PageProvider {
public:
    // A 4 KiB-aligned page, or nullptr when memory is exhausted.
    virtual void* get_page() = 0;

protected:
    ~PageProvider() = default;
};

} // namespace sp::mm
