// The C library functions the compiler may emit calls to (struct copies, zeroing) and that our
// code uses. The image has no libc; host builds use the system's.
#include <stddef.h>
#include <stdint.h>

extern "C" {

// "rep movsb/stosb" are fast on every CPU with ERMSB and correct on all; the image must not
// touch vector registers, which rules out the usual SSE copies.
__attribute__((visibility("default"))) void* memcpy(void* dst, const void* src, size_t n)
{
    void* ret = dst;
    asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
    return ret;
}

__attribute__((visibility("default"))) void* memmove(void* dst, const void* src, size_t n)
{
    auto d = static_cast<unsigned char*>(dst);
    auto s = static_cast<const unsigned char*>(src);
    if (d == s || n == 0) return dst;
    if (d < s || d >= s + n) return memcpy(dst, src, n);
    // Overlap with dst above src: copy backwards.
    const unsigned char* s_last = s + n - 1;
    unsigned char* d_last = d + n - 1;
    asm volatile("std; rep movsb; cld" : "+D"(d_last), "+S"(s_last), "+c"(n) : : "memory");
    return dst;
}

__attribute__((visibility("default"))) void* memset(void* dst, int value, size_t n)
{
    void* ret = dst;
    asm volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(value) : "memory");
    return ret;
}

__attribute__((visibility("default"))) int memcmp(const void* a, const void* b, size_t n)
{
    auto x = static_cast<const unsigned char*>(a);
    auto y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < n; ++i) {
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

__attribute__((visibility("default"))) size_t strlen(const char* s)
{
    size_t n = 0;
    while (s[n]) ++n;
    return n;
}

} // extern "C"

extern "C" __attribute__((visibility("default"))) int strcmp(const char* a, const char* b)
{
    while (*a && *a == *b) {
        ++a;
        ++b;
    }
    return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}

extern "C" __attribute__((visibility("default"))) int strncmp(const char* a, const char* b, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        if (a[i] != b[i] || !a[i])
            return static_cast<unsigned char>(a[i]) - static_cast<unsigned char>(b[i]);
    }
    return 0;
}

extern "C" __attribute__((visibility("default"))) void* memchr(const void* s, int c, size_t n)
{
    auto p = static_cast<const unsigned char*>(s);
    for (size_t i = 0; i < n; ++i)
        if (p[i] == static_cast<unsigned char>(c)) return const_cast<unsigned char*>(p + i);
    return nullptr;
}
