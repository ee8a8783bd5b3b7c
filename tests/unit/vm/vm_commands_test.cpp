#include "vm_test_support.hpp"

#include <memory>

#include "../console/console_test_support.hpp"
#include "hv/console/shell.hpp"
#include "hv/vm/vm_commands.hpp"

using namespace vm_test;

namespace {
struct Console {
    std::unique_ptr<Machine> machine = std::make_unique<Machine>();
    console_test::StringSink out;
    sp::console::Shell shell{out};

    Console() { add_vm_commands(shell, machine->registry); }
    std::string run(const char* line)
    {
        out.take();
        shell.execute(line);
        return out.take();
    }
};
} // namespace

bool one_json_line(const std::string& text) { return console_test::is_one_json_line(text); }

// The fixture's VM after a little guest activity: 14 serial bytes, one CPUID, one stray port
// write, one figure.
void some_activity(Machine& m)
{
    for (char ch : std::string("hello\r\nworld\n")) m.complete(m.out(0x3f8, uint8_t(ch)));
    m.complete(m.cpuid(0));
    m.complete(m.out(0x510, 1));
    m.guest_ram.put(0x6000, "boot_ms");
    m.complete(m.hypercall(3, 0x6000, 17));
}

TEST_CASE("vm list shows id, name, state, memory and the exits that happened, by kind", "[vm][console]")
{
    Console c;
    some_activity(*c.machine);
    CHECK(c.run("vm list") ==
          "vms:\n"
          "  ID  NAME  STATE    MEMORY_MIB  EXITS  BY_KIND\n"
          "  1   test  running  2           16     {\"cpuid\":1,\"io\":14,\"hypercall\":1}\n");
    std::string json = c.run("vms --json");
    CHECK(one_json_line(json));
    CHECK(json == "@1 {\"ok\":true,\"cmd\":\"vms\",\"data\":{\"vms\":[{\"id\":1,\"name\":\"test\",\"state\":\"running\","
                  "\"memory_mib\":2,\"exits\":16,\"by_kind\":{\"cpuid\":1,\"io\":14,\"hypercall\":1}}]}}\n");
}

TEST_CASE("vm list is ordered by id even when slots were reused, and says (none) when empty", "[vm][console]")
{
    Console c;
    Machine& m = *c.machine;
    m.vm->set_state(VmState::stopped);
    REQUIRE(m.registry.remove(1));
    CHECK(c.run("vm list") == "vms: (none)\n");
    VmConfig config;
    config.memory_bytes = 1u << 30;
    config.services = services_for(m.guest_ram);
    Vm* vm = nullptr;
    config.name = "b";
    REQUIRE(m.registry.create(config, vm) == CreateError::ok); // id 2, slot 0
    config.name = "c";
    REQUIRE(m.registry.create(config, vm) == CreateError::ok); // id 3, slot 1
    REQUIRE(m.registry.remove(2));
    config.name = "d";
    REQUIRE(m.registry.create(config, vm) == CreateError::ok); // id 4, slot 0
    std::string json = c.run("vm list --json");
    CHECK(one_json_line(json));
    CHECK(json.find("\"id\":3") < json.find("\"id\":4"));
    CHECK(c.run("vm list").find("  3   c     created  1024        0      {}\n") != std::string::npos);
}

TEST_CASE("vm info ID shows state, configuration, every exit counter, decisions, figures and the last message", "[vm][console]")
{
    Console c;
    some_activity(*c.machine);
    std::string text = c.run("vm info 1");
    CHECK(text.rfind("id:              1\n"
                     "name:            test\n"
                     "state:           running\n"
                     "memory_bytes:    2097152\n"
                     "vcpus:           1\n"
                     "on_triple_fault: stop\n"
                     "verdict:         none\n"
                     "exits_total:     16\n"
                     "exits:\n"
                     "  cpuid:              1\n",
                     0) == 0);
    CHECK(text.find("  io_unhandled:           1\n") != std::string::npos);
    CHECK(text.find("figures:\n  NAME     VALUE\n  boot_ms  17\n") != std::string::npos);
    CHECK(text.find("last_message:    vm 1 (test): unhandled port write 0x510 <- 0x1 (1 bytes) at rip 0x10000f\n") !=
          std::string::npos);
    std::string json = c.run("vm info 1 --json");
    CHECK(one_json_line(json));
    CHECK(json.find("\"exits\":{\"cpuid\":1,\"msr_read\":0,\"msr_write\":0,\"io\":14,") != std::string::npos);
    CHECK(json.find("\"figures\":[{\"name\":\"boot_ms\",\"value\":17}]") != std::string::npos);
    CHECK(json.find("verdict_code") == std::string::npos); // no verdict yet
}

TEST_CASE("vm info of a test guest that reported shows its verdict and code", "[vm][console]")
{
    Console c;
    Machine& m = *c.machine;
    m.run(m.hypercall(2, 0, 7));
    std::string text = c.run("vm info 1");
    CHECK(text.find("state:           exited\n") != std::string::npos);
    CHECK(text.find("verdict:         failed\nverdict_code:    7\n") != std::string::npos);
}

TEST_CASE("vm log ID shows the guest's serial lines, and how much was left out", "[vm][console]")
{
    Console c;
    some_activity(*c.machine);
    CHECK(c.run("vm log 1") ==
          "id:            1\n"
          "name:          test\n"
          "total_bytes:   12\n"
          "omitted_bytes: 0\n"
          "lines:\n"
          "  LINE\n"
          "  hello\n"
          "  world\n");
    CHECK(c.run("vm log 1 --json") ==
          "@1 {\"ok\":true,\"cmd\":\"vm log\",\"data\":{\"id\":1,\"name\":\"test\",\"total_bytes\":12,"
          "\"omitted_bytes\":0,\"lines\":[{\"line\":\"hello\"},{\"line\":\"world\"}]}}\n");
}

TEST_CASE("vm log of a full log shows the newest lines that fit one reply, never an overflowed reply", "[vm][console]")
{
    Console c;
    Machine& m = *c.machine;
    std::string all;
    for (int i = 0; i < 2000; ++i) all += "line " + std::to_string(i) + "\n";
    m.vm->log().write(all.data(), all.size());
    std::string json = c.run("vm log 1 --json");
    CHECK(one_json_line(json));
    CHECK(json.rfind("@1 {\"ok\":true", 0) == 0);
    CHECK(json.find("{\"line\":\"line 1999\"}]") != std::string::npos);
    CHECK(json.find("\"line 1849\"") == std::string::npos); // 150 lines at most
    CHECK(json.find("\"line 1850\"") != std::string::npos);

    // One endless line: its newest part, in 160-character pieces.
    Console d;
    std::string endless(20000, 'z');
    d.machine->vm->log().write(endless.data(), endless.size());
    std::string text = d.run("vm log 1");
    CHECK(text.find("omitted_bytes: 15000\n") != std::string::npos); // 20000 written, the newest 5000 shown
    CHECK(text.find("  " + std::string(160, 'z') + "\n") != std::string::npos);
    CHECK(text.find("error") == std::string::npos);
}

TEST_CASE("vm kill ID stops a VM (at its next exit when it is running); a second kill is an error once stopped", "[vm][console]")
{
    Console c;
    Machine& m = *c.machine;
    CHECK(c.run("vm kill 1") == "id:     1\nname:   test\nstatus: stopping\n");
    CHECK(m.vm->kill_requested());
    CHECK(m.run(m.cpuid(0)).kind == ActionKind::stop);
    CHECK(c.run("vm kill 1") == "error: vm 1 (test) is already stopped\n");
    m.registry.remove(1);
    VmConfig config;
    config.name = "idle";
    config.memory_bytes = 1u << 20;
    config.services = services_for(m.guest_ram);
    Vm* vm = nullptr;
    REQUIRE(m.registry.create(config, vm) == CreateError::ok);
    CHECK(c.run("vm kill 2 --json") == "@1 {\"ok\":true,\"cmd\":\"vm kill\",\"data\":{\"id\":2,\"name\":\"idle\",\"status\":\"stopped\"}}\n");
}

TEST_CASE("Bad VM ids get clear errors in text and JSON", "[vm][console]")
{
    Console c;
    CHECK(c.run("vm info 9") == "error: no VM with id 9 (try 'vm list')\n");
    CHECK(c.run("vm log 0") == "error: argument 1: '0' is out of range (1 to 1023) (usage: vm log ID)\n");
    CHECK(c.run("vm kill x") ==
          "error: argument 1: 'x' is not a number (decimal or 0x hex) (usage: vm kill ID)\n");
    CHECK(c.run("vm info") == "error: 'vm info' takes 1 argument, got 0 (usage: vm info ID)\n");
    std::string json = c.run("vm info 9 --json");
    CHECK(one_json_line(json));
    CHECK(json == "@1 {\"ok\":false,\"cmd\":\"vm info\",\"error\":\"no VM with id 9 (try 'vm list')\"}\n");
}

TEST_CASE("log follow on|off switches the registry's follow flag", "[vm][console]")
{
    Console c;
    CHECK(c.run("log follow on") == "follow: yes\n");
    CHECK(c.machine->registry.log_follow());
    CHECK(c.run("log follow off --json") == "@1 {\"ok\":true,\"cmd\":\"log follow\",\"data\":{\"follow\":false}}\n");
    CHECK_FALSE(c.machine->registry.log_follow());
    CHECK(c.run("log follow maybe") ==
          "error: argument 1: 'maybe' is neither 'on' nor 'off' (usage: log follow on|off)\n");
}

TEST_CASE("There is no vm start row until the loader and back-end can serve it", "[vm][console]")
{
    Console c;
    CHECK(c.run("vm start hello 64M") == "error: unknown command 'vm start' (try 'help vm')\n");
}

TEST_CASE("vm pause stops a running VM at its next exit; vm resume lets it run again", "[vm][console]")
{
    Console c;
    Machine& m = *c.machine;
    CHECK(c.run("vm resume 1") == "error: vm 1 (test) is not paused\n");
    CHECK(c.run("vm pause 1") == "id:     1\nname:   test\nstatus: pausing\n");
    CHECK(m.run(m.cpuid(0)).kind == ActionKind::pause);
    CHECK(m.vm->state() == VmState::paused);
    CHECK(c.run("vm pause 1") == "error: vm 1 (test) is already paused\n");
    CHECK(c.run("vm resume 1 --json") ==
          "@1 {\"ok\":true,\"cmd\":\"vm resume\",\"data\":{\"id\":1,\"name\":\"test\",\"status\":\"running\"}}\n");
    CHECK(m.run(m.cpuid(0)).kind == ActionKind::resume);
    // A pause withdrawn before it took effect.
    CHECK(c.run("vm pause 1").find("pausing") != std::string::npos);
    CHECK(c.run("vm resume 1").find("status: running") != std::string::npos);
    CHECK(m.run(m.cpuid(0)).kind == ActionKind::resume);
    CHECK(c.run("vm kill 1").find("stopping") != std::string::npos);
    m.run(m.cpuid(0));
    CHECK(c.run("vm pause 1") == "error: vm 1 (test) has stopped (its output: vm log 1)\n");
    CHECK(c.run("vm resume 1") == "error: vm 1 (test) has stopped (its output: vm log 1)\n");
    CHECK(c.run("vm pause 7") == "error: no VM with id 7 (try 'vm list')\n");
}

TEST_CASE("vm console attaches the guest console and hands the terminal over", "[vm][console][guest_console]")
{
    Console c;
    console_test::StringSink guest_out;
    sp::vm::GuestConsole gc(guest_out);
    add_vm_console_command(c.shell, gc);
    std::string json = c.run("vm console 1 --json");
    CHECK(one_json_line(json));
    CHECK(json == "@1 {\"ok\":true,\"cmd\":\"vm console\",\"data\":{\"id\":1,\"name\":\"test\",\"state\":\"running\","
                  "\"escape\":\"Ctrl-] q\",\"note\":\"attached: typing goes to the VM; Ctrl-] then q returns to the "
                  "shell\"}}\n");
    CHECK(gc.attached());
    CHECK(c.shell.last_reply().terminal_handed_over());
    gc.detach("detached");
    CHECK(c.run("vm console 3") == "error: no VM with id 3 (try 'vm list')\n");
    CHECK_FALSE(c.shell.last_reply().terminal_handed_over());
    c.machine->run(c.machine->hypercall(2, 1, 0)); // the VM exits
    CHECK(c.run("vm console 1") == "error: vm 1 (test) has exited (its output: vm log 1)\n");
    CHECK_FALSE(gc.attached());
}

TEST_CASE("vm request posts a word the guest takes once; bad words and ended VMs are refused", "[vm][console]")
{
    Console c;
    Machine& m = *c.machine;
    CHECK(c.run("vm request 1 0x205") == "id:      1\nname:    test\nrequest: 517\nstatus:  posted\n");
    CHECK(m.vm->take_request() == 0x205);
    CHECK(m.vm->take_request() == 0);
    CHECK(c.run("vm request 1 0").find("error: argument 2") == 0);
    CHECK(c.run("vm request 1 soon").find("error: argument 2") == 0);
    CHECK(c.run("vm request 9 1") == "error: no VM with id 9 (try 'vm list')\n");
    CHECK(c.run("vm kill 1").find("stopping") != std::string::npos);
    m.run(m.cpuid(0));
    CHECK(c.run("vm request 1 1") == "error: vm 1 (test) has stopped (its output: vm log 1)\n");
}

TEST_CASE("A VM paused for memory says so; resuming it clears the wait", "[vm][console]")
{
    Console c;
    Machine& m = *c.machine;
    m.vm->pause_for_memory();
    CHECK(m.vm->state() == VmState::paused);
    CHECK(c.run("vm info 1 --json").find("\"waiting_for_memory\":true") != std::string::npos);
    CHECK(c.run("vm resume 1").find("status: running") != std::string::npos);
    CHECK_FALSE(m.vm->waiting_for_memory());
}
