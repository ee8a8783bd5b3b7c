#include <catch2/catch.hpp>

#include <string>

#include "console_test_support.hpp"
#include "hv/console/async_lines.hpp"
#include "hv/lib/format.hpp"

using namespace sp::console;

TEST_CASE("A diagnostic while a line is being typed gets a line of its own; prompt and typed text come back", "[console][async]")
{
    console_test::StringSink out;
    Shell shell(out);
    AsyncLines async(out, &shell);
    shell.start();
    shell.feed("vers", 4);
    out.take();
    sp::format(async, "vm 3 (x): stopped %d\n", 7);
    CHECK(out.take() == "\r\x1b[Kvm 3 (x): stopped 7\nsamepage> vers");
    shell.feed("ion\r", 4); // the line still runs whole
    CHECK_THAT(out.take(), Catch::Contains("Samepage"));
}

TEST_CASE("Diagnostics while a command runs, or before the shell is attached, are written as they are", "[console][async]")
{
    console_test::StringSink out;
    AsyncLines async(out);
    sp::format(async, "early ");
    CHECK(out.text.empty()); // whole lines only
    sp::format(async, "line\n");
    CHECK(out.take() == "early line\n");
    Shell shell(out);
    async.attach(&shell); // no prompt shown yet
    sp::format(async, "x\n");
    CHECK(out.take() == "x\n");
}

TEST_CASE("An over-long asynchronous line goes out in pieces, each ended", "[console][async]")
{
    console_test::StringSink out;
    AsyncLines async(out);
    std::string long_line(600, 'a');
    async.write(long_line.data(), long_line.size());
    async.write("\n", 1);
    std::string text = out.take();
    size_t as = 0, newlines = 0;
    for (char c : text) (c == 'a' ? as : newlines) += 1;
    CHECK(as == 600);
    CHECK(newlines == 3);
}
