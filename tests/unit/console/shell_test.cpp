#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "console_test_support.hpp"
#include "hv/console/arguments.hpp"
#include "hv/console/reply.hpp"
#include "hv/console/shell.hpp"

using namespace sp::console;
using console_test::is_one_json_line;
using console_test::StringSink;

namespace {

// A stand-in for the embedder's platform data and commands, written the way docs/console.md
// tells the embedder to write them.
struct Platform {
    uint64_t memory_bytes = 512ull << 20;
    bool reboot_requested = false;
    int calls = 0;
};

void mem(const Arguments&, Reply& reply, void* context)
{
    auto& platform = *static_cast<Platform*>(context);
    ++platform.calls;
    reply.data().u64("total_bytes", platform.memory_bytes);
}

void reboot(const Arguments& args, Reply& reply, void* context)
{
    auto& platform = *static_cast<Platform*>(context);
    platform.reboot_requested = true; // the embedder reboots after printing the reply
    reply.data().str("status", args.has("--force") ? "rebooting now" : "rebooting");
}

void vm_list(const Arguments&, Reply& reply, void*)
{
    Table vms = reply.data().table("vms");
    vms.row().str("name", "alpha").u64("memory_mib", 64);
}

void vm_start(const Arguments& args, Reply& reply, void*)
{
    uint64_t bytes = 0;
    uint64_t cpus = 1;
    if (!args.size_at(1, 1 << 20, 1ull << 40, bytes, reply)) return;
    if (!args.unsigned_flag("--cpus", 1, 64, cpus, reply)) return;
    reply.data().str("name", args.at(0)).u64("memory_bytes", bytes).u64("cpus", cpus);
}

void flood(const Arguments&, Reply& reply, void*)
{
    Table rows = reply.data().table("rows");
    for (uint64_t i = 0; i < 100000; ++i) rows.row().u64("i", i);
}

const Command kPlatformCommands[] = {
    {"mem", "", "show memory", mem},
    {"reboot", "[--force]", "restart the machine", reboot, 0, 0, "--force"},
};
const Command kVmCommands[] = {
    {"vm list", "", "list virtual machines", vm_list},
    {"vm start", "NAME SIZE [--cpus N]", "start a VM", vm_start, 2, 2, "--cpus="},
    {"flood", "", "reply with too much", flood},
};

struct Fixture {
    StringSink out;
    Platform platform;
    Shell shell{out, &platform};

    Fixture()
    {
        shell.add_commands(kPlatformCommands);
        shell.add_commands(kVmCommands);
        shell.start();
        REQUIRE(out.take() == "samepage> ");
    }
    // Types `line` and a CR; returns what the shell wrote without the echo of the line and
    // without the final prompt (which must be there).
    std::string type(const std::string& line)
    {
        shell.feed(line.data(), line.size());
        shell.feed('\r');
        std::string text = out.take();
        REQUIRE(text.size() >= line.size() + 1 + 10);
        CHECK(text.substr(0, line.size() + 1) == line + "\n");
        CHECK(text.substr(text.size() - 10) == "samepage> ");
        return text.substr(line.size() + 1, text.size() - line.size() - 11);
    }
};

const std::string kCompiler =
#if defined(__clang__)
    __VERSION__;
#else
    "gcc " __VERSION__;
#endif

} // namespace

TEST_CASE("the shell starts with the prompt and answers each line with a new one",
          "[console][shell]")
{
    Fixture f;
    f.shell.feed("\r", 1);
    CHECK(f.out.take() == "\nsamepage> ");
    f.shell.feed("\r\n", 2);
    CHECK(f.out.take() == "\nsamepage> ");
}

TEST_CASE("version shows name, version, compiler and build kind", "[console][shell]")
{
    Fixture f;
    CHECK(f.type("version") == "name:     Samepage\n"
                               "version:  " SAMEPAGE_VERSION "\n"
                               "compiler: " + kCompiler + "\n"
                               "build:    host\n");
    std::string json = f.type("version --json");
    CHECK(is_one_json_line(json));
    CHECK(json == "@1 {\"ok\":true,\"cmd\":\"version\",\"data\":{\"name\":\"Samepage\",\"version\":\"" +
                      std::string(SAMEPAGE_VERSION) + "\",\"compiler\":\"" + kCompiler +
                      "\",\"build\":\"host\"}}\n");
    CHECK(f.type("version extra") ==
          "error: 'version' takes no arguments, got 1 (usage: version)\n");
}

TEST_CASE("help lists every command from the table", "[console][shell]")
{
    Fixture f;
    CHECK(f.type("help") ==
          "commands:\n"
          "  NAME      USAGE                          HELP\n"
          "  help      help [COMMAND]                 list the commands, or describe one (or a group)\n"
          "  version   version                        show the name, version, compiler and build kind\n"
          "  mem       mem                            show memory\n"
          "  reboot    reboot [--force]               restart the machine\n"
          "  vm list   vm list                        list virtual machines\n"
          "  vm start  vm start NAME SIZE [--cpus N]  start a VM\n"
          "  flood     flood                          reply with too much\n");
    std::string json = f.type("--json help");
    CHECK(is_one_json_line(json));
    CHECK(json.rfind("@1 {\"ok\":true,\"cmd\":\"help\",\"data\":{\"commands\":[{\"name\":\"help\","
                     "\"usage\":\"help [COMMAND]\",\"help\":",
                     0) == 0);
}

TEST_CASE("help COMMAND describes one command or a group", "[console][shell]")
{
    Fixture f;
    CHECK(f.type("help vm start") == "name:  vm start\n"
                                     "usage: vm start NAME SIZE [--cpus N]\n"
                                     "help:  start a VM\n");
    CHECK(f.type("help vm") == "commands:\n"
                               "  NAME      USAGE                          HELP\n"
                               "  vm list   vm list                        list virtual machines\n"
                               "  vm start  vm start NAME SIZE [--cpus N]  start a VM\n");
    CHECK(f.type("help nope") == "error: unknown command 'nope' (try 'help')\n");
    CHECK(f.type("help vm nope") == "error: unknown command 'vm nope' (try 'help')\n");
    CHECK(f.type("help --json nope") ==
          "@1 {\"ok\":false,\"cmd\":\"help\",\"error\":\"unknown command 'nope' (try 'help')\"}\n");
}

TEST_CASE("unknown commands and incomplete groups are explained", "[console][shell]")
{
    Fixture f;
    CHECK(f.type("foo") == "error: unknown command 'foo' (try 'help')\n");
    CHECK(f.type("foo bar") == "error: unknown command 'foo' (try 'help')\n");
    CHECK(f.type("vm") == "error: 'vm' needs a subcommand (try 'help vm')\n");
    CHECK(f.type("vm stop alpha") == "error: unknown command 'vm stop' (try 'help vm')\n");
    CHECK(f.type("foo --json") ==
          "@1 {\"ok\":false,\"cmd\":null,\"error\":\"unknown command 'foo' (try 'help')\"}\n");
    CHECK(f.type("--json") == "@2 {\"ok\":false,\"cmd\":null,\"error\":\"no command given (try 'help')\"}\n");
    CHECK(f.type("\"\"") == "error: unknown command '' (try 'help')\n");
}

TEST_CASE("parse errors honour --json", "[console][shell]")
{
    Fixture f;
    CHECK(f.type("vm start \"a") == "error: unterminated quote\n");
    CHECK(f.type("--json vm start \"a") ==
          "@1 {\"ok\":false,\"cmd\":null,\"error\":\"unterminated quote\"}\n");
}

TEST_CASE("handlers get parsed arguments and the embedder's context", "[console][shell]")
{
    Fixture f;
    CHECK(f.type("mem") == "total_bytes: 536870912\n");
    CHECK(f.platform.calls == 1);
    CHECK(f.type("vm start alpha 64M --cpus 2") ==
          "name:         alpha\nmemory_bytes: 67108864\ncpus:         2\n");
    CHECK(f.type("vm start \"my vm\" 0x100000 --json") ==
          "@1 {\"ok\":true,\"cmd\":\"vm start\",\"data\":{\"name\":\"my vm\","
          "\"memory_bytes\":1048576,\"cpus\":1}}\n");
    CHECK(f.type("vm start a 64Q") ==
          "error: argument 2: '64Q' is not a size (a number with an optional K, M or G suffix) "
          "(usage: vm start NAME SIZE [--cpus N])\n");
    CHECK(f.type("vm start a 64M --cpus 0") ==
          "error: --cpus: '0' is out of range (1 to 64) (usage: vm start NAME SIZE [--cpus N])\n");
    CHECK(f.type("vm start a 64M --cpu 2") ==
          "error: unknown flag '--cpu' (usage: vm start NAME SIZE [--cpus N])\n");
    CHECK(f.type("reboot --force") == "status: rebooting now\n");
    CHECK(f.platform.reboot_requested);
}

TEST_CASE("usage errors do not run the handler", "[console][shell]")
{
    Fixture f;
    CHECK(f.type("reboot --now") == "error: unknown flag '--now' (usage: reboot [--force])\n");
    CHECK(f.type("reboot now") ==
          "error: 'reboot' takes no arguments, got 1 (usage: reboot [--force])\n");
    CHECK_FALSE(f.platform.reboot_requested);
}

TEST_CASE("tables and oversized replies through the shell", "[console][shell]")
{
    Fixture f;
    CHECK(f.type("vm list") == "vms:\n  NAME   MEMORY_MIB\n  alpha  64\n");
    CHECK(f.type("flood") == "error: reply too large\n");
    CHECK(f.type("flood --json") ==
          "@1 {\"ok\":false,\"cmd\":\"flood\",\"error\":\"reply too large\"}\n");
    CHECK(f.type("mem") == "total_bytes: 536870912\n"); // the next reply starts clean
}

TEST_CASE("bad input lines give one error line and a new prompt", "[console][shell]")
{
    Fixture f;
    f.shell.feed("ver\x01sion\r", 9);
    CHECK(f.out.take() == "version\nerror: control character 0x01 in line\nsamepage> ");
    f.shell.feed("\xc3\xa9\r\n", 4);
    CHECK(f.out.take() == "\nerror: non-ASCII byte 0xc3 in line\nsamepage> ");
    std::string flood(500, 'a');
    f.shell.feed(flood.data(), flood.size());
    f.shell.feed("\r\n", 2);
    CHECK(f.out.take() == std::string(240, 'a') +
                              "\nerror: line too long (max 240 characters)\nsamepage> ");
    f.shell.feed("help\x03", 5);
    CHECK(f.out.take() == "help^C\nsamepage> ");
}

TEST_CASE("history recalls a command through the shell", "[console][shell]")
{
    Fixture f;
    f.type("mem");
    f.shell.feed("\x1b[A\r", 4);
    CHECK(f.out.take() == "mem\ntotal_bytes: 536870912\nsamepage> ");
    CHECK(f.platform.calls == 2);
}

TEST_CASE("execute runs a line without a prompt", "[console][shell]")
{
    Fixture f;
    f.shell.execute("mem --json");
    CHECK(f.out.take() == "@1 {\"ok\":true,\"cmd\":\"mem\",\"data\":{\"total_bytes\":536870912}}\n");
    CHECK(f.shell.last_reply().ok());
    f.shell.execute("   ");
    CHECK(f.out.take() == "");
    f.shell.execute(std::string(300, 'x').c_str()); // longer than an editor line
    CHECK(f.out.take() == "error: line too long (max 240 characters)\n");
}

TEST_CASE("JSON replies are framed: a tool's tag, or a number the shell counts up", "[console][shell]")
{
    Fixture f;
    CHECK(f.type("mem --json") == "@1 {\"ok\":true,\"cmd\":\"mem\",\"data\":{\"total_bytes\":536870912}}\n");
    // A tag asks for JSON by itself; the shell's own numbering goes on unaffected.
    CHECK(f.type("@hvctl.7 mem") == "@hvctl.7 {\"ok\":true,\"cmd\":\"mem\",\"data\":{\"total_bytes\":536870912}}\n");
    CHECK(f.type("@a:b-c_9 --json mem") == "@a:b-c_9 {\"ok\":true,\"cmd\":\"mem\",\"data\":{\"total_bytes\":536870912}}\n");
    CHECK(f.type("mem --json") == "@2 {\"ok\":true,\"cmd\":\"mem\",\"data\":{\"total_bytes\":536870912}}\n");
    CHECK(f.type("@9 foo") == "@9 {\"ok\":false,\"cmd\":null,\"error\":\"unknown command 'foo' (try 'help')\"}\n");
    CHECK(f.type("@9") == "@9 {\"ok\":false,\"cmd\":null,\"error\":\"no command given (try 'help')\"}\n");
    // Only the first word is a tag; a quoted one is an ordinary word.
    CHECK(f.type("vm start @x 1M") == "name:         @x\nmemory_bytes: 1048576\ncpus:         1\n");
    CHECK(f.type("\"@x\" mem") == "error: unknown command '@x' (try 'help')\n");
}

TEST_CASE("a malformed tag gets a JSON error under the shell's own number", "[console][shell]")
{
    Fixture f;
    const std::string expected =
        "{\"ok\":false,\"cmd\":null,\"error\":\"bad request tag (after '@': 1-32 of A-Z a-z 0-9 . _ : -)\"}\n";
    CHECK(f.type("@ mem") == "@1 " + expected);
    CHECK(f.type("@a/b mem") == "@2 " + expected);
    CHECK(f.type("@" + std::string(33, 't') + " mem") == "@3 " + expected);
    CHECK(f.type("@" + std::string(32, 't') + " mem").rfind("@" + std::string(32, 't') + " {\"ok\":true", 0) == 0);
}

TEST_CASE("a tool's bad line still gets its framed JSON error", "[console][shell]")
{
    Fixture f;
    f.shell.feed("@t1 ver\x01sion\r", 13);
    CHECK(f.out.take() == "@t1 version\n@t1 {\"ok\":false,\"cmd\":null,\"error\":\"control character 0x01 in line\"}\nsamepage> ");
    f.shell.feed("mem --json \xff\r", 13);
    CHECK(f.out.take() == "mem --json \n@1 {\"ok\":false,\"cmd\":null,\"error\":\"non-ASCII byte 0xff in line\"}\nsamepage> ");
    std::string flood = "@t2 mem " + std::string(400, 'a') + "\r";
    f.shell.feed(flood.data(), flood.size());
    std::string out = f.out.take();
    CHECK(out.substr(241) == "@t2 {\"ok\":false,\"cmd\":null,\"error\":\"line too long (max 240 characters)\"}\nsamepage> ");
}

TEST_CASE("Ctrl-L clears the screen and shows the prompt and the line again", "[console][shell]")
{
    Fixture f;
    f.shell.feed("vm li\x0c", 6);
    CHECK(f.out.take() == "vm li\x1b[H\x1b[2Jsamepage> vm li");
    f.shell.feed("st\r", 3);
    CHECK(f.out.take() == "st\nvms:\n  NAME   MEMORY_MIB\n  alpha  64\nsamepage> ");
}

namespace {
bool attached = false;
void attach(const Arguments&, Reply& reply, void*)
{
    attached = true;
    reply.data().str("status", "attached");
    reply.hand_over_terminal();
}
void attach_fails(const Arguments&, Reply& reply, void*)
{
    reply.hand_over_terminal();
    reply.fail("no such VM");
}
const Command kAttachCommands[] = {
    {"attach", "", "hand the terminal over", attach},
    {"attach-bad", "", "fail to hand the terminal over", attach_fails},
};
} // namespace

TEST_CASE("a command that hands the terminal over gets no prompt until start()", "[console][shell]")
{
    Fixture f;
    f.shell.add_commands(kAttachCommands);
    f.shell.feed("attach\r", 7);
    CHECK(f.out.take() == "attach\nstatus: attached\n");
    CHECK(attached);
    CHECK_FALSE(f.shell.has_terminal());
    f.shell.start();
    CHECK(f.shell.has_terminal());
    CHECK(f.out.take() == "samepage> ");
    // A failed hand-over keeps the terminal: error and prompt as usual.
    f.shell.feed("attach-bad\r", 11);
    CHECK(f.out.take() == "attach-bad\nerror: no such VM\nsamepage> ");
    CHECK(f.shell.has_terminal());
}

TEST_CASE("a tool's tagged lines stay out of the user's history", "[console][shell]")
{
    Fixture f;
    f.type("mem");
    f.type("@t1 vm list");
    f.shell.feed("\x1b[A\r", 4);
    CHECK(f.out.take() == "mem\ntotal_bytes: 536870912\nsamepage> ");
}
