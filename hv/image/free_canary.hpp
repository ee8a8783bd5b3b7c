// Test mode's canary in free memory: every free frame holds test_mode_free_canary, checked when
// the frame is handed out again (mm::FreeFrameWatch). A guest can never see it, since each frame
// is zeroed before a VM gets it; the attack test guest looks for it.
#pragma once
#include "hv/lib/sink.hpp"
#include "mm/frame_allocator.hpp"

namespace sp {

// Fills every free frame now and each one freed from now on; reports on `out`.
void start_free_canaries(mm::FrameAllocator& frames, Sink& out);

} // namespace sp
