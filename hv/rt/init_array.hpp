#pragma once
#include <stddef.h>

namespace sp::rt {

// Runs the image's global constructors (.init_array, which GNU-EFI's start-up code ignores).
// Returns how many ran; the banner prints it so a boot test can check it.
size_t run_global_constructors();

// Number of constructors found in the image, for the banner.
size_t global_constructors_run();

} // namespace sp::rt
