#include <catch2/catch.hpp>

#include <string>

#include "hv/platform/boot_config.hpp"

namespace {
struct StringSink final : sp::Sink {
    std::string text;
    void write(const char* d, size_t n) override { text.append(d, n); }
};

int apply_file(sp::BootConfig& c, const std::string& text, StringSink& diag)
{
    return sp::apply_config_file(c, text.data(), text.size(), "samepage.cfg", diag);
}
} // namespace

TEST_CASE("Given a valid configuration file, every key applies", "[boot_config]")
{
    sp::BootConfig c;
    StringSink diag;
    CHECK(apply_file(c, "# comment\n\nheap_mib = 32   # trailing comment\r\ntest_exit=qemu\n", diag) == 0);
    CHECK(diag.text.empty());
    CHECK(c.heap_mib == 32);
    CHECK(c.test_exit == sp::TestExit::qemu);
}

TEST_CASE("Given bad lines, each is reported with its line number and the rest still applies", "[boot_config]")
{
    sp::BootConfig c;
    StringSink diag;
    std::string text = "heap_mib = 0\nbogus = 1\njust words\n= 3\nheap_mib = 99999999999\n"
                       "test_exit = maybe\nheap_mib = 8\nheap_mib = \xc3\xa9\n";
    CHECK(apply_file(c, text, diag) == 7);
    CHECK(c.heap_mib == 8);
    CHECK(c.test_exit == sp::TestExit::none);
    CHECK(diag.text.find("samepage.cfg:1: heap_mib must be a whole number from 1 to 1024 (line skipped)") != std::string::npos);
    CHECK(diag.text.find("samepage.cfg:2: unknown key 'bogus'") != std::string::npos);
    CHECK(diag.text.find("samepage.cfg:3: expected key = value") != std::string::npos);
    CHECK(diag.text.find("samepage.cfg:4: missing key") != std::string::npos);
    CHECK(diag.text.find("samepage.cfg:5: heap_mib must be") != std::string::npos);
    CHECK(diag.text.find("samepage.cfg:6: test_exit must be none, qemu or bochs") != std::string::npos);
    CHECK(diag.text.find("samepage.cfg:8: line holds bytes that are not printable ASCII") != std::string::npos);
}

TEST_CASE("Load options override the file, skipping the image name", "[boot_config]")
{
    sp::BootConfig c;
    StringSink diag;
    std::string opts = "\\EFI\\BOOT\\BOOTX64.EFI  test_exit=bochs heap_mib=64 nonsense";
    CHECK(sp::apply_load_options(c, opts.data(), opts.size(), diag) == 1);
    CHECK(c.test_exit == sp::TestExit::bochs);
    CHECK(c.heap_mib == 64);
    CHECK(diag.text.find("'nonsense': expected key=value (ignored)") != std::string::npos);
}

TEST_CASE("An empty file or empty load options change nothing", "[boot_config]")
{
    sp::BootConfig c;
    StringSink diag;
    CHECK(apply_file(c, "", diag) == 0);
    CHECK(sp::apply_load_options(c, "", 0, diag) == 0);
    CHECK(c.heap_mib == 16);
    CHECK(diag.text.empty());
}

TEST_CASE("start lines are kept in order, at most 8, each at most 95 characters", "[boot_config]")
{
    sp::BootConfig c;
    StringSink diag;
    std::string text = "start = hello\nstart = memcheck 64M --name big   # comment\n";
    for (int i = 0; i < 7; ++i) text += "start = spin\n";
    text += "start = " + std::string(96, 'x') + "\n";
    CHECK(apply_file(c, text, diag) == 2);
    REQUIRE(c.start_count == 8);
    CHECK(std::string(c.start[0]) == "hello");
    CHECK(std::string(c.start[1]) == "memcheck 64M --name big");
    CHECK(std::string(c.start[7]) == "spin");
    CHECK_THAT(diag.text, Catch::Contains("samepage.cfg:9: at most 8 start lines"));
    CHECK_THAT(diag.text, Catch::Contains("samepage.cfg:10: start needs a test guest"));
}

TEST_CASE("overcommit_percent takes 100 to 1000 and defaults to 150", "[boot_config]")
{
    sp::BootConfig c;
    StringSink diag;
    CHECK(c.overcommit_percent == 150);
    CHECK(apply_file(c, "overcommit_percent = 99\novercommit_percent = 1001\novercommit_percent = 2x\n", diag) == 3);
    CHECK(c.overcommit_percent == 150);
    CHECK(diag.text.find("samepage.cfg:1: overcommit_percent must be a whole number from 100 to 1000") != std::string::npos);
    CHECK(apply_file(c, "overcommit_percent = 300\n", diag) == 0);
    CHECK(c.overcommit_percent == 300);
}
