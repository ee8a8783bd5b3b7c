#include "hv/guest/programs/runtime.hpp"

// The compiler may call these for struct copies and loops even in freestanding code.
extern "C" void* memset(void* d, int c, size_t n)
{
    auto* p = static_cast<volatile uint8_t*>(d);
    while (n--) *p++ = static_cast<uint8_t>(c);
    return d;
}
extern "C" void* memcpy(void* d, const void* s, size_t n)
{
    auto* p = static_cast<volatile uint8_t*>(d);
    auto* q = static_cast<const uint8_t*>(s);
    while (n--) *p++ = *q++;
    return d;
}

namespace guest {
namespace {
constexpr uint16_t com1 = 0x3f8;
int vendor = -1; // -1 unknown, 1 AMD, 0 Intel

void put(char c)
{
    while (!(inb(com1 + 5) & 0x20)) {} // LSR: transmitter holding register empty
    outb(com1, static_cast<uint8_t>(c));
}
} // namespace

bool amd_cpu()
{
    if (vendor < 0) vendor = cpuid(0).ebx == 0x68747541 ? 1 : 0; // "Auth"enticAMD
    return vendor == 1;
}

int64_t hypercall(uint64_t function, uint64_t arg1, uint64_t arg2)
{
    uint64_t rax = function;
    if (amd_cpu())
        asm volatile("vmmcall" : "+a"(rax) : "b"(arg1), "c"(arg2) : "memory");
    else
        asm volatile("vmcall" : "+a"(rax) : "b"(arg1), "c"(arg2) : "memory");
    return static_cast<int64_t>(rax);
}

void print(const char* text)
{
    while (*text) put(*text++);
}

void print_u64(uint64_t value)
{
    char digits[21];
    int n = 0;
    do {
        digits[n++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value);
    while (n) put(digits[--n]);
}

void print_hex(uint64_t value)
{
    print("0x");
    bool started = false;
    for (int shift = 60; shift >= 0; shift -= 4) {
        unsigned d = (value >> shift) & 0xf;
        if (!d && !started && shift) continue;
        started = true;
        put(static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10));
    }
}

void figure(const char* name, uint64_t value)
{
    print(name);
    print(": ");
    print_u64(value);
    print("\n");
    hypercall(call::report_figure, reinterpret_cast<uint64_t>(name), value);
}

void quiet_figure(const char* name, uint64_t value)
{
    hypercall(call::report_figure, reinterpret_cast<uint64_t>(name), value);
}

uint64_t take_request() { return static_cast<uint64_t>(hypercall(call::take_request)); }

void report(bool passed, uint64_t code)
{
    hypercall(call::report_result, passed ? 1 : 0, code);
    halt_forever(); // only reached if Samepage let the VM go on
}

} // namespace guest
