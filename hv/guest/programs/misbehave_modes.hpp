// The ways the `misbehave` test guest program misbehaves: one VM per mode, each started under
// its own name (hv/guest/test_guest_table.cpp maps names to modes).
#pragma once
#include <stdint.h>

namespace guest {

enum class Misbehaviour : uint64_t {
    triple_fault = 1,      // #UD with an empty IDT
    bad_msr,               // WRMSR to an MSR nobody models
    beyond_ram,            // a write past the end of its RAM
    garbage_hypercall,     // unknown function, bad addresses, bad verdict: expects the errors
    io_storm,              // 200,000 writes to a port nobody models
    vmrun, vmload, vmsave, stgi, clgi, skinit, invlpga, // AMD SVM instructions
    vmxon, vmlaunch, vmresume, vmxoff, vmptrld, vmclear, invept, invvpid, // Intel VMX instructions
    set_svme,              // EFER.SVME
    write_hsave,           // VM_HSAVE_PA
    write_vm_cr,           // VM_CR
    write_feature_control, // IA32_FEATURE_CONTROL
    invd,                  // INVD must not lose a write
    ac_loop,               // #AC whose handler raises #AC again (CVE-2015-5307 shape)
    db_loop,               // single-step #DB that never makes progress (CVE-2015-8104 shape)
    bad_xcr0,              // XSETBV with XCR0 lacking x87
    reset_kbc,             // 0xFE to port 0x64
    reset_cf9,             // 0x06 to port 0xCF9
    reset_fast_a20,        // bit 0 to port 0x92
};

} // namespace guest
