// The reference workload of the sharing benchmark (seeded, so Samepage's engine and Linux KSM
// see the same bytes). Per VM, in the proportions of 4 VMs x 256 MiB (65,536 pages each):
//   26,214 pages whose content appears once in every VM ("common"),
//    6,553 zero pages,
//    1,638 groups of 4 identical pages private to the VM,
//   the rest unique.
// Pages are placed in a seeded random order. Scaled workloads keep the proportions.
#pragma once
#include <stdint.h>
#include <string.h>

#include <algorithm>
#include <random>
#include <vector>

namespace sp::bench {

struct WorkloadShape {
    uint32_t vms = 4;
    uint64_t pages_per_vm = 65536;
    uint64_t common() const { return pages_per_vm * 26214 / 65536; }
    uint64_t zero() const { return pages_per_vm * 6553 / 65536; }
    uint64_t groups() const { return pages_per_vm * 1638 / 65536; }

    // Frames saved by perfect sharing; the zero frame itself counts as one frame used.
    uint64_t ideal_saving(bool one_domain) const
    {
        uint64_t s = zero() * vms - (zero() ? 1 : 0) + groups() * 3 * vms;
        if (one_domain) s += common() * (vms - 1);
        return s;
    }
};

// Content seed of every page of one VM (0 = zero page), in guest-page order.
inline std::vector<uint64_t> workload_seeds(const WorkloadShape& shape, uint32_t vm, uint64_t seed = 2024)
{
    std::vector<uint64_t> seeds;
    seeds.reserve(shape.pages_per_vm);
    for (uint64_t i = 0; i < shape.common(); ++i) seeds.push_back(0x1000000000ull + i);
    for (uint64_t i = 0; i < shape.zero(); ++i) seeds.push_back(0);
    for (uint64_t g = 0; g < shape.groups(); ++g)
        for (int k = 0; k < 4; ++k) seeds.push_back(0x2000000000ull + (uint64_t{vm} << 24) + g);
    for (uint64_t i = 0; seeds.size() < shape.pages_per_vm; ++i) seeds.push_back(0x3000000000ull + (uint64_t{vm} << 24) + i);
    std::mt19937_64 rng(seed * 131 + vm);
    std::shuffle(seeds.begin(), seeds.end(), rng);
    return seeds;
}

// Fills a 4 KiB page from its content seed (xorshift stream; 0 gives zeros).
inline void fill_from_seed(void* page, uint64_t seed)
{
    if (seed == 0) {
        memset(page, 0, 4096);
        return;
    }
    uint64_t x = seed * 0x9E3779B97F4A7C15ull | 1;
    auto* w = static_cast<uint64_t*>(page);
    for (unsigned i = 0; i < 512; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        w[i] = x;
    }
}

} // namespace sp::bench
