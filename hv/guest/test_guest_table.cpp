#include "hv/console/text.hpp"
#include "hv/guest/programs/misbehave_modes.hpp"
#include "hv/guest/test_guest_image.hpp"

// Hand-written guests (test_guests.S) and the C++ programs embedded by programs.cmake.
extern "C" const uint8_t test_guest_hello_start[], test_guest_hello_end[];
extern "C" const uint8_t test_guest_spin_start[], test_guest_spin_end[];
extern "C" const uint8_t test_guest_echo_start[], test_guest_echo_end[];
extern "C" const uint8_t guest_program_memcheck_start[], guest_program_memcheck_end[];
extern "C" const uint8_t guest_program_attack_start[], guest_program_attack_end[];
extern "C" const uint8_t guest_program_misbehave_start[], guest_program_misbehave_end[];
extern "C" const uint8_t guest_program_xstate_start[], guest_program_xstate_end[];
extern "C" const uint8_t guest_program_sharer_start[], guest_program_sharer_end[];

namespace sp {
namespace {

constexpr size_t span(const uint8_t* start, const uint8_t* end) { return static_cast<size_t>(end - start); }

#define SP_MISBEHAVE(name, mode, summary)                                                             \
    {name, guest_program_misbehave_start, span(guest_program_misbehave_start, guest_program_misbehave_end), \
     static_cast<uint64_t>(guest::Misbehaviour::mode), summary}

const TestGuestImage images[] = {
    {"hello", test_guest_hello_start, span(test_guest_hello_start, test_guest_hello_end), 0,
     "prints a line on its serial port and reports success"},
    {"spin", test_guest_spin_start, span(test_guest_spin_start, test_guest_spin_end), 0,
     "loops forever with interrupts off"},
    {"echo", test_guest_echo_start, span(test_guest_echo_start, test_guest_echo_end), 0,
     "echoes what is typed at vm console uppercased; the line 'quit' ends it (passed)"},
    {"memcheck", guest_program_memcheck_start, span(guest_program_memcheck_start, guest_program_memcheck_end), 0,
     "fills its RAM above 2 MiB (or --arg MiB) with a seeded pattern and verifies it"},
    {"attack", guest_program_attack_start, span(guest_program_attack_start, guest_program_attack_end), 0,
     "looks for foreign data in its RAM, then reads beyond it (--arg GPA)"},
    {"xstate", guest_program_xstate_start, span(guest_program_xstate_start, guest_program_xstate_end), 0,
     "checks that its XMM/YMM registers and XCR0 survive --arg exits (default 20,000)"},
    {"sharer", guest_program_sharer_start, span(guest_program_sharer_start, guest_program_sharer_end), 0,
     "the sharing reference mix; --arg rounds (20) of --arg2 rewrites (64), checksums verified"},
    {"hog", guest_program_sharer_start, span(guest_program_sharer_start, guest_program_sharer_end), 1,
     "writes unique data to all its pages, --arg passes (1)"},
    SP_MISBEHAVE("triple-fault", triple_fault, "#UD with an empty IDT"),
    SP_MISBEHAVE("bad-msr", bad_msr, "writes an MSR nobody models"),
    SP_MISBEHAVE("beyond-ram", beyond_ram, "writes past the end of its RAM"),
    SP_MISBEHAVE("garbage-hypercall", garbage_hypercall, "makes bad hypercalls and checks the errors"),
    SP_MISBEHAVE("io-storm", io_storm, "writes a port nobody models 200,000 times"),
    SP_MISBEHAVE("vmrun", vmrun, "executes VMRUN"),
    SP_MISBEHAVE("vmload", vmload, "executes VMLOAD"),
    SP_MISBEHAVE("vmsave", vmsave, "executes VMSAVE"),
    SP_MISBEHAVE("stgi", stgi, "executes STGI"),
    SP_MISBEHAVE("clgi", clgi, "executes CLGI"),
    SP_MISBEHAVE("skinit", skinit, "executes SKINIT"),
    SP_MISBEHAVE("invlpga", invlpga, "executes INVLPGA"),
    SP_MISBEHAVE("vmxon", vmxon, "executes VMXON"),
    SP_MISBEHAVE("vmlaunch", vmlaunch, "executes VMLAUNCH"),
    SP_MISBEHAVE("vmresume", vmresume, "executes VMRESUME"),
    SP_MISBEHAVE("vmxoff", vmxoff, "executes VMXOFF"),
    SP_MISBEHAVE("vmptrld", vmptrld, "executes VMPTRLD"),
    SP_MISBEHAVE("vmclear", vmclear, "executes VMCLEAR"),
    SP_MISBEHAVE("invept", invept, "executes INVEPT"),
    SP_MISBEHAVE("invvpid", invvpid, "executes INVVPID"),
    SP_MISBEHAVE("set-svme", set_svme, "sets EFER.SVME"),
    SP_MISBEHAVE("write-hsave", write_hsave, "writes VM_HSAVE_PA"),
    SP_MISBEHAVE("write-vm-cr", write_vm_cr, "writes VM_CR"),
    SP_MISBEHAVE("write-feature-control", write_feature_control, "writes IA32_FEATURE_CONTROL"),
    SP_MISBEHAVE("invd", invd, "runs INVD and checks that no write was lost"),
    SP_MISBEHAVE("ac-loop", ac_loop, "#AC whose delivery raises #AC again, at CPL 3"),
    SP_MISBEHAVE("db-loop", db_loop, "single-steps a jump to itself"),
    SP_MISBEHAVE("bad-xcr0", bad_xcr0, "sets an invalid XCR0 with XSETBV"),
    SP_MISBEHAVE("reset-kbc", reset_kbc, "resets through port 0x64, then passes after the restart"),
    SP_MISBEHAVE("reset-cf9", reset_cf9, "resets through port 0xCF9, then passes after the restart"),
    SP_MISBEHAVE("reset-fast-a20", reset_fast_a20, "resets through port 0x92, then passes after the restart"),
};
#undef SP_MISBEHAVE

} // namespace

const TestGuestImage* test_guests(size_t& count)
{
    count = sizeof images / sizeof images[0];
    return images;
}

const TestGuestImage* find_test_guest(const char* name)
{
    for (const auto& image : images)
        if (console::same_text(image.name, name)) return &image;
    return nullptr;
}

} // namespace sp
