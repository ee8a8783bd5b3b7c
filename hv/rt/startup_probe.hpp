#pragma once

namespace sp::rt {
// True when the constructor of a known global ran before main code.
bool global_constructor_ran();
} // namespace sp::rt
