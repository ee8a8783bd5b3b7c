// Random byte streams into the shell: it must never crash (ASan/UBSan watch the host build),
// must answer with only printable ASCII plus line ends and backspaces, must emit only valid
// one-line JSON replies, and must always come back to a prompt once a line end arrives.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>

#include "console_test_support.hpp"
#include "hv/console/arguments.hpp"
#include "hv/console/reply.hpp"
#include "hv/console/shell.hpp"

using namespace sp::console;
using console_test::JsonChecker;
using console_test::StringSink;

namespace {

void sized(const Arguments& args, Reply& reply, void*)
{
    uint64_t bytes = 0;
    uint64_t count = 0;
    if (!args.size_at(0, 0, UINT64_MAX, bytes, reply)) return;
    if (!args.unsigned_flag("--count", 0, 100000, count, reply)) return;
    Table rows = reply.data().u64("bytes", bytes).table("rows");
    for (uint64_t i = 0; i < count; ++i) rows.row().u64("i", i).str("echo", args.at(0));
}

void echo(const Arguments& args, Reply& reply, void*)
{
    Object data = reply.data();
    Table words = data.table("words");
    for (size_t i = 0; i < args.count(); ++i) words.row().str("word", args.at(i));
    data.boolean("json", args.json());
}

const Command kFuzzCommands[] = {
    {"vm start", "SIZE [--count N]", "sized rows", sized, 1, 1, "--count="},
    {"echo", "WORD...", "echo words", echo, 0, kAnyCount, "--x --y="},
};

// Pieces that reach deep into the parser and editor, mixed with raw random bytes.
const char* const kPieces[] = {
    "help", "version", "vm", "start", "echo", " ", " ", "  ", "\"", "\\", "--json", "--count",
    "--x", "--y=", "--", "64M", "0x", "0x1f", "99999999999999999999", "7", "K", "G", "\r", "\n",
    "\r\n", "\x1b", "\x1b[", "\x1b[A", "\x1b[B", "\x1bO", "A", "[", "~", "1;5", "\x7f", "\x08",
    "\x15", "\x03", "\t", "help vm", "\xc3\xa9",
};

struct Coverage {
    long json_replies = 0;
    long text_errors = 0;
    long too_large = 0;
};

// Half of the streams start like a real command so that the random rest reaches the argument
// checks, the handlers and the reply renderers.
const char* const kStarts[] = {
    "vm start ", "vm start 4K ", "echo ", "echo --json ", "help ", "version ", "--json echo a ",
    "vm start 1 --count 9999 ",
};

void check_output(const std::string& text, Coverage& seen)
{
    size_t line_start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
        if (i < text.size()) {
            unsigned char c = static_cast<unsigned char>(text[i]);
            bool allowed = (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\b';
            if (!allowed) FAIL("unexpected output byte " << int(c));
            if (c != '\n') continue;
        }
        // Reply lines that start a JSON object must be complete, valid JSON.
        std::string line = text.substr(line_start, i - line_start);
        if (line.rfind("{\"ok\":", 0) == 0) {
            if (!JsonChecker::valid(line)) FAIL("invalid JSON reply: " << line);
            ++seen.json_replies;
        }
        if (line.rfind("error: ", 0) == 0) ++seen.text_errors;
        if (line.find("reply too large") != std::string::npos) ++seen.too_large;
        line_start = i + 1;
    }
}

void run_random_streams(uint32_t seed, int streams)
{
    std::mt19937 rng(seed);
    StringSink out;
    Shell shell(out);
    shell.add_commands(kFuzzCommands);
    shell.start();
    std::string stream;
    Coverage seen;
    for (int n = 0; n < streams; ++n) {
        stream.clear();
        if (rng() % 2) stream += kStarts[rng() % (sizeof kStarts / sizeof kStarts[0])];
        int pieces = static_cast<int>(rng() % 24);
        for (int p = 0; p < pieces; ++p) {
            uint32_t r = rng();
            if (r % 4 == 0) stream += static_cast<char>(rng() & 0xff);
            else stream += kPieces[(r >> 2) % (sizeof kPieces / sizeof kPieces[0])];
        }
        if (rng() % 64 == 0) stream += std::string(rng() % 600, 'a'); // over-long lines
        shell.feed(stream.data(), stream.size());
        shell.feed('\r');
        const std::string& text = out.text;
        if (text.size() < 10 || text.compare(text.size() - 10, 10, "samepage> ") != 0)
            FAIL("no prompt after stream " << n << " (seed " << seed << ")");
        check_output(text, seen);
        out.text.clear();
    }
    // The streams must reach the interesting paths, or the test proves little.
    CHECK(seen.json_replies > streams / 100);
    CHECK(seen.text_errors > streams / 10);
    CHECK(seen.too_large > 0);
}

} // namespace

TEST_CASE("100,000 random byte streams never crash the shell and always end at a prompt",
          "[console][fuzz]")
{
    run_random_streams(20240601u, 100000);
}

TEST_CASE("1,000,000 random byte streams never crash the shell", "[console][fuzz][long]")
{
    run_random_streams(424242u, 1000000);
}
