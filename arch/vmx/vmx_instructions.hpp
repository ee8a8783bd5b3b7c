// The VMX instructions as inline functions (image only). Each returns false on VMfail (CF or ZF
// set); VmxInstructions is the `Cpu` the EPT TLB policy executes INVEPT/INVVPID through.
#pragma once
#include <stdint.h>

#include "arch/vmx/ept_tlb.hpp"

namespace sp::vmx {

inline bool vmxon(uint64_t region_pa)
{
    bool fail;
    asm volatile("vmxon %[pa]" : "=@ccbe"(fail) : [pa] "m"(region_pa) : "memory");
    return !fail;
}

inline bool vmclear(uint64_t vmcs_pa)
{
    bool fail;
    asm volatile("vmclear %[pa]" : "=@ccbe"(fail) : [pa] "m"(vmcs_pa) : "memory");
    return !fail;
}

inline bool vmptrld(uint64_t vmcs_pa)
{
    bool fail;
    asm volatile("vmptrld %[pa]" : "=@ccbe"(fail) : [pa] "m"(vmcs_pa) : "memory");
    return !fail;
}

inline bool vmwrite(uint32_t field, uint64_t value)
{
    bool fail;
    asm volatile("vmwrite %[value], %[field]"
                 : "=@ccbe"(fail)
                 : [value] "r"(value), [field] "r"(static_cast<uint64_t>(field))
                 : "memory");
    return !fail;
}

inline bool vmread(uint32_t field, uint64_t& value)
{
    bool fail;
    asm volatile("vmread %[field], %[value]"
                 : [value] "=r"(value), "=@ccbe"(fail)
                 : [field] "r"(static_cast<uint64_t>(field))
                 : "memory");
    return !fail;
}

// VMREAD for fields that always exist; 0 if the read fails.
inline uint64_t vmread(uint32_t field)
{
    uint64_t v = 0;
    return vmread(field, v) ? v : 0;
}

struct VmxInstructions {
    void invept(InveptType type, uint64_t eptp)
    {
        struct alignas(16) {
            uint64_t eptp, reserved;
        } descriptor{eptp, 0};
        asm volatile("invept %[d], %[t]" ::[d] "m"(descriptor), [t] "r"(static_cast<uint64_t>(type)) : "cc", "memory");
    }
    void invvpid(InvvpidType type, uint16_t vpid)
    {
        struct alignas(16) {
            uint64_t vpid, linear_address;
        } descriptor{vpid, 0};
        asm volatile("invvpid %[d], %[t]" ::[d] "m"(descriptor), [t] "r"(static_cast<uint64_t>(type)) : "cc", "memory");
    }
};

} // namespace sp::vmx
