// printf-style formatting into a Sink. Supports %d %i %u %x %X %o %c %s %p %%, the flags '-' '0'
// '+' ' ', a width and a precision (also '*'), and the length modifiers hh h l ll z j t.
// No floating point: the image is built without vector registers.
#pragma once
#include <stdarg.h>
#include <stddef.h>

#include "hv/lib/sink.hpp"

namespace sp {

void format(Sink& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void vformat(Sink& out, const char* fmt, va_list args);

// snprintf equivalent: always terminates, returns the length the full text would have.
size_t format_to(char* buffer, size_t capacity, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

} // namespace sp
