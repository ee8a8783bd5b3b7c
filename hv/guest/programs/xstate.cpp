// xstate: proves that a guest's vector registers and XCR0 survive exits, time slices and other
// guests. It enables AVX where the CPU has it (CR4.OSXSAVE, XCR0 = x87|SSE|AVX), loads
// XMM0-15 (YMM0-15 with AVX: the upper halves too) with a pattern seeded by its VM id, then
// makes `--arg` CPUID exits (default 20,000), checking every register and XCR0 every 500.
// Several at once with different seeds catch any state that is not switched per vCPU.
#include "hv/guest/programs/runtime.hpp"

extern "C" void load_vectors(const void* from, uint64_t avx);
extern "C" void store_vectors(void* to, uint64_t avx);
asm(".text\n"
    "load_vectors:\n"
    "  test %rsi, %rsi\n"
    "  jz 1f\n"
    "  vmovdqu 0(%rdi), %ymm0\n  vmovdqu 32(%rdi), %ymm1\n  vmovdqu 64(%rdi), %ymm2\n"
    "  vmovdqu 96(%rdi), %ymm3\n  vmovdqu 128(%rdi), %ymm4\n  vmovdqu 160(%rdi), %ymm5\n"
    "  vmovdqu 192(%rdi), %ymm6\n  vmovdqu 224(%rdi), %ymm7\n  vmovdqu 256(%rdi), %ymm8\n"
    "  vmovdqu 288(%rdi), %ymm9\n  vmovdqu 320(%rdi), %ymm10\n  vmovdqu 352(%rdi), %ymm11\n"
    "  vmovdqu 384(%rdi), %ymm12\n  vmovdqu 416(%rdi), %ymm13\n  vmovdqu 448(%rdi), %ymm14\n"
    "  vmovdqu 480(%rdi), %ymm15\n"
    "  ret\n"
    "1:\n"
    "  movdqu 0(%rdi), %xmm0\n  movdqu 32(%rdi), %xmm1\n  movdqu 64(%rdi), %xmm2\n"
    "  movdqu 96(%rdi), %xmm3\n  movdqu 128(%rdi), %xmm4\n  movdqu 160(%rdi), %xmm5\n"
    "  movdqu 192(%rdi), %xmm6\n  movdqu 224(%rdi), %xmm7\n  movdqu 256(%rdi), %xmm8\n"
    "  movdqu 288(%rdi), %xmm9\n  movdqu 320(%rdi), %xmm10\n  movdqu 352(%rdi), %xmm11\n"
    "  movdqu 384(%rdi), %xmm12\n  movdqu 416(%rdi), %xmm13\n  movdqu 448(%rdi), %xmm14\n"
    "  movdqu 480(%rdi), %xmm15\n"
    "  ret\n"
    "store_vectors:\n"
    "  test %rsi, %rsi\n"
    "  jz 1f\n"
    "  vmovdqu %ymm0, 0(%rdi)\n  vmovdqu %ymm1, 32(%rdi)\n  vmovdqu %ymm2, 64(%rdi)\n"
    "  vmovdqu %ymm3, 96(%rdi)\n  vmovdqu %ymm4, 128(%rdi)\n  vmovdqu %ymm5, 160(%rdi)\n"
    "  vmovdqu %ymm6, 192(%rdi)\n  vmovdqu %ymm7, 224(%rdi)\n  vmovdqu %ymm8, 256(%rdi)\n"
    "  vmovdqu %ymm9, 288(%rdi)\n  vmovdqu %ymm10, 320(%rdi)\n  vmovdqu %ymm11, 352(%rdi)\n"
    "  vmovdqu %ymm12, 384(%rdi)\n  vmovdqu %ymm13, 416(%rdi)\n  vmovdqu %ymm14, 448(%rdi)\n"
    "  vmovdqu %ymm15, 480(%rdi)\n"
    "  ret\n"
    "1:\n"
    "  movdqu %xmm0, 0(%rdi)\n  movdqu %xmm1, 32(%rdi)\n  movdqu %xmm2, 64(%rdi)\n"
    "  movdqu %xmm3, 96(%rdi)\n  movdqu %xmm4, 128(%rdi)\n  movdqu %xmm5, 160(%rdi)\n"
    "  movdqu %xmm6, 192(%rdi)\n  movdqu %xmm7, 224(%rdi)\n  movdqu %xmm8, 256(%rdi)\n"
    "  movdqu %xmm9, 288(%rdi)\n  movdqu %xmm10, 320(%rdi)\n  movdqu %xmm11, 352(%rdi)\n"
    "  movdqu %xmm12, 384(%rdi)\n  movdqu %xmm13, 416(%rdi)\n  movdqu %xmm14, 448(%rdi)\n"
    "  movdqu %xmm15, 480(%rdi)\n"
    "  ret\n");

namespace {

constexpr uint64_t kXcr0Avx = 0x7; // x87 | SSE | AVX
alignas(32) uint64_t expected[64];
alignas(32) uint64_t seen[64];

uint64_t xgetbv0()
{
    uint32_t lo, hi;
    asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t(hi) << 32) | lo;
}

// Bytes of each 32-byte slot that hold register contents.
bool registers_match(uint64_t avx)
{
    store_vectors(seen, avx);
    const unsigned words = avx ? 4 : 2;
    for (unsigned r = 0; r < 16; ++r)
        for (unsigned w = 0; w < words; ++w)
            if (seen[r * 4 + w] != expected[r * 4 + w]) return false;
    return true;
}

} // namespace

extern "C" void guest_main(const guest::Params& params)
{
    const guest::Cpuid leaf1 = guest::cpuid(1);
    const uint64_t avx = (leaf1.ecx & (1u << 26)) && (leaf1.ecx & (1u << 28));
    if (avx) {
        uint64_t cr4;
        asm volatile("mov %%cr4, %0" : "=r"(cr4));
        asm volatile("mov %0, %%cr4" ::"r"(cr4 | (1ull << 18))); // CR4.OSXSAVE
        asm volatile("xsetbv" ::"c"(0), "a"(uint32_t(kXcr0Avx)), "d"(0));
    }
    guest::print(avx ? "xstate: checking YMM0-15 and XCR0\n" : "xstate: checking XMM0-15 (no AVX)\n");
    for (unsigned i = 0; i < 64; ++i) expected[i] = guest::mix(params.vm_id * 1000003 + i);
    load_vectors(expected, avx);
    const uint64_t rounds = params.arg ? params.arg : 20000;
    uint64_t checks = 0;
    for (uint64_t i = 1; i <= rounds; ++i) {
        guest::cpuid(0); // an exit
        if (i % 500 && i != rounds) continue;
        ++checks;
        if (!registers_match(avx)) {
            guest::print("xstate: vector registers changed after exit ");
            guest::print_u64(i);
            guest::print("\n");
            guest::report(false, 1);
        }
        if (avx && xgetbv0() != kXcr0Avx) {
            guest::print("xstate: XCR0 changed to ");
            guest::print_hex(xgetbv0());
            guest::print("\n");
            guest::report(false, 2);
        }
    }
    guest::figure("exits", rounds);
    guest::figure("checks", checks);
    guest::figure("avx", avx);
    guest::report(true);
}
