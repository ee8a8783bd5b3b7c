#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "console_test_support.hpp"
#include "hv/console/reply.hpp"
#include "hv/console/reply_json.hpp"
#include "hv/console/reply_text.hpp"

using namespace sp::console;
using console_test::is_one_json_line;
using console_test::StringSink;

namespace {

std::string text(const Reply& reply)
{
    StringSink out;
    render_text(reply, out);
    return out.text;
}

std::string json(const Reply& reply)
{
    StringSink out;
    render_json(reply, out);
    CHECK(is_one_json_line("@1 " + out.text)); // the shell adds the frame

    return out.text;
}

void fill_vm_list(Reply& reply)
{
    Object data = reply.data();
    data.u64("count", 2).boolean("all_running", false);
    Table vms = data.table("vms");
    vms.row().str("name", "alpha").str("state", "running").u64("memory_mib", 64);
    vms.row().str("name", "beta-long-name").str("state", "stopped").u64("memory_mib", 1024);
}

} // namespace

TEST_CASE("an empty ok reply", "[console][reply]")
{
    Reply reply;
    reply.reset("reboot");
    CHECK(reply.ok());
    CHECK(text(reply) == "");
    CHECK(json(reply) == "{\"ok\":true,\"cmd\":\"reboot\",\"data\":{}}\n");
}

TEST_CASE("scalar fields render as aligned key: value lines and typed JSON", "[console][reply]")
{
    Reply reply;
    reply.reset("demo");
    reply.data()
        .str("name", "Samepage")
        .u64("cpus", 4)
        .hex("base", 0x1000)
        .i64("delta", -17)
        .boolean("vmx", true)
        .boolean("svm", false)
        .strf("memory", "%u MiB", 512u);
    CHECK(text(reply) == "name:   Samepage\n"
                         "cpus:   4\n"
                         "base:   0x1000\n"
                         "delta:  -17\n"
                         "vmx:    yes\n"
                         "svm:    no\n"
                         "memory: 512 MiB\n");
    CHECK(json(reply) == R"({"ok":true,"cmd":"demo","data":{"name":"Samepage","cpus":4,)"
                         R"("base":4096,"delta":-17,"vmx":true,"svm":false,)"
                         R"("memory":"512 MiB"}})"
                         "\n");
}

TEST_CASE("64-bit extremes render exactly", "[console][reply]")
{
    Reply reply;
    reply.reset("n");
    reply.data().u64("max", UINT64_MAX).i64("min", INT64_MIN).hex("h", UINT64_MAX);
    CHECK(text(reply) == "max: 18446744073709551615\nmin: -9223372036854775808\n"
                         "h:   0xffffffffffffffff\n");
    CHECK(json(reply) == R"({"ok":true,"cmd":"n","data":{"max":18446744073709551615,)"
                         R"("min":-9223372036854775808,"h":18446744073709551615}})"
                         "\n");
}

TEST_CASE("nested objects are indented under their key", "[console][reply]")
{
    Reply reply;
    reply.reset("cpu");
    Object data = reply.data();
    data.str("vendor", "GenuineIntel");
    data.object("features").boolean("vmx", true).boolean("ept", true).object("deep").u64("x", 1);
    data.object("empty");
    data.u64("family", 6);
    // Only scalar keys set the value column; object keys stand on their own line.
    CHECK(text(reply) == "vendor: GenuineIntel\n"
                         "features:\n"
                         "  vmx: yes\n"
                         "  ept: yes\n"
                         "  deep:\n"
                         "    x: 1\n"
                         "empty: (none)\n"
                         "family: 6\n");
    CHECK(json(reply) == R"({"ok":true,"cmd":"cpu","data":{"vendor":"GenuineIntel",)"
                         R"("features":{"vmx":true,"ept":true,"deep":{"x":1}},"empty":{},)"
                         R"("family":6}})"
                         "\n");
}

TEST_CASE("tables render as aligned columns with an upper-case header", "[console][reply]")
{
    Reply reply;
    reply.reset("vm list");
    fill_vm_list(reply);
    CHECK(text(reply) == "count:       2\n"
                         "all_running: no\n"
                         "vms:\n"
                         "  NAME            STATE    MEMORY_MIB\n"
                         "  alpha           running  64\n"
                         "  beta-long-name  stopped  1024\n");
    CHECK(json(reply) == R"({"ok":true,"cmd":"vm list","data":{"count":2,"all_running":false,)"
                         R"("vms":[{"name":"alpha","state":"running","memory_mib":64},)"
                         R"({"name":"beta-long-name","state":"stopped","memory_mib":1024}]}})"
                         "\n");
}

TEST_CASE("table rows may differ: missing cells show '-', nested cells as JSON",
          "[console][reply]")
{
    Reply reply;
    reply.reset("t");
    Table t = reply.data().table("rows");
    t.row().str("a", "x");
    Object second = t.row();
    second.u64("b", 22);
    second.object("c").u64("d", 1);
    reply.data().table("none");
    CHECK(text(reply) == "rows:\n"
                         "  A  B   C\n"
                         "  x  -   -\n"
                         "  -  22  {\"d\":1}\n"
                         "none: (none)\n");
    CHECK(json(reply) == R"({"ok":true,"cmd":"t","data":{"rows":[{"a":"x"},{"b":22,"c":{"d":1}}],)"
                         R"("none":[]}})"
                         "\n");
}

TEST_CASE("errors render as 'error: message' and as ok:false JSON", "[console][reply]")
{
    Reply reply;
    reply.reset("vm start");
    reply.data().u64("ignored", 1);
    reply.fail("no such VM '%s'", "gamma");
    reply.fail("a second error is ignored");
    CHECK_FALSE(reply.ok());
    CHECK(text(reply) == "error: no such VM 'gamma'\n");
    CHECK(json(reply) ==
          "{\"ok\":false,\"cmd\":\"vm start\",\"error\":\"no such VM 'gamma'\"}\n");

    reply.reset(nullptr);
    reply.fail("unknown command 'x'");
    CHECK(json(reply) == "{\"ok\":false,\"cmd\":null,\"error\":\"unknown command 'x'\"}\n");
}

TEST_CASE("JSON strings escape quotes, backslashes, control and non-ASCII bytes",
          "[console][reply]")
{
    Reply reply;
    reply.reset("esc");
    reply.data().str("s", "a\"b\\c\n\t\x01\x1f\x7f\xc3\xa9/");
    CHECK(json(reply) ==
          "{\"ok\":true,\"cmd\":\"esc\",\"data\":{\"s\":"
          "\"a\\\"b\\\\c\\u000a\\u0009\\u0001\\u001f\\u007f\\u00c3\\u00a9/\"}}\n");
    // Text output shows only printable ASCII.
    CHECK(text(reply) == "s: a\"b\\c" "???????" "/\n");

    StringSink out;
    write_json_string(out, "");
    CHECK(out.text == "\"\"");
}

TEST_CASE("error messages are escaped in JSON and sanitised in text", "[console][reply]")
{
    Reply reply;
    reply.reset("x\"y");
    reply.fail("bad \"%s\"\n", "\x02");
    CHECK(json(reply) == "{\"ok\":false,\"cmd\":\"x\\\"y\",\"error\":\"bad \\\"\\u0002\\\"\\u000a\"}\n");
    CHECK(text(reply) == "error: bad \"?\"?\n");
}

TEST_CASE("a reply that does not fit becomes the error 'reply too large'", "[console][reply]")
{
    Reply reply;
    reply.reset("big");
    Table t = reply.data().table("rows");
    for (int i = 0; i < 10000; ++i) t.row().u64("i", static_cast<uint64_t>(i)).str("s", "text");
    CHECK_FALSE(reply.ok());
    CHECK(reply.overflowed());
    CHECK(text(reply) == "error: reply too large\n");
    CHECK(json(reply) == "{\"ok\":false,\"cmd\":\"big\",\"error\":\"reply too large\"}\n");

    // The string pool overflows too, with long strings and with formatted ones.
    reply.reset("pool");
    std::string chunk(1000, 'x');
    for (int i = 0; i < 20; ++i) reply.data().str(("k" + std::to_string(i)).c_str(), chunk.c_str());
    CHECK(reply.overflowed());
    reply.reset("poolf");
    for (int i = 0; i < 20; ++i)
        reply.data().strf(("k" + std::to_string(i)).c_str(), "%1000d", i);
    CHECK(reply.overflowed());

    // reset() makes the reply usable again.
    reply.reset("small");
    reply.data().u64("x", 1);
    CHECK(reply.ok());
    CHECK(text(reply) == "x: 1\n");
}

TEST_CASE("strings that just fit the pool are kept whole", "[console][reply]")
{
    Reply reply;
    reply.reset("fit");
    // The key "k" takes 2 bytes; the value takes all the rest with its NUL.
    std::string value(Reply::kPoolBytes - 2 - 1, 'v');
    reply.data().str("k", value.c_str());
    REQUIRE(reply.ok());
    CHECK(text(reply) == "k: " + value + "\n");
    reply.reset("fitf");
    reply.data().strf("k", "%s", value.c_str());
    REQUIRE(reply.ok());
    CHECK(text(reply) == "k: " + value + "\n");
    reply.reset("onemore");
    reply.data().strf("k", "%sv", value.c_str());
    CHECK(reply.overflowed());
}

TEST_CASE("a repeated key is reported as an internal error", "[console][reply]")
{
    Reply reply;
    reply.reset("dup");
    reply.data().u64("x", 1).u64("x", 2);
    CHECK(text(reply) == "error: internal error: reply field 'x' set twice\n");
    // The same key in different objects or rows is fine.
    reply.reset("ok");
    Table t = reply.data().table("t");
    t.row().u64("x", 1);
    t.row().u64("x", 2);
    reply.data().object("o").u64("x", 3);
    CHECK(reply.ok());
}
