// The image's console: our 16550 driver on COM1 behind a non-blocking output ring.
#pragma once
#include "arch/x86/serial_16550.hpp"
#include "hv/lib/console_port.hpp"

namespace sp::image {

using Console = ConsolePort<x86::Serial16550>;

// Initialises the UART; call once, first thing at boot.
void console_init();
Console& console();

// Writes straight to the UART, waiting as needed, after flushing what is queued: for panic and
// exception reports, when the normal path may be what broke.
void console_emergency_write(const char* text);
// The same with printf-style formatting (one line of up to 255 characters).
void console_emergency_format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

} // namespace sp::image
