#include "vm_test_support.hpp"

#include "hv/vm/hypercalls.hpp"

using namespace vm_test;

namespace {
constexpr uint64_t err(int64_t e) { return static_cast<uint64_t>(e); }
} // namespace

TEST_CASE("Hypercall 0 returns the interface version; RIP moves past VMMCALL/VMCALL", "[vm][hypercall]")
{
    Machine m;
    m.complete(m.hypercall(hypercall::version));
    CHECK(m.guest.rax == kHypercallVersion);
    CHECK(m.vm->exits(ExitKind::hypercall) == 1);
}

TEST_CASE("Hypercall 1 prints a NUL-terminated string from guest memory into the VM's log", "[vm][hypercall]")
{
    Machine m;
    m.guest_ram.put(0x5000, "from the guest\n");
    m.complete(m.hypercall(hypercall::print, 0x5000, 256));
    CHECK(m.guest.rax == 15);
    CHECK(m.log_text() == "from the guest\n");
}

TEST_CASE("Hypercall 1 prints exactly RCX bytes when there is no NUL before, across read chunks", "[vm][hypercall]")
{
    Machine m;
    std::string text(150, 'a');
    text += "tail-not-printed";
    m.guest_ram.put(0x5000, text);
    m.complete(m.hypercall(hypercall::print, 0x5000, 150));
    CHECK(m.guest.rax == 150);
    CHECK(m.log_text() == std::string(150, 'a'));
}

TEST_CASE("Hypercall 1 with a buffer outside RAM or wrapping around returns 'bad address' and prints nothing", "[vm][hypercall]")
{
    Machine m;
    uint64_t end = m.guest_ram.ram.size();
    m.complete(m.hypercall(hypercall::print, end - 4, 8)); // runs off the end of RAM
    CHECK(m.guest.rax == err(hypercall::bad_address));
    m.complete(m.hypercall(hypercall::print, 0xfffffffffffffff0ull, 0x20));
    CHECK(m.guest.rax == err(hypercall::bad_address));
    m.complete(m.hypercall(hypercall::print, 1ull << 40, 1));
    CHECK(m.guest.rax == err(hypercall::bad_address));
    CHECK(m.log_text().empty());
    CHECK(m.vm->state() == VmState::running);
}

TEST_CASE("Hypercall 1 with a buffer that starts in RAM and runs off its end prints not even the part inside", "[vm][hypercall]")
{
    Machine m;
    uint64_t end = m.guest_ram.ram.size();
    std::memset(m.guest_ram.ram.data() + end - 100, 'p', 100); // no NUL: the length decides
    m.complete(m.hypercall(hypercall::print, end - 100, 200));
    CHECK(m.guest.rax == err(hypercall::bad_address));
    CHECK(m.log_text().empty());
    m.complete(m.hypercall(hypercall::print, end - 100, 100)); // exactly up to the end: fine
    CHECK(m.guest.rax == 100);
}

TEST_CASE("Hypercall 1 refuses more than 4096 bytes and prints nothing for a zero length", "[vm][hypercall]")
{
    Machine m;
    m.complete(m.hypercall(hypercall::print, 0x5000, 4097));
    CHECK(m.guest.rax == err(hypercall::bad_argument));
    m.complete(m.hypercall(hypercall::print, 0x5000, 0));
    CHECK(m.guest.rax == 0);
    CHECK(m.guest_ram.reads == 0);
}

TEST_CASE("Hypercall 2 'passed' marks the VM exited with its verdict and stops it", "[vm][hypercall]")
{
    Machine m;
    uint64_t next = m.guest.rip + 3;
    ExitAction a = m.run(m.hypercall(hypercall::report_result, 1, 0));
    REQUIRE(a.kind == ActionKind::stop);
    CHECK(std::string(a.message) == "vm 1 (test): test passed (code 0) at rip 0x100000");
    CHECK(m.vm->state() == VmState::exited);
    CHECK(m.vm->verdict() == Verdict::passed);
    CHECK(m.vm->verdict_code() == 0);
    CHECK(m.guest.rax == 0);
    CHECK(m.guest.rip == next);
    CHECK(m.diagnostics.text == "vm 1 (test): test passed (code 0) at rip 0x100000\n");
}

TEST_CASE("Hypercall 2 'failed' keeps the failure code", "[vm][hypercall]")
{
    Machine m;
    ExitAction a = m.run(m.hypercall(hypercall::report_result, 0, 42));
    REQUIRE(a.kind == ActionKind::stop);
    CHECK(m.vm->state() == VmState::exited);
    CHECK(m.vm->verdict() == Verdict::failed);
    CHECK(m.vm->verdict_code() == 42);
}

TEST_CASE("Hypercall 2 with a verdict other than 0 or 1 is 'bad argument' and the VM goes on", "[vm][hypercall]")
{
    Machine m;
    m.complete(m.hypercall(hypercall::report_result, 7, 0));
    CHECK(m.guest.rax == err(hypercall::bad_argument));
    CHECK(m.vm->verdict() == Verdict::none);
    CHECK(m.vm->state() == VmState::running);
}

TEST_CASE("Hypercall 3 records a named figure; the same name again replaces the value", "[vm][hypercall]")
{
    Machine m;
    m.guest_ram.put(0x6000, "boot_ms");
    m.complete(m.hypercall(hypercall::report_figure, 0x6000, 17));
    CHECK(m.guest.rax == 0);
    m.complete(m.hypercall(hypercall::report_figure, 0x6000, 18));
    REQUIRE(m.vm->figure_count() == 1);
    CHECK(std::string(m.vm->figure(0).name) == "boot_ms");
    CHECK(m.vm->figure(0).value == 18);
}

TEST_CASE("Hypercall 3 checks the name: address, length, characters, and room for it", "[vm][hypercall]")
{
    Machine m;
    uint64_t end = m.guest_ram.ram.size();
    m.guest_ram.ram[end - 2] = 'x';
    m.guest_ram.ram[end - 1] = 'y'; // no NUL before the end of RAM
    m.complete(m.hypercall(hypercall::report_figure, end - 2, 1));
    CHECK(m.guest.rax == err(hypercall::bad_address));
    m.complete(m.hypercall(hypercall::report_figure, 1ull << 50, 1));
    CHECK(m.guest.rax == err(hypercall::bad_address));
    m.guest_ram.put(0x6000, std::string(32, 'n'));
    m.complete(m.hypercall(hypercall::report_figure, 0x6000, 1));
    CHECK(m.guest.rax == err(hypercall::bad_argument));
    m.guest_ram.put(0x6000, "has space");
    m.complete(m.hypercall(hypercall::report_figure, 0x6000, 1));
    CHECK(m.guest.rax == err(hypercall::bad_argument));
    m.guest_ram.put(0x6000, "");
    m.complete(m.hypercall(hypercall::report_figure, 0x6000, 1));
    CHECK(m.guest.rax == err(hypercall::bad_argument));
    m.guest_ram.ram[end - 1] = 0; // a one-letter name in the last bytes of RAM is fine
    m.complete(m.hypercall(hypercall::report_figure, end - 2, 5));
    CHECK(m.guest.rax == 0);
    for (int i = 1; i < 16; ++i) {
        m.guest_ram.put(0x6000, "f" + std::to_string(i));
        m.complete(m.hypercall(hypercall::report_figure, 0x6000, i));
        CHECK(m.guest.rax == 0);
    }
    m.guest_ram.put(0x6000, "one_too_many");
    m.complete(m.hypercall(hypercall::report_figure, 0x6000, 1));
    CHECK(m.guest.rax == err(hypercall::no_room));
    CHECK(m.vm->figure_count() == 16);
}

TEST_CASE("An unknown hypercall returns -1 with a diagnostic; the VM keeps running", "[vm][hypercall]")
{
    Machine m;
    m.complete(m.hypercall(99));
    CHECK(m.guest.rax == ~0ull);
    CHECK(m.vm->counters.hypercalls_unknown == 1);
    CHECK(m.diagnostics.text == "vm 1 (test): unknown hypercall 99 at rip 0x100000\n");
    CHECK(m.vm->state() == VmState::running);
}

TEST_CASE("Hypercalls from guest user mode (CPL 3) are refused: a process cannot fake a verdict", "[vm][hypercall]")
{
    Machine m;
    m.guest.cpl = 3;
    m.complete(m.hypercall(hypercall::report_result, 1, 0));
    CHECK(m.guest.rax == err(hypercall::not_permitted));
    CHECK(m.vm->verdict() == Verdict::none);
    CHECK(m.vm->state() == VmState::running);
}

TEST_CASE("Hypercall 4 takes the console's request word once; a newer word replaces one not yet taken", "[vm][hypercall]")
{
    Machine m;
    m.complete(m.hypercall(hypercall::take_request));
    CHECK(m.guest.rax == 0);
    m.vm->post_request(7);
    m.vm->post_request(0x502);
    m.complete(m.hypercall(hypercall::take_request));
    CHECK(m.guest.rax == 0x502);
    m.complete(m.hypercall(hypercall::take_request));
    CHECK(m.guest.rax == 0);
}
